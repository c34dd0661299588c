"""TOTP codes as an authenticator app gives them, never one the server already accepted.

The server accepts the step before and after the current one *on its own clock*, and only steps later
than the last it accepted. Codes are made from the server's clock (a test may freeze or move it), and
a code handed out must stay acceptable for `MARGIN_S` more seconds, so a browser that types it and
clicks on a loaded machine is not refused at a step's boundary: starting one step back (except in a
step's last seconds) gives two or three codes per 30 seconds without waiting; the next waits for the
next step (a wait on the clock the codes are made of, not on readiness).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import pyotp

from sandex.runtime.clock import SystemClock

STEP_S = 30
MARGIN_S = 10  # a code is handed out only while it has this long left on the server's clock


def unused_step(
    last: int | None,
    now_s: Callable[[], float] = time.time,
    skip: Callable[[float], None] | None = None,
) -> int:
    """The earliest step the server accepts for at least `MARGIN_S` more seconds that is later than
    `last`. `now_s` is the server's time; with `skip`, a test that owns the server's clock moves it
    on instead of waiting for the step."""
    while True:
        now_at = now_s()
        now = int(now_at) // STEP_S
        # step s is accepted until the server's step passes s + 1, i.e. until (s + 2) * STEP_S
        lasting = math.ceil((now_at + MARGIN_S) / STEP_S) - 2
        step = max(now - 1, lasting, -1 if last is None else last + 1)
        if step <= now + 1:
            return step
        gap_s = (now + 1) * STEP_S - now_at + 0.05
        if skip is None:
            time.sleep(gap_s)
        else:
            skip(gap_s)


def server_time(clock: SystemClock) -> tuple[Callable[[], float], Callable[[float], None] | None]:
    """`now_s` and `skip` for `unused_step` from a server's clock: a frozen clock is moved on (it would
    never reach the next step), a running one is waited for (other tests share the server's time)."""

    def skip(gap_s: float) -> None:
        if clock.frozen:
            clock.advance(math.ceil(gap_s * 1000))
        else:
            time.sleep(gap_s)

    return (lambda: clock.now_ms() / 1000), skip


def code_at(totp: pyotp.TOTP, step: int) -> str:
    return str(totp.at(step * STEP_S))


class Authenticator:
    """An authenticator app that hands out each code once, as the server's replay guard wants, made
    from the server's clock when the test has it."""

    def __init__(self, secret: str, clock: SystemClock | None = None) -> None:
        self._totp = pyotp.TOTP(secret)
        self._last: int | None = None
        self._now_s, self._skip = (time.time, None) if clock is None else server_time(clock)

    def code(self) -> str:
        self._last = unused_step(self._last, self._now_s, self._skip)
        return code_at(self._totp, self._last)
