"""Time is an input: the domain never reads the wall clock itself."""

from __future__ import annotations

from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Milliseconds since the Unix epoch (UTC)."""
        ...


SECOND_MS = 1000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
# 9999-12-31T23:59:59.999Z: the last instant OKX's ISO timestamps (and 64-bit columns) can hold.
LATEST_MS = 253_402_300_799_999


def is_valid_time(ms: int) -> bool:
    """Whether a clock may show `ms`: not before the epoch, not past `LATEST_MS`."""
    return 0 <= ms <= LATEST_MS
