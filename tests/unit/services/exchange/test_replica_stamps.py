"""A replica numbers time priority exactly as its sequencer does, across a sequencer's restart.

A cluster's replicas (API processes, a hot standby) apply the sequencer's batches after taking its
ids (`next_ids` before each batch, `resume_ids`). A restarted sequencer loads the database, where
only resting orders keep their priority stamps: orders that rested and filled, or never rested
(IOC), took stamps too. Unless the stamp counter travels with the ids, a replica that held its
state through the restart numbers the next orders otherwise than the sequencer writes them.
"""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.ledger.amounts import to_amount
from sandex.domain.matching.order import OrderSnapshot
from sandex.domain.trading.commands import OrderSpec
from sandex.services.exchange.commands import Command, Deposit, PlaceBatch
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.funding import FundingState
from sandex.services.exchange.records import LedgerAccountKind
from sandex.testing.clock import ManualClock
from tests.unit.services.conftest import CATALOGUE, OWNER, TIMING, MemoryStore
from tests.unit.services.exchange.conftest import SWAP_CATALOGUE

LIVE = Environment.LIVE
MAKER, TAKER = 3, 4  # ledger accounts (see conftest)
USERS = {3: 11, 4: 12}


def _units(text: str) -> int:
    found = to_amount(Decimal(text))
    assert found is not None
    return found


def _loaded(store: MemoryStore, clock: ManualClock) -> ExchangeCore:
    """A process's core loaded from the database (a sequencer starting, a replica joining)."""
    core = ExchangeCore(SWAP_CATALOGUE, store, funding=FundingState(store, CATALOGUE, clock, TIMING))
    core.load()
    return core


class _Cluster:
    """A sequencer's core that commits each command, and a replica that applies it after taking the
    sequencer's ids, as `Follower._apply` does."""

    def __init__(self, store: MemoryStore, clock: ManualClock) -> None:
        self.store, self.clock = store, clock
        store.acquire_lease(OWNER, clock.now_ms(), 0)
        self.sequencer = _loaded(store, clock)
        self.replica = _loaded(store, clock)

    def run(self, command: Command) -> None:
        ts, ids = self.clock.now_ms(), self.sequencer.next_ids()
        applied = self.sequencer.apply(command, ts)
        changes = self.sequencer.changes([applied], order_events=True)
        if changes:
            self.store.write(changes, OWNER, ts)
        self.replica.resume_ids(ids)
        self.replica.apply(command, ts)
        self.clock.advance(ms=1)

    def restart_the_sequencer(self) -> None:
        """A new sequencer loads the database; the replica holds that state (its digest says so)
        and takes the ids of the reload, as `Follower._holds` does."""
        self.sequencer = _loaded(self.store, self.clock)
        assert self.replica.state_digest() == self.sequencer.state_digest()
        self.replica.resume_ids(self.sequencer.next_ids())


def _resting(core: ExchangeCore) -> list[OrderSnapshot]:
    engine = core.exchange(LIVE).engine("BTC-USDT")
    assert engine is not None
    return engine.resting_orders()


def test_a_replica_stamps_new_orders_as_its_restarted_sequencer_does(
    store: MemoryStore, clock: ManualClock, req
) -> None:
    cluster = _Cluster(store, clock)

    def place(account: int, spec: OrderSpec) -> None:
        cluster.run(PlaceBatch(LIVE, account, (spec,)))

    for account, ccy, amount in ((MAKER, "BTC", "5"), (TAKER, "USDT", "10000")):
        cluster.run(Deposit(LIVE, account, USERS[account], LedgerAccountKind.TRADING, ccy, _units(amount)))
    place(MAKER, req.limit("BTC-USDT", "sell", "101", "1"))
    place(MAKER, req.limit("BTC-USDT", "sell", "101", "1"))
    place(TAKER, req.limit("BTC-USDT", "buy", "101", "2"))  # fills both: their stamps rest nowhere now
    place(MAKER, req.limit("BTC-USDT", "sell", "101", "1"))
    place(MAKER, req.limit("BTC-USDT", "sell", "102", "1"))
    place(TAKER, req.limit("BTC-USDT", "buy", "50", "1", ord_type="ioc"))  # takes a stamp, never rests

    cluster.restart_the_sequencer()
    place(MAKER, req.limit("BTC-USDT", "sell", "101", "1"))  # behind the resting one at 101
    place(TAKER, req.limit("BTC-USDT", "buy", "102", "1", ord_type="ioc"))  # takes the first at 101

    stamps = [(o.ord_id, o.px, o.seq) for o in _resting(cluster.sequencer)]
    assert [(o.ord_id, o.px, o.seq) for o in _resting(cluster.replica)] == stamps
    assert cluster.replica.state_digest() == cluster.sequencer.state_digest()
    # what the sequencer wrote is what the replica holds: a load now is the replica, numbers too
    assert [(o.ord_id, o.px, o.seq) for o in _resting(_loaded(store, clock))] == stamps
