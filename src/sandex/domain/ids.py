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

    @property
    def upcoming(self) -> int:
        """The id `next_id` gives next."""
        return self._next

    def resume_at(self, upcoming: int) -> None:
        """Give `upcoming` next: a replica takes its sequencer's generators (an id a refused command
        used up is never stored, so a load alone can start below them)."""
        self._next = upcoming
