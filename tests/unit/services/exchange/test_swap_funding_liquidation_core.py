"""Funding settlements and liquidations through the exchange core: the rows a commit writes
(bills 173/174 and type 5, funding history, liquidation orders, positions), once only, and a
restart that does not settle a funding time twice."""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.derivatives.contracts import MgnMode
from sandex.domain.errors import Rejected
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import Side
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.funding_fees import FundingSettled
from sandex.services.exchange.records import ChangeSet
from sandex.services.exchange.swap_commands import ForceLiquidation, SettleFundingFee, UpdateMarks
from sandex.testing.clock import ManualClock
from tests.support.swaps import order, units
from tests.unit.services.conftest import MemoryStore, SyncBus
from tests.unit.services.exchange.conftest import SWAP_CATALOGUE, Run
from tests.unit.services.exchange.test_swap_core_commands import (
    BTC,
    LIVE,
    MAKER,
    OTHER,
    TAKER,
    accepted,
    audit,
    futures,
    usdt,
)

D = Decimal
T = 1_767_254_400_000  # 2026-01-01 08:00 UTC


def _open(run: Run, td_mode: str = "cross", sz: str = "10") -> None:
    """TAKER long, MAKER short: `sz` contracts (0.01 BTC each) at 50,000, 10x."""
    futures(run, MAKER, TAKER, OTHER)
    accepted(run, MAKER, order(BTC, Side.SELL, sz, "50000", td_mode=td_mode))
    accepted(run, TAKER, order(BTC, Side.BUY, sz, "50000", td_mode=td_mode))
    assert run(UpdateMarks(((BTC, D(50000), D(50000)),))) == 1


def test_a_settlement_books_bills_history_and_positions_once(
    run: Run, store: MemoryStore, core: ExchangeCore, bus: SyncBus
) -> None:
    _open(run)
    long_cash, short_cash = usdt(store, TAKER)[0], usdt(store, MAKER)[0]
    done = run(SettleFundingFee(BTC, D("0.0001"), T))
    assert isinstance(done, FundingSettled) and done.positions == 2 and not done.already
    changes: ChangeSet = bus.last
    # 10 contracts = 0.1 BTC at 50,000 = 5,000 USDT; 0.01 % = 0.5 USDT
    assert usdt(store, TAKER)[0] == long_cash - units("0.5")
    assert usdt(store, MAKER)[0] == short_cash + units("0.5")
    bills = {p.account_id: p for p in changes.postings if p.reason is PostingReason.FUNDING}
    assert (bills[TAKER].sub_type, bills[TAKER].pnl, bills[TAKER].inst_id) == (173, -units("0.5"), BTC)
    assert (bills[MAKER].sub_type, bills[MAKER].pnl) == (174, units("0.5"))
    assert [(r.inst_id, r.funding_time, r.realized_rate) for r in changes.funding_rates] == [
        (BTC, T, D("0.0001"))
    ]
    [long] = store.positions(TAKER)
    assert long.funding_fee == -units("0.5") and long.realized_pnl == long.fee - units("0.5")
    assert {s.event_type for s in changes.position_steps} == {"funding_fee"}
    again = run(SettleFundingFee(BTC, D("0.0001"), T))
    assert isinstance(again, FundingSettled) and again.already
    assert usdt(store, TAKER)[0] == long_cash - units("0.5")
    audit(core, store)


def test_a_restart_does_not_settle_a_funding_time_twice(
    run: Run, store: MemoryStore, clock: ManualClock
) -> None:
    _open(run)
    run(SettleFundingFee(BTC, D("0.0001"), T))
    cash = usdt(store, TAKER)[0]
    restarted = ExchangeCore(SWAP_CATALOGUE, store)
    restarted.load()
    again = SyncBus(restarted, store, clock).run(SettleFundingFee(BTC, D("0.0001"), T))
    assert isinstance(again, FundingSettled) and again.already
    assert usdt(store, TAKER)[0] == cash


def test_marks_walk_an_isolated_position_into_liquidation(
    run: Run, store: MemoryStore, core: ExchangeCore, bus: SyncBus
) -> None:
    _open(run, "isolated")
    accepted(run, OTHER, order(BTC, Side.BUY, "10", "45200", td_mode="isolated"))
    assert run(UpdateMarks(((BTC, D(48000), D(48000)),))) == 1
    assert store.positions(TAKER) != []
    run(UpdateMarks(((BTC, D(45200), D(45200)),)))  # upl −480 of 500 margin: 20 ≤ 18.08 + 4.52
    changes: ChangeSet = bus.last
    assert store.positions(TAKER) == []
    [liq] = changes.liquidations
    assert (liq.inst_id, liq.side, liq.sz, liq.category) == (BTC, "sell", D(10), "full_liquidation")
    assert liq.bk_px == D(45000)
    orders = [o for o in changes.orders if o.account_id == TAKER]
    assert [o.category for o in orders] == ["full_liquidation"]
    bills = [p for p in changes.postings if p.account_id == TAKER and p.sub_type == 104]
    assert bills and all(b.mgn_mode == MgnMode.ISOLATED.value for b in bills)
    closed = [p for p in changes.positions if p.account_id == TAKER]
    assert closed[-1].close_type == 3 and closed[-1].trigger_px == D(45200)
    assert any(s.event_type == "liquidation" for s in changes.position_steps)
    audit(core, store)


def test_force_liquidation_from_the_control_api(run: Run, store: MemoryStore, core: ExchangeCore) -> None:
    _open(run)
    accepted(run, OTHER, order(BTC, Side.BUY, "10", "49990"))
    refused = run(ForceLiquidation(LIVE, OTHER, BTC))
    assert isinstance(refused, Rejected)
    run(ForceLiquidation(LIVE, TAKER, BTC))
    assert store.positions(TAKER) == []
    audit(core, store)
