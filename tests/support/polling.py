"""Waiting for something to become true, with a generous deadline: never a fixed sleep.

A fixed sleep is either too short on a loaded machine (a flaky test) or too long everywhere (a slow
one). These poll the real signal and return as soon as it holds; the deadline only bounds a failure.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
DEADLINE_S = 10.0  # generous: only a failing test waits this long
POLL_S = 0.02


def eventually(probe: Callable[[], T], done: Callable[[T], bool], timeout_s: float = 5.0) -> T:
    """Probe until `done` accepts the value or `timeout_s` passes; the last value (the caller asserts)."""
    deadline = time.monotonic() + timeout_s
    value = probe()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.05)
        value = probe()
    return value


async def until(
    condition: Callable[[], bool | Awaitable[bool]], what: str, timeout_s: float = DEADLINE_S
) -> None:
    """Wait in the event loop until `condition` holds; fails naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        held = condition()
        if not isinstance(held, bool):
            held = await held
        if held:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(POLL_S)
