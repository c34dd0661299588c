"""The wall clock, with the offset and freeze the control API needs for time travel."""

from __future__ import annotations

import time
from collections.abc import Callable


class SystemClock:
    """Real UTC time in ms, optionally shifted (`advance`) or frozen at an instant (`freeze`)."""

    def __init__(self) -> None:
        self._offset_ms = 0
        self._frozen_at_ms: int | None = None
        self.on_change: list[Callable[[], None]] = []  # told after every control change (the cluster's sync)

    def state(self) -> tuple[int, int | None]:
        """(offset from real time, the frozen instant or None): all another process needs to agree."""
        return self._offset_ms, self._frozen_at_ms

    def restore(self, offset_ms: int, frozen_at_ms: int | None) -> None:
        """Take another process's clock (`state`); tells no one."""
        self._offset_ms, self._frozen_at_ms = offset_ms, frozen_at_ms

    def _changed(self) -> None:
        for listener in self.on_change:
            listener()

    def now_ms(self) -> int:
        if self._frozen_at_ms is not None:
            return self._frozen_at_ms
        return time.time_ns() // 1_000_000 + self._offset_ms

    def advance(self, ms: int) -> None:
        if self._frozen_at_ms is not None:
            self._frozen_at_ms += ms
        else:
            self._offset_ms += ms
        self._changed()

    def freeze(self, at_ms: int | None = None) -> None:
        self._frozen_at_ms = self.now_ms() if at_ms is None else at_ms
        self._changed()

    @property
    def frozen(self) -> bool:
        return self._frozen_at_ms is not None

    @property
    def offset_ms(self) -> int:
        """How far this clock is from real time (now, if frozen)."""
        return self.now_ms() - time.time_ns() // 1_000_000

    def reset(self) -> None:
        """Back to real time, running (the control API's reset)."""
        self._offset_ms = 0
        self._frozen_at_ms = None
        self._changed()

    def resume(self) -> None:
        """Run on from the frozen instant (keeps the shift the freeze implied)."""
        if self._frozen_at_ms is not None:
            self._offset_ms = self._frozen_at_ms - time.time_ns() // 1_000_000
            self._frozen_at_ms = None
        self._changed()
