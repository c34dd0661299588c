"""Swaps through the exchange core: settings commands, orders filling into positions, the rows the
sequencer writes (positions, settings, leverages, bills with subType/pnl) and a restart."""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv, MgnMode, PosMode, PosSide
from sandex.domain.errors import Reason, Rejected
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import Side
from sandex.services.exchange.commands import Deposit, DepositView, OrderAck, PlaceBatch
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.records import ChangeSet, LedgerAccountKind
from sandex.services.exchange.store import BillQuery, PositionQuery
from sandex.services.exchange.swap_commands import (
    AdjustMargin,
    ClosePosition,
    LeverageSet,
    MarginAdjusted,
    PositionClosed,
    SetAccountLevel,
    SetLeverage,
    SetPositionMode,
    UpdateMarks,
)
from sandex.services.exchange.swap_marks import CoreMarks
from sandex.services.exchange.swap_records import AccountSettingsRecord
from sandex.services.trading.positions import PositionReader
from sandex.testing.clock import ManualClock
from tests.support.swaps import futures_commands, order, seed_commands, units
from tests.unit.services.conftest import OWNER, MemoryStore, SyncBus
from tests.unit.services.exchange.conftest import SWAP_CATALOGUE, Run

D = Decimal
LIVE = Environment.LIVE
MAKER, TAKER, OTHER = 3, 4, 5  # ledger accounts (see conftest)
USERS = {3: 11, 4: 12, 5: 13}
BTC = "BTC-USDT-SWAP"


def futures(run: Run, *accounts: int, pos_mode: PosMode = PosMode.NET, usdt: str = "10000") -> None:
    for account in accounts:
        assert isinstance(run(SetAccountLevel(LIVE, account, AcctLv.FUTURES)), AccountSettingsRecord)
        if pos_mode is not PosMode.NET:
            assert isinstance(run(SetPositionMode(LIVE, account, pos_mode)), AccountSettingsRecord)
        kind = LedgerAccountKind.TRADING
        assert isinstance(run(Deposit(LIVE, account, USERS[account], kind, "USDT", units(usdt))), DepositView)


def place(run: Run, account: int, *specs: object) -> list[OrderAck]:
    acks = run(PlaceBatch(LIVE, account, tuple(specs)))  # type: ignore[arg-type]
    assert isinstance(acks, list)
    return acks


def accepted(run: Run, account: int, *specs: object) -> list[OrderAck]:
    acks = place(run, account, *specs)
    assert all(a.rejected is None for a in acks), acks
    return acks


def refusal(run: Run, account: int, spec: object) -> Reason:
    (ack,) = place(run, account, spec)
    assert ack.rejected is not None
    return ack.rejected.reason


def usdt(store: MemoryStore, account: int) -> tuple[int, int]:
    row = next((b for b in store.balances(account) if b.ccy == "USDT"), None)
    return (0, 0) if row is None else (row.available, row.frozen)


def audit(core: ExchangeCore, store: MemoryStore) -> None:
    """Frozen == what resting orders need; per currency all accounts add up to the deposits."""
    x = core.exchange(LIVE)
    frozen = {(a, c): v.frozen for a in range(1, 20) for c, v in x.ledger.balances(a).items() if v.frozen}
    assert frozen == x.reserved()
    assert x.ledger.total("USDT") == x.ledger.net_external("USDT")


def test_swap_orders_and_settings_are_refused_in_spot_mode_and_levels_3_4_are_not_run(run: Run) -> None:
    assert refusal(run, TAKER, order(BTC, Side.BUY, "1", "50000")) is Reason.SWAP_ACCOUNT_MODE
    refused = run(SetLeverage(LIVE, TAKER, BTC, MgnMode.CROSS, None, D(20)))
    assert isinstance(refused, Rejected) and refused.reason is Reason.SWAP_ACCOUNT_MODE
    for level in (AcctLv.MULTI_CURRENCY, AcctLv.PORTFOLIO):
        refused = run(SetAccountLevel(LIVE, TAKER, level))
        assert isinstance(refused, Rejected) and refused.reason is Reason.SWAP_ACCOUNT_LEVEL_UNSUPPORTED


def test_a_fill_opens_positions_with_margin_in_clearing_and_fees_to_the_fee_account(
    run: Run, store: MemoryStore, core: ExchangeCore, bus: SyncBus
) -> None:
    futures(run, MAKER, TAKER)
    accepted(run, MAKER, order(BTC, Side.SELL, "1", "50000"))
    # 1 contract = 0.01 BTC = 500 USDT: 50 USDT margin at the default 10x
    accepted(run, TAKER, order(BTC, Side.BUY, "1", "50000"))
    changes: ChangeSet = bus.last
    longs = {p.account_id: p for p in store.positions(TAKER)}
    shorts = {p.account_id: p for p in store.positions(MAKER)}
    long, short = longs[TAKER], shorts[MAKER]
    assert (long.pos, long.avg_px, long.margin, long.lever) == (D(1), D(50000), units("50"), D(10))
    assert (short.pos, short.avg_px, short.margin) == (D(-1), D(50000), units("50"))
    assert long.pos_side is PosSide.NET and long.mgn_mode is MgnMode.CROSS and long.state == "live"
    # default tier: maker 0.08 %, taker 0.1 % of 500 USDT
    assert long.fee == -units("0.5") and short.fee == -units("0.4")
    assert usdt(store, TAKER) == (units("10000") - units("50") - units("0.5"), 0)
    assert usdt(store, MAKER) == (units("10000") - units("50") - units("0.4"), 0)
    bills = [p for p in changes.postings if p.reason is PostingReason.TRADE and p.account_id == TAKER]
    assert [(b.sub_type, b.sz, b.px, b.pnl, b.pos_bal_chg, b.mgn_mode) for b in bills] == [
        (3, D(1), D(50000), 0, units("50"), "cross")
    ]
    fills = {f.account_id: f for f in changes.fills}
    assert fills[TAKER].fee_ccy == "USDT" and fills[TAKER].pos_side is PosSide.NET
    orders = {o.account_id: o for o in changes.orders}
    assert orders[TAKER].td_mode == "cross" and orders[TAKER].lever == D(10)
    audit(core, store)


def test_closing_realises_pnl_and_a_restart_gives_back_the_same_state(
    run: Run, store: MemoryStore, core: ExchangeCore, clock: ManualClock
) -> None:
    futures(run, MAKER, TAKER)
    accepted(run, MAKER, order(BTC, Side.SELL, "2", "50000"))
    accepted(run, TAKER, order(BTC, Side.BUY, "2", "50000"))
    accepted(run, MAKER, order(BTC, Side.BUY, "1", "51000"))
    accepted(run, TAKER, order(BTC, Side.SELL, "1", "51000", reduce_only=True))
    (long,) = store.positions(TAKER)
    assert (long.pos, long.pnl, long.close_total_pos, long.close_type) == (D(1), units("10"), D(1), 1)
    assert long.margin == units("50")  # half of 100 released
    accepted(run, MAKER, order(BTC, Side.BUY, "1", "49000"))
    accepted(run, TAKER, order(BTC, Side.SELL, "1", "49000"))
    assert store.positions(TAKER) == []
    (history,) = store.positions_history(TAKER, PositionQuery())
    assert (history.state, history.close_type, history.pnl, history.close_avg_px) == (
        "closed",
        2,
        0,
        D(50000),
    )
    # a resting order and an open position survive a restart
    accepted(run, MAKER, order(BTC, Side.SELL, "1", "50000"))
    accepted(run, TAKER, order(BTC, Side.BUY, "1", "50000"))
    accepted(run, TAKER, order(BTC, Side.BUY, "3", "48000"))
    before = core.exchange(LIVE)
    positions_before = sorted((p.key, p.pos, p.cost, p.margin) for p in before.swaps.book.positions.values())
    balances_before = {a: before.ledger.balances(a) for a in (1, 3, 4, 7, 8)}
    again = ExchangeCore(SWAP_CATALOGUE, store)
    again.load()
    after = again.exchange(LIVE)
    assert (
        sorted((p.key, p.pos, p.cost, p.margin) for p in after.swaps.book.positions.values())
        == positions_before
    )
    assert {a: after.ledger.balances(a) for a in (1, 3, 4, 7, 8)} == balances_before
    audit(again, store)
    assert after.swaps.book.settings_of(TAKER).acct_lv is AcctLv.FUTURES


def test_leverage_changes_follow_okx_rules_and_relock_an_open_positions_margin(
    run: Run, store: MemoryStore, core: ExchangeCore
) -> None:
    futures(run, MAKER, TAKER)
    for lever, reason in ((D(101), Reason.SWAP_LEVER_TOO_HIGH), (D("0.5"), Reason.SWAP_LEVER_TOO_LOW)):
        refused = run(SetLeverage(LIVE, TAKER, BTC, MgnMode.CROSS, None, lever))
        assert isinstance(refused, Rejected) and refused.reason is reason
    accepted(run, TAKER, order(BTC, Side.BUY, "1", "40000"))
    refused = run(SetLeverage(LIVE, TAKER, BTC, MgnMode.CROSS, None, D(20)))
    assert isinstance(refused, Rejected) and refused.reason is Reason.SWAP_LEVER_CROSS_ORDERS
    done = run(SetLeverage(LIVE, TAKER, BTC, MgnMode.ISOLATED, None, D(20)))  # other margin mode: fine
    assert done == LeverageSet(BTC, MgnMode.ISOLATED, PosSide.NET, D(20))
    accepted(run, MAKER, order(BTC, Side.SELL, "1", "50000", td_mode="isolated"))
    accepted(run, TAKER, order(BTC, Side.BUY, "1", "50000", td_mode="isolated"))
    (pos,) = [p for p in store.positions(TAKER) if p.mgn_mode is MgnMode.ISOLATED]
    assert pos.margin == units("25") and pos.lever == D(20)
    assert run(SetLeverage(LIVE, TAKER, BTC, MgnMode.ISOLATED, None, D(5))) == LeverageSet(
        BTC, MgnMode.ISOLATED, PosSide.NET, D(5)
    )
    (pos,) = [p for p in store.positions(TAKER) if p.mgn_mode is MgnMode.ISOLATED]
    assert pos.margin == units("100") and pos.lever == D(5)
    assert [r.lever for r in store.leverages(TAKER, [BTC], MgnMode.ISOLATED)] == [D(5)]
    audit(core, store)


def test_isolated_margin_can_be_added_and_reduced_down_to_the_initial_margin(
    run: Run, store: MemoryStore, core: ExchangeCore
) -> None:
    futures(run, MAKER, TAKER)
    refused = run(AdjustMargin(LIVE, TAKER, BTC, PosSide.NET, True, units("10")))
    assert isinstance(refused, Rejected) and refused.reason is Reason.SWAP_MARGIN_NO_POSITION
    accepted(run, MAKER, order(BTC, Side.SELL, "1", "50000", td_mode="isolated"))
    accepted(run, TAKER, order(BTC, Side.BUY, "1", "50000", td_mode="isolated"))
    done = run(AdjustMargin(LIVE, TAKER, BTC, PosSide.NET, True, units("50")))
    assert isinstance(done, MarginAdjusted) and done.lever == D(5)
    (pos,) = store.positions(TAKER)
    assert pos.margin == units("100")
    refused = run(AdjustMargin(LIVE, TAKER, BTC, PosSide.NET, False, units("60")))
    assert isinstance(refused, Rejected) and refused.reason is Reason.SWAP_MARGIN_OVER_LIMIT
    assert isinstance(run(AdjustMargin(LIVE, TAKER, BTC, PosSide.NET, False, units("50"))), MarginAdjusted)
    margin_bills = [p for p in store.bills(TAKER, BillQuery()) if p.reason is PostingReason.MARGIN]
    assert sorted(b.sub_type or 0 for b in margin_bills) == [160, 161]
    audit(core, store)


def test_close_position_takes_the_whole_position_to_the_book(
    run: Run, store: MemoryStore, core: ExchangeCore
) -> None:
    futures(run, MAKER, TAKER)
    refused = run(ClosePosition(LIVE, TAKER, BTC, MgnMode.CROSS, PosSide.NET))
    assert isinstance(refused, Rejected) and refused.reason is Reason.SWAP_POSITION_NOT_FOUND
    accepted(run, MAKER, order(BTC, Side.SELL, "2", "50000"))
    accepted(run, TAKER, order(BTC, Side.BUY, "2", "50000"))
    accepted(run, TAKER, order(BTC, Side.SELL, "1", "60000", reduce_only=True))
    refused = run(ClosePosition(LIVE, TAKER, BTC, MgnMode.CROSS, PosSide.NET))
    assert isinstance(refused, Rejected) and refused.reason is Reason.SWAP_PENDING_CLOSE_ORDERS
    accepted(run, MAKER, order(BTC, Side.BUY, "5", "50500"))
    done = run(ClosePosition(LIVE, TAKER, BTC, MgnMode.CROSS, PosSide.NET, auto_cxl=True))
    assert isinstance(done, PositionClosed)
    assert store.positions(TAKER) == []
    audit(core, store)


def test_marks_set_price_limits_and_long_short_mode_closes_only_what_is_held(
    run: Run, store: MemoryStore, core: ExchangeCore
) -> None:
    futures(run, MAKER, TAKER, pos_mode=PosMode.LONG_SHORT)
    assert run(UpdateMarks(((BTC, D(50000), D(50010)),))) == 1
    assert (
        refusal(run, TAKER, order(BTC, Side.BUY, "1", "51001", pos_side=PosSide.LONG))
        is Reason.SWAP_PRICE_LIMIT
    )
    assert refusal(run, TAKER, order(BTC, Side.BUY, "1", "50000")) is Reason.PARAM_ERROR  # posSide required
    assert refusal(run, TAKER, order(BTC, Side.SELL, "1", "50000", pos_side=PosSide.LONG)) is (
        Reason.SWAP_NO_POSITION_TO_REDUCE
    )
    accepted(run, MAKER, order(BTC, Side.SELL, "2", "50000", pos_side=PosSide.SHORT))
    accepted(run, TAKER, order(BTC, Side.BUY, "2", "50000", pos_side=PosSide.LONG))
    assert refusal(run, TAKER, order(BTC, Side.SELL, "3", "50000", pos_side=PosSide.LONG)) is (
        Reason.SWAP_CLOSE_EXCEEDS_POSITION
    )
    refused = run(SetPositionMode(LIVE, TAKER, PosMode.NET))
    assert isinstance(refused, Rejected) and refused.reason is Reason.SWAP_SETTINGS_BLOCKED
    accepted(run, TAKER, order(BTC, Side.SELL, "2", "50500", pos_side=PosSide.LONG))
    assert usdt(store, TAKER)[1] == 0  # a long/short close reserves nothing
    (long,) = store.positions(TAKER)
    assert (long.pos_side, long.pos) == (PosSide.LONG, D(2))
    audit(core, store)
    assert OWNER


class FixedMarks:
    def __init__(self, mark: str) -> None:
        self.mark = D(mark)

    def mark_px(self, inst_id: str) -> Decimal | None:
        return self.mark

    def index_px(self, inst_id: str) -> Decimal | None:
        return self.mark - 10


def test_the_position_reader_marks_positions_and_sums_the_margin_per_currency(
    run: Run, store: MemoryStore
) -> None:
    futures(run, MAKER, TAKER)
    accepted(run, MAKER, order(BTC, Side.SELL, "2", "50000", td_mode="isolated"))
    accepted(run, TAKER, order(BTC, Side.BUY, "2", "50000"))
    accepted(run, TAKER, order(BTC, Side.SELL, "1", "60000", reduce_only=True))  # holds 1 of 2
    reader = PositionReader(store, SWAP_CATALOGUE.instruments, FixedMarks("51000"))
    (view,) = reader.positions(TAKER)
    # 2 contracts x 0.01 BTC: value 1,020 at the mark, upl 20, cross imr 102 at 10x, mmr 0.4 %
    assert (view.upl, view.notional_usd, view.imr, view.mmr) == (D(20), D(1020), D(102), D("4.08"))
    assert view.upl_ratio == D(20) / D(102) and view.margin is None
    assert (view.avail_pos, view.tier, view.idx_px, view.ccy) == (D(1), 1, D(50990), "USDT")
    (short,) = reader.positions(MAKER)
    assert short.upl == D(-20) and short.margin == D(100) and short.imr is None
    # isolated short: liquidated where 100 + (50,000 - P) x 0.02 = P x 0.02 x (0.004 + 0.001)
    assert short.liq_px == (D(1000) + D(100)) / (D("0.02") * (1 + D("0.004") + D("0.001")))
    assert short.bk_px == D(55000)
    (summary,) = reader.margin_summary(LIVE, TAKER)
    cash = D(10000) - D("1")  # deposit - 0.1 % taker fee on 1,000
    assert (summary.ccy, summary.cash_bal, summary.upl, summary.imr) == ("USDT", cash, D(20), D(102))
    assert summary.eq == cash + 20 and summary.avail_bal == cash - 100 and summary.iso_eq == 0


def test_the_support_commands_seed_a_position_through_any_bus(run: Run, store: MemoryStore) -> None:
    for account in (MAKER, TAKER):
        for command in futures_commands(LIVE, account, USERS[account], pos_mode=PosMode.LONG_SHORT):
            assert not isinstance(run(command), Rejected)
    for command in seed_commands(
        LIVE, TAKER, MAKER, Side.SELL, "1.5", "50000", pos_side=PosSide.SHORT, cp_pos_side=PosSide.LONG
    ):
        assert all(a.rejected is None for a in acks_of(run(command)))
    (short,) = store.positions(TAKER)
    assert (short.pos_side, short.pos, short.avg_px) == (PosSide.SHORT, D("1.5"), D(50000))


def acks_of(answer: object) -> list[OrderAck]:
    assert isinstance(answer, list)
    return answer


def test_spot_keeps_trading_as_cash_in_futures_mode_and_levels_change_only_when_idle(
    run: Run, store: MemoryStore
) -> None:
    futures(run, MAKER, TAKER)
    run(Deposit(LIVE, MAKER, USERS[MAKER], LedgerAccountKind.TRADING, "BTC", units("1")))
    accepted(run, MAKER, order("BTC-USDT", Side.SELL, "0.5", "100", td_mode="cash"))
    accepted(run, TAKER, order("BTC-USDT", Side.BUY, "0.5", "100", td_mode="cash"))
    assert usdt(store, MAKER)[0] == units("10000") + units("50") - units("0.04")  # maker fee 0.08 %
    accepted(run, TAKER, order(BTC, Side.BUY, "1", "40000"))
    refused = run(SetAccountLevel(LIVE, TAKER, AcctLv.SPOT))
    assert isinstance(refused, Rejected) and refused.reason is Reason.SWAP_SETTINGS_BLOCKED
    assert isinstance(run(SetAccountLevel(LIVE, MAKER, AcctLv.SPOT)), AccountSettingsRecord)  # spot only


def test_the_core_serves_the_last_marks_as_a_mark_source(run: Run, core: ExchangeCore) -> None:
    marks = CoreMarks(core)
    assert marks.mark_px(BTC) is None
    assert run(UpdateMarks(((BTC, D("50000.04"), D(49990)),))) == 1
    assert (marks.mark_px(BTC), marks.index_px(BTC)) == (D("50000.04"), D(49990))
    assert core.exchange(LIVE).swaps.marks[BTC].mark == 500000  # rounded to the tick for limits
    refused = run(UpdateMarks((("BTC-USDT", D(1), D(1)),)))  # not a swap
    assert isinstance(refused, Rejected) and refused.reason is Reason.PARAM_ERROR


def test_a_negative_insurance_fund_is_stored_and_loaded_back(run: Run, store: MemoryStore) -> None:
    futures(run, MAKER, TAKER, OTHER)
    accepted(run, MAKER, order(BTC, Side.SELL, "1", "50000", td_mode="isolated"))
    accepted(run, TAKER, order(BTC, Side.BUY, "1", "50000", td_mode="isolated"))
    accepted(run, OTHER, order(BTC, Side.BUY, "1", "40000"))
    accepted(run, TAKER, order(BTC, Side.SELL, "1", "40000", td_mode="isolated", reduce_only=True))
    again = ExchangeCore(SWAP_CATALOGUE, store)
    again.load()
    x = again.exchange(LIVE)
    assert x.ledger.available(x.insurance_account, "USDT") == -units("50")  # 100 lost on 50 of margin
    assert x.ledger.total("USDT") == x.ledger.net_external("USDT")
