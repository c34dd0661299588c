"""A `Clock` (sandex.domain.clock) for code driven in-process: tests and benchmarks that build the
domain or a service themselves move time by hand instead of waiting for it."""

from __future__ import annotations


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start_ms: int = 1_700_000_000_000) -> None:
        self._now_ms = start_ms

    def now_ms(self) -> int:
        return self._now_ms

    def advance(self, *, ms: int = 0, seconds: float = 0, days: float = 0) -> None:
        self._now_ms += ms + round(seconds * 1000) + round(days * 86_400_000)
