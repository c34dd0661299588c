"""Identifiers are inputs too: generators are passed in, so replays and tests are deterministic."""

from __future__ import annotations

from typing import Protocol


class IdGenerator(Protocol):
    def next_id(self) -> int:
        """A new positive integer, unique within this generator's scope."""
        ...


class SequentialIds:
    """Monotonic ids; start above the highest id already stored."""

    def __init__(self, start: int = 1) -> None:
        self._next = start

    def next_id(self) -> int:
        value = self._next
        self._next += 1
        return value
