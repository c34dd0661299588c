"""A control reset changes the database with every background writer paused, the first one
outermost, and resets what mirrored the database before any of them resumes: the exchange's
writer must never run (and publish) with ledger-account ids from before the wipe."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sandex.services.control.ports import StateReplaced
from sandex.services.control.service import ControlService


class Journal(list[str]):
    def publish(self, event: object) -> None:
        self.append(f"publish {type(event).__name__}")


class Writer:
    def __init__(self, name: str, journal: Journal) -> None:
        self.name, self.journal = name, journal

    @asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        self.journal.append(f"pause {self.name}")
        yield
        self.journal.append(f"resume {self.name}")


class Cache:
    def __init__(self, name: str, journal: Journal) -> None:
        self.name, self.journal = name, journal

    def reset(self) -> None:
        self.journal.append(f"reset {self.name}")


class Budgets(Cache):
    async def reset(self) -> None:  # a Resettable may be async
        self.journal.append(f"reset {self.name}")


class Store:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def wipe(self) -> None:
        self.journal.append("wipe")

    def wipe_user(self, user_id: int) -> None:
        self.journal.append(f"wipe user {user_id}")

    def snapshot(self) -> object:
        return "copy"

    def restore(self, snapshot: object) -> None:
        self.journal.append(f"restore {snapshot}")


class Clock:
    def reset(self) -> None: ...


class Faults:
    def clear(self) -> None: ...


def _control(journal: Journal) -> ControlService:
    return ControlService(
        accounts=None,  # not used by reset, snapshot or restore
        keys=None,
        clock=Clock(),
        faults=Faults(),
        store=Store(journal),
        random=None,
        publisher=journal,
        pausing=[Writer("market", journal), Writer("sequencer", journal)],
        resetting=[Cache("ledger accounts", journal), Budgets("rate limits", journal)],
    )


async def test_reset_wipes_inside_every_pause_and_resets_before_the_writers_resume() -> None:
    journal = Journal()
    await _control(journal).reset()
    assert journal == [
        "pause market",
        "pause sequencer",
        "wipe",
        "reset ledger accounts",
        "reset rate limits",
        "resume sequencer",
        "resume market",
        f"publish {StateReplaced.__name__}",
    ]


async def test_restore_runs_the_same_way() -> None:
    journal = Journal()
    control = _control(journal)
    assert await control.snapshot("before") is None
    assert await control.restore("before") is None
    assert journal[2:5] == ["restore copy", "reset ledger accounts", "reset rate limits"]
    assert journal[:2] == ["pause market", "pause sequencer"] and journal[5:7] == [
        "resume sequencer",
        "resume market",
    ]
