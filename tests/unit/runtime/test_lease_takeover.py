"""Who may take the sequencer lease, and how: `take_lease` against a store that records what it did."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field

from sandex.runtime.lease import LEASE_STALE_MS, lease_alive, lease_owner, take_lease
from sandex.services.exchange.store import LeaseState

OTHER_HOST = "elsewhere:4242:abcd0123"


@dataclass
class LeaseRow:
    """The lease row as the database would judge it (ages by the database's clock)."""

    owner: str = ""
    age_ms: int = 0
    epoch: int = 0
    calls: list[str] = field(default_factory=list)

    def lease_state(self) -> LeaseState:
        return LeaseState(self.owner, 1_000, self.age_ms, self.epoch)

    def acquire_lease(self, owner: str, now_ms: int | None, stale_ms: int) -> bool:
        self.calls.append("acquire")
        if self.owner in ("", owner) or self.age_ms > stale_ms:
            self.epoch += self.owner != owner
            self.owner, self.age_ms = owner, 0
            return True
        return False

    def fence(self, holder: str) -> int:
        self.calls.append(f"fence {holder}")
        return 2

    def take_over(self, owner: str, holder: str, stale_ms: int) -> bool:
        self.calls.append(f"take over {holder}")
        if self.owner != holder or self.age_ms < stale_ms:
            return False
        self.owner, self.age_ms, self.epoch = owner, 0, self.epoch + 1
        return True


def _dead_local_owner() -> str:
    pid = 2**22 + 17  # above the usual pid_max: no such process
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return f"{socket.gethostname()[:40]}:{pid}:deadbeef"
        pid += 1


def test_a_free_lease_is_taken_and_counts_a_takeover() -> None:
    row = LeaseRow()
    me = lease_owner()
    assert take_lease(row, me)  # type: ignore[arg-type]
    assert (row.owner, row.epoch, row.calls) == (me, 1, ["acquire"])
    assert take_lease(row, me)  # type: ignore[arg-type]  # one's own: refreshed, no new epoch
    assert row.epoch == 1


def test_a_fresh_lease_of_a_live_holder_elsewhere_is_left_alone() -> None:
    row = LeaseRow(OTHER_HOST, age_ms=LEASE_STALE_MS, epoch=3)
    assert not take_lease(row, lease_owner())  # type: ignore[arg-type]
    assert (row.owner, row.epoch, row.calls) == (OTHER_HOST, 3, [])
    assert lease_alive(row)  # type: ignore[arg-type]


def test_a_stale_holder_is_fenced_before_its_lease_is_taken_over() -> None:
    row = LeaseRow(OTHER_HOST, age_ms=LEASE_STALE_MS + 1, epoch=3)
    me = lease_owner()
    assert not lease_alive(row)  # type: ignore[arg-type]
    assert take_lease(row, me)  # type: ignore[arg-type]
    assert row.calls == [f"fence {OTHER_HOST}", f"take over {OTHER_HOST}"]
    assert (row.owner, row.epoch) == (me, 4)


def test_a_dead_holder_on_this_host_is_taken_over_at_once() -> None:
    dead = _dead_local_owner()
    row = LeaseRow(dead, age_ms=10, epoch=1)
    me = lease_owner()
    assert take_lease(row, me)  # type: ignore[arg-type]
    assert row.calls == [f"fence {dead}", f"take over {dead}"]
    assert (row.owner, row.epoch) == (me, 2)
