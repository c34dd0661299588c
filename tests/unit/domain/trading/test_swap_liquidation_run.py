"""Liquidation on new marks: isolated per position, cross per account, against the book first,
the insurance fund taking what the book does not; money is conserved throughout."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.domain.derivatives.contracts import MgnMode, PosMode, PosSide
from sandex.domain.derivatives.positions import PosKey
from sandex.domain.matching.events import OrderCanceled
from sandex.domain.matching.order import CancelCause, Side
from sandex.domain.trading.events import PositionBill, PositionChanged, PositionFill
from sandex.domain.trading.swap_liquidation import (
    FULL,
    LIQ_LONG,
    force_liquidate,
    liquidate_breaches,
    position_risk,
)
from tests.support.swaps import (
    USDT,
    conserved,
    fund,
    futures,
    order,
    place,
    seed_position,
    swap_exchange,
    units,
)

D = Decimal
ALICE, BOB, MAKER = 1, 2, 3
INST = "BTC-USDT-SWAP"


def _setup(td_mode: str, pos_mode: PosMode = PosMode.NET):  # type: ignore[no-untyped-def]
    """Alice holds 10 contracts (0.1 BTC) long at 40,000 with 10x: 400 USDT margin, 2 USDT fee."""
    x = swap_exchange()
    futures(x, ALICE, BOB, MAKER, pos_mode=pos_mode)
    fund(x, ALICE, "402.3" if td_mode == "cross" else "1000")
    fund(x, BOB, "100000")
    fund(x, MAKER, "100000")
    hedged = pos_mode is PosMode.LONG_SHORT
    long, short = (PosSide.LONG, PosSide.SHORT) if hedged else (None, None)
    seed_position(x, ALICE, BOB, Side.BUY, "10", "40000", td_mode=td_mode, pos_side=long, cp_pos_side=short)
    x.swaps.set_mark(INST, 400_000, D(40000))
    return x


def _key(td_mode: str, pos_side: PosSide = PosSide.NET) -> PosKey:
    return PosKey(ALICE, INST, MgnMode(td_mode), pos_side)


def _close_all(x, td_mode: str, pos_mode: PosMode, px: str) -> None:  # type: ignore[no-untyped-def]
    """Alice's pending order to close all of her long: reduce-only (net) or close long (long/short)."""
    if pos_mode is PosMode.NET:
        spec = order(INST, Side.SELL, "10", px, td_mode=td_mode, reduce_only=True)
    else:
        spec = order(INST, Side.SELL, "10", px, td_mode=td_mode, pos_side=PosSide.LONG)
    place(x, ALICE, spec)


def test_a_healthy_position_is_left_alone() -> None:
    x = _setup("isolated")
    x.swaps.set_mark(INST, 380_000, D(38000))  # −200 of 400 margin
    run = liquidate_breaches(x, [INST], 2)
    assert run.events == [] and run.liquidated == []


def test_an_isolated_breach_sells_into_the_book_and_leftover_margin_goes_to_the_fund() -> None:
    x = _setup("isolated")
    place(x, MAKER, order(INST, Side.BUY, "10", "36100"))  # a bid to take the liquidation
    x.swaps.set_mark(INST, 361_000, D(36100))  # upl −390: equity 10 ≤ mm 14.44 + fee 1.805
    risk = position_risk(x, x.swaps.book.get(_key("isolated")))  # type: ignore[arg-type]
    assert risk is not None and risk.breached
    insurance = x.ledger.available(x.insurance_account, USDT)
    cash = x.ledger.available(ALICE, USDT)
    run = liquidate_breaches(x, [INST], 2)
    assert x.swaps.book.get(_key("isolated")) is None
    [done] = run.liquidated
    assert (done.category, done.lots, done.long) == (FULL, 1_000, True)
    fills = [e for e in run.events if isinstance(e, PositionFill) and e.account_id == ALICE]
    assert fills and all(f.sub_type == LIQ_LONG for f in fills)
    last = [e for e in run.events if isinstance(e, PositionChanged)][-1]
    assert last.event_type == "liquidation" and last.position.close_type == 3
    assert last.position.trigger_px == 361_000 and last.position.liq_penalty == -units("8.195")
    # margin 400 − loss 390 − taker fee 1.805 = 8.195 left: it goes to the insurance fund
    assert x.ledger.available(ALICE, USDT) == cash
    assert x.ledger.available(x.insurance_account, USDT) - insurance == units("8.195")
    assert conserved(x)


def test_what_the_book_does_not_take_the_insurance_fund_takes_over_at_the_bankruptcy_price() -> None:
    x = _setup("isolated")  # no bids at all
    x.swaps.set_mark(INST, 361_000, D(36100))
    run = liquidate_breaches(x, [INST], 2)
    [done] = run.liquidated
    assert done.bk_px == 360_000 and done.bk_loss == 0
    bills = [e for e in run.events if isinstance(e, PositionBill)]
    assert [(b.sub_type, b.lots, b.px) for b in bills] == [(LIQ_LONG, 1_000, 360_000)]
    held = x.swaps.book.get(PosKey(x.insurance_account, INST, MgnMode.CROSS, PosSide.NET))
    assert held is not None and (held.pos, held.cost) == (1_000, 1_000 * 360_000)
    assert x.swaps.book.get(_key("isolated")) is None
    assert conserved(x)


def test_a_cross_account_is_liquidated_when_cash_and_upl_no_longer_cover_maintenance() -> None:
    x = _setup("cross")  # 400 margin + 0.3 cash (the entry fee paid)
    place(x, MAKER, order(INST, Side.BUY, "10", "36000"))
    x.swaps.set_mark(INST, 380_000, D(38000))
    assert liquidate_breaches(x, [INST], 2).liquidated == []
    x.swaps.set_mark(INST, 361_000, D(36100))  # 0.3 + 400 − 390 = 10.3 ≤ 16.245
    run = liquidate_breaches(x, [INST], 3)
    assert [d.category for d in run.liquidated] == [FULL]
    assert x.swaps.book.get(_key("cross")) is None
    assert x.ledger.available(ALICE, USDT) >= 0
    assert conserved(x)


def test_a_pending_order_that_adds_risk_is_canceled_first() -> None:
    x = _setup("isolated")
    fund(x, ALICE, "1000")
    place(x, ALICE, order(INST, Side.BUY, "1", "30000", td_mode="isolated"))
    x.swaps.set_mark(INST, 361_000, D(36100))
    liquidate_breaches(x, [INST], 2)
    assert x.pending_orders(ALICE) == []
    assert conserved(x)


def test_force_liquidation_closes_a_healthy_position_too() -> None:
    x = _setup("isolated")
    place(x, MAKER, order(INST, Side.BUY, "10", "39990"))
    run = force_liquidate(x, ALICE, "", 2)
    assert [d.inst_id for d in run.liquidated] == [INST]
    assert x.swaps.book.get(_key("isolated")) is None
    assert conserved(x)


@pytest.mark.parametrize("pos_mode", [PosMode.NET, PosMode.LONG_SHORT])
@pytest.mark.parametrize("td_mode", ["isolated", "cross"])
def test_a_pending_close_order_does_not_keep_the_liquidation_out_of_the_book(
    td_mode: str, pos_mode: PosMode
) -> None:
    """The liquidation order closes against the book although Alice's own close order already
    covers the position (it was refused as closing more than is held, and the insurance fund took
    all of it at the bankruptcy price); her close order then has nothing left and goes (17)."""
    x = _setup(td_mode, pos_mode)
    _close_all(x, td_mode, pos_mode, "45000")
    maker_side = PosSide.LONG if pos_mode is PosMode.LONG_SHORT else None
    place(x, MAKER, order(INST, Side.BUY, "10", "36100", pos_side=maker_side))
    x.swaps.set_mark(INST, 361_000, D(36100))
    run = liquidate_breaches(x, [INST], 2)
    [done] = run.liquidated
    assert done.ord_id is not None and done.bk_loss == 0
    fills = [e for e in run.events if isinstance(e, PositionFill) and e.account_id == ALICE]
    assert sum(f.lots for f in fills) == 1_000 and {f.sub_type for f in fills} == {LIQ_LONG}
    assert x.swaps.book.get(PosKey(x.insurance_account, INST, MgnMode.CROSS, PosSide.NET)) is None
    canceled = [e for e in run.events if isinstance(e, OrderCanceled) and e.order.account_id == ALICE]
    assert [c.cause for c in canceled if c.order.px == 450_000] == [CancelCause.POSITION_CLOSED]
    assert x.pending_orders(ALICE) == []
    assert conserved(x)


@pytest.mark.parametrize("pos_mode", [PosMode.NET, PosMode.LONG_SHORT])
def test_close_orders_go_when_the_insurance_fund_takes_the_position_over(pos_mode: PosMode) -> None:
    x = _setup("isolated", pos_mode)  # no bids at all
    _close_all(x, "isolated", pos_mode, "45000")
    x.swaps.set_mark(INST, 361_000, D(36100))
    run = liquidate_breaches(x, [INST], 2)
    assert [d.lots for d in run.liquidated] == [1_000]
    assert (
        x.swaps.book.get(_key("isolated", PosSide.NET if pos_mode is PosMode.NET else PosSide.LONG)) is None
    )
    canceled = [e for e in run.events if isinstance(e, OrderCanceled) and e.order.px == 450_000]
    assert [(c.order.account_id, c.cause) for c in canceled] == [(ALICE, CancelCause.POSITION_CLOSED)]
    assert x.pending_orders(ALICE) == []
    assert conserved(x)


def test_a_position_the_liquidation_opens_under_water_is_liquidated_in_the_same_run() -> None:
    """The maker's isolated bid at 40,000 (placed while the mark was there) takes Alice's
    liquidation at mark 36,100: its new long is under water at once (margin 400, upl −390) and
    is liquidated by the same run, not left standing until the next mark."""
    x = _setup("isolated")
    place(x, MAKER, order(INST, Side.BUY, "10", "40000", td_mode="isolated"))
    x.swaps.set_mark(INST, 361_000, D(36100))
    run = liquidate_breaches(x, [INST], 2)
    assert [(d.account_id, d.lots) for d in run.liquidated] == [(ALICE, 1_000), (MAKER, 1_000)]
    assert x.swaps.book.get(PosKey(MAKER, INST, MgnMode.ISOLATED, PosSide.NET)) is None
    for pos in x.swaps.book.positions.values():
        risk = position_risk(x, pos)
        assert pos.account_id == x.insurance_account or risk is None or not risk.breached
    assert conserved(x)
