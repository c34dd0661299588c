"""Swap algo orders through the exchange core, each command a group commit as the sequencer
writes it: a mark stop fires on `UpdateMarks` in the same commit as its order and the close,
`closeFraction` closes the whole position, tied TP/SL go with their position, a restart keeps live
swap algos (with the prices they watch)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv, MgnMode, PosSide
from sandex.domain.matching.order import Side
from sandex.domain.trading.algos import MARKET_PX, AlgoOrdType, AlgoSpec, AlgoState, TriggerSide
from sandex.services.exchange.commands import (
    AlgoAck,
    Deposit,
    DepositView,
    OrderAck,
    PlaceAlgos,
    PlaceBatch,
)
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.records import AlgoRecord, LedgerAccountKind
from sandex.services.exchange.swap_commands import ClosePosition, SetAccountLevel, UpdateMarks
from sandex.services.exchange.swap_records import AccountSettingsRecord, CloseAlgo
from sandex.services.trading.positions import PositionReader
from sandex.testing.clock import ManualClock
from tests.support.swaps import order, units
from tests.unit.services.conftest import MemoryStore, SyncBus
from tests.unit.services.exchange.conftest import SWAP_CATALOGUE, Run

D = Decimal
LIVE = Environment.LIVE
MAKER, TAKER, OTHER = 3, 4, 5  # ledger accounts (see conftest)
USERS = {3: 11, 4: 12, 5: 13}
BTC = "BTC-USDT-SWAP"


@pytest.fixture
def run(bus: SyncBus) -> Run:
    for account in (MAKER, TAKER, OTHER):
        assert isinstance(bus.run(SetAccountLevel(LIVE, account, AcctLv.FUTURES)), AccountSettingsRecord)
        deposit = Deposit(LIVE, account, USERS[account], LedgerAccountKind.TRADING, "USDT", units("100000"))
        assert isinstance(bus.run(deposit), DepositView)
    assert bus.run(UpdateMarks(((BTC, D(50000), D(50000)),))) == 1
    return bus.run


def accepted(run: Run, account: int, *specs: object) -> None:
    acks = run(PlaceBatch(LIVE, account, tuple(specs)))  # type: ignore[arg-type]
    assert isinstance(acks, list) and all(isinstance(a, OrderAck) and a.rejected is None for a in acks), acks


def long_position(run: Run, sz: str = "1") -> None:
    """TAKER buys `sz` contracts at 50000 from MAKER; OTHER bids 10 at 48000 (a stop's exit)."""
    accepted(run, MAKER, order(BTC, Side.SELL, sz, "50000"))
    accepted(run, TAKER, order(BTC, Side.BUY, sz, "50000"))


def bid(run: Run) -> None:
    accepted(run, OTHER, order(BTC, Side.BUY, "10", "49000"))


def mark_stop(px: str = "49500", **kw: object) -> AlgoSpec:
    fields: dict[str, object] = {
        "td_mode": "cross",
        "sl_trigger_px": D(px),
        "sl_ord_px": MARKET_PX,
        "sl_trigger_px_type": "mark",
        "reduce_only": True,
        "pos_side": PosSide.NET,
    }
    fields.update(kw)
    sz = D(str(fields.pop("sz", "1")))
    return AlgoSpec(BTC, AlgoOrdType.CONDITIONAL, Side.SELL, sz, **fields)  # type: ignore[arg-type]


def place_algo(run: Run, spec: AlgoSpec) -> int:
    [ack] = run(PlaceAlgos(LIVE, TAKER, (spec,)))  # type: ignore[misc]
    assert isinstance(ack, AlgoAck) and ack.ok, ack
    return int(ack.algo_id)


def marks(run: Run, mark: str, index: str | None = None) -> None:
    assert run(UpdateMarks(((BTC, D(mark), D(index or mark)),))) == 1


def algo_in(bus: SyncBus, algo_id: int) -> AlgoRecord | None:
    return next((a for a in bus.last.algos if a.algo_id == algo_id), None)


def test_a_mark_stop_fires_on_the_mark_in_one_commit_with_its_order_and_the_close(
    run: Run, bus: SyncBus, store: MemoryStore, core: ExchangeCore
) -> None:
    long_position(run)
    algo_id = place_algo(run, mark_stop())
    bid(run)
    marks(run, "49600")
    assert algo_in(bus, algo_id) is None  # not reached
    marks(run, "49500", "49700")
    fired = algo_in(bus, algo_id)
    assert fired is not None and (fired.state, fired.actual_side) == (AlgoState.EFFECTIVE, TriggerSide.SL)
    assert [o.ord_id for o in bus.last.orders if o.account_id == TAKER] == [fired.ord_id]  # same commit
    assert store.positions(TAKER) == []
    x = core.exchange(LIVE)
    assert x.ledger.total("USDT") == x.ledger.net_external("USDT")


def test_close_fraction_closes_the_position_it_has_when_it_fires(
    run: Run, bus: SyncBus, store: MemoryStore
) -> None:
    long_position(run)
    algo_id = place_algo(run, mark_stop(sz="0", close_fraction=True))
    long_position(run, "2")
    bid(run)
    marks(run, "49400")
    fired = algo_in(bus, algo_id)
    assert fired is not None and (fired.state, fired.actual_sz) == (AlgoState.EFFECTIVE, D(3))
    assert store.positions(TAKER) == []


def test_tied_stops_are_canceled_in_the_commit_that_closes_their_position(
    run: Run, bus: SyncBus, store: MemoryStore
) -> None:
    long_position(run)
    tied = place_algo(run, mark_stop("45000", cxl_on_close_pos=True))
    whole = place_algo(run, mark_stop("44000", sz="0", close_fraction=True))
    bid(run)
    done = run(ClosePosition(LIVE, TAKER, BTC, MgnMode.CROSS, PosSide.NET))
    assert not hasattr(done, "reason"), done
    assert store.positions(TAKER) == []
    states = {a.algo_id: a.state for a in bus.last.algos}
    assert states == {tied: AlgoState.CANCELED, whole: AlgoState.CANCELED}


def test_live_swap_algos_survive_a_restart_and_fire_on_the_next_marks(
    run: Run, store: MemoryStore, clock: ManualClock
) -> None:
    long_position(run)
    algo_id = place_algo(
        run, mark_stop(tp_trigger_px=D(60000), tp_ord_px=MARKET_PX, tp_trigger_px_type="index")
    )
    bid(run)
    again = ExchangeCore(SWAP_CATALOGUE, store)  # a new process on the same database
    again.load()
    [live] = [a for a in store.load_state(LIVE).algos if a.algo_id == algo_id]
    assert (live.sl_trigger_px_type, live.tp_trigger_px_type, live.pos_side) == ("mark", "index", PosSide.NET)
    bus2 = SyncBus(again, store, clock)
    bus2.run(UpdateMarks(((BTC, D(49000), D(49100)),)))
    fired = algo_in(bus2, algo_id)
    assert fired is not None and fired.state is AlgoState.EFFECTIVE
    assert store.positions(TAKER) == []


class NoMarks:
    def mark_px(self, inst_id: str) -> Decimal | None:
        return None

    def index_px(self, inst_id: str) -> Decimal | None:
        return None


def test_a_position_shows_its_whole_position_stop_as_close_order_algo(run: Run, store: MemoryStore) -> None:
    long_position(run)
    whole = place_algo(
        run, mark_stop("45000", sz="0", close_fraction=True, tp_trigger_px=D(60000), tp_ord_px=MARKET_PX)
    )
    place_algo(run, mark_stop("44000"))  # sized: not a closeOrderAlgo
    [view] = PositionReader(store, SWAP_CATALOGUE.instruments, NoMarks()).positions(TAKER)
    assert view.close_algos == (CloseAlgo(whole, D(60000), "last", D(45000), "mark"),)
