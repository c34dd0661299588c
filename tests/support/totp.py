"""TOTP codes as an authenticator app gives them, never one the server already accepted.

The server accepts the step before and after the current one, and only steps later than the last it
accepted: starting one step back gives three codes per 30 seconds without waiting; a fourth waits
for the next step (a wait on the clock the codes are made of, not on readiness).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pyotp

STEP_S = 30


def unused_step(
    last: int | None,
    now_s: Callable[[], float] = time.time,
    skip: Callable[[float], None] | None = None,
) -> int:
    """The earliest step the server accepts that is later than `last`. `now_s` is the server's time;
    with `skip`, a test that owns the server's clock moves it on instead of waiting for the step."""
    while True:
        now = int(now_s()) // STEP_S
        step = now - 1 if last is None else max(now - 1, last + 1)
        if step <= now + 1:
            return step
        gap_s = (now + 1) * STEP_S - now_s() + 0.05
        if skip is None:
            time.sleep(gap_s)
        else:
            skip(gap_s)


def code_at(totp: pyotp.TOTP, step: int) -> str:
    return str(totp.at(step * STEP_S))


class Authenticator:
    """An authenticator app that hands out each code once, as the server's replay guard wants."""

    def __init__(self, secret: str) -> None:
        self._totp = pyotp.TOTP(secret)
        self._last: int | None = None

    def code(self) -> str:
        self._last = unused_step(self._last)
        return code_at(self._totp, self._last)
