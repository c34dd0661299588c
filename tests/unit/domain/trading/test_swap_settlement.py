"""Swap fills on the pure exchange: positions open, close and flip; margin sits in the clearing
account, realised PnL is exact, fees go to the fee account, and every unit is accounted for."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.domain.derivatives.contracts import MgnMode, PosMode, PosSide
from sandex.domain.derivatives.positions import PosKey
from sandex.domain.errors import Reason, Rejected
from sandex.domain.matching.events import OrderCanceled, OrderRejected
from sandex.domain.matching.order import CancelCause, OrdType, Side
from sandex.domain.trading import Exchange
from sandex.domain.trading.commands import AmendSpec, OrderSpec, to_new_order
from sandex.domain.trading.events import PositionFill
from sandex.domain.trading.exchange import CLEARING_ACCOUNT, INSURANCE_ACCOUNT
from tests.support.swaps import (
    conserved,
    fund,
    futures,
    order,
    place,
    seed_position,
    swap_exchange,
    units,
)
from tests.support.venue import BTC_USDT

D = Decimal
BTC = "BTC-USDT-SWAP"
A, B, C = 1, 2, 3
FEE = 0


@pytest.fixture
def x() -> Exchange:
    x = swap_exchange()  # maker 0.02 %, taker 0.05 %
    futures(x, A, B, C)
    for account in (A, B, C):
        fund(x, account, "10000")
    return x


def avail(x: Exchange, account: int) -> int:
    return x.ledger.available(account, "USDT")


def audit(x: Exchange) -> None:
    frozen = {(a, c): v.frozen for a in (A, B, C) for c, v in x.ledger.balances(a).items() if v.frozen}
    assert frozen == x.reserved()
    assert conserved(x)
    assert all(avail(x, a) >= 0 for a in (A, B, C, FEE))


def net(x: Exchange, account: int, mode: MgnMode = MgnMode.CROSS) -> int:
    pos = x.swaps.book.get(PosKey(account, BTC, mode, PosSide.NET))
    return 0 if pos is None else pos.pos


def test_opening_moves_margin_to_clearing_and_fees_to_the_fee_account(x: Exchange) -> None:
    # 2 contracts at 50,000 = 1,000 USDT; 10x: 100 margin each; A takes (0.05 %), B makes (0.02 %)
    pos = seed_position(x, A, B, Side.BUY, "2", "50000")
    assert (pos.pos, pos.cost, pos.margin, pos.fee) == (200, 2 * 500000 * 100, units("100"), -units("0.5"))
    assert avail(x, A) == units("10000") - units("100.5")
    assert avail(x, B) == units("10000") - units("100.2")
    assert avail(x, CLEARING_ACCOUNT) == units("200")
    assert avail(x, FEE) == units("0.7")
    audit(x)


def test_a_net_fill_closes_the_opposite_position_first_then_opens_the_rest(x: Exchange) -> None:
    seed_position(x, A, B, Side.BUY, "1", "50000")  # A long 1
    place(x, C, order(BTC, Side.BUY, "3", "52000"))
    events = place(x, A, order(BTC, Side.SELL, "3", "52000"))  # closes 1 (+20 USDT), opens short 2
    parts = [e for e in events if isinstance(e, PositionFill) and e.account_id == A]
    assert [(p.sub_type, p.lots, p.pnl) for p in parts] == [(5, 100, units("20")), (4, 200, 0)]
    closed, opened = parts[0].position, parts[1].position
    assert (closed.state, closed.close_type, closed.pnl) == ("closed", 2, units("20"))
    assert opened.pos_id != closed.pos_id and opened.pos == -200 and opened.margin == units("104")
    assert net(x, A) == -200
    # fee: 0.05 % of 1,560 = 0.78, split 1/3 close, 2/3 open
    assert (parts[0].fee, parts[1].fee) == (units("0.26"), units("0.52"))
    audit(x)


def test_closing_with_a_loss_pays_it_from_the_margin_and_cross_cash(x: Exchange) -> None:
    seed_position(x, A, B, Side.BUY, "1", "50000")  # margin 50
    place(x, C, order(BTC, Side.BUY, "1", "40000"))
    before = avail(x, A)
    place(x, A, order(BTC, Side.SELL, "1", "40000", reduce_only=True))  # loses 100 > margin 50
    # gets its margin back minus the loss (-50 from cash) and pays 0.05 % of 400 = 0.2
    assert avail(x, A) == before - units("50") - units("0.2")
    assert avail(x, INSURANCE_ACCOUNT) == 0
    audit(x)


def test_an_isolated_loss_beyond_the_margin_falls_on_the_insurance_fund(x: Exchange) -> None:
    seed_position(x, A, B, Side.BUY, "1", "50000", td_mode="isolated")  # margin 50
    place(x, C, order(BTC, Side.BUY, "1", "40000", td_mode="isolated"))
    before = avail(x, A)
    place(x, A, order(BTC, Side.SELL, "1", "40000", td_mode="isolated", reduce_only=True))
    assert avail(x, A) == before - units("0.2")  # nothing beyond the margin, only the fee
    assert avail(x, INSURANCE_ACCOUNT) == -units("50")  # may go negative: an overdraft account
    audit(x)


def test_long_short_mode_keeps_both_sides_and_closes_reserve_nothing(x: Exchange) -> None:
    futures(x, A, B, pos_mode=PosMode.LONG_SHORT)
    seed_position(x, A, B, Side.BUY, "2", "50000", pos_side=PosSide.LONG, cp_pos_side=PosSide.SHORT)
    seed_position(x, A, B, Side.SELL, "1", "50000", pos_side=PosSide.SHORT, cp_pos_side=PosSide.LONG)
    book = x.swaps.book
    assert book.get(PosKey(A, BTC, MgnMode.CROSS, PosSide.LONG)).pos == 200  # type: ignore[union-attr]
    assert book.get(PosKey(A, BTC, MgnMode.CROSS, PosSide.SHORT)).pos == 100  # type: ignore[union-attr]
    place(x, A, order(BTC, Side.SELL, "2", "55000", pos_side=PosSide.LONG))
    assert x.ledger.balance(A, "USDT").frozen == 0
    refused = x.place(A, order(BTC, Side.SELL, "1", "55000", pos_side=PosSide.LONG), 1)[0]
    assert (
        isinstance(refused, OrderRejected) and refused.rejected.reason is Reason.SWAP_CLOSE_EXCEEDS_POSITION
    )
    audit(x)


def test_a_market_order_reserves_what_its_match_needs_and_gives_back_the_rest(x: Exchange) -> None:
    place(x, B, order(BTC, Side.SELL, "1", "50000"))
    place(x, B, order(BTC, Side.SELL, "1", "50100"))
    place(x, A, order(BTC, Side.BUY, "2", ord_type=OrdType.MARKET))
    assert net(x, A) == 200
    pos = x.swaps.book.get(PosKey(A, BTC, MgnMode.CROSS, PosSide.NET))
    assert pos is not None and pos.cost == 500000 * 100 + 501000 * 100
    assert x.ledger.balance(A, "USDT").frozen == 0
    audit(x)


def test_checks_come_in_okx_order_with_their_codes(x: Exchange) -> None:
    def reason(account: int, **kw: object) -> Reason:
        spec = order(BTC, kw.pop("side", Side.BUY), kw.pop("sz", "1"), kw.pop("px", "50000"), **kw)  # type: ignore[arg-type]
        first = x.place(account, spec, 1)[0]
        assert isinstance(first, OrderRejected)
        return first.rejected.reason

    x.swaps.book.settings.pop(C)  # back in Spot mode
    assert reason(C) is Reason.SWAP_ACCOUNT_MODE
    assert reason(A, td_mode="cash") is Reason.PARAM_ERROR
    assert reason(A, pos_side=PosSide.LONG) is Reason.PARAM_ERROR  # net mode
    assert reason(A, sz="0.001") is not None  # lot size
    x.swaps.set_mark(BTC, 500000, D(50000))  # limits 49,000 .. 51,000
    assert reason(A, px="51000.1") is Reason.SWAP_PRICE_LIMIT
    assert reason(A, side=Side.SELL, px="48999.9") is Reason.SWAP_PRICE_LIMIT
    assert reason(A, reduce_only=True) is Reason.SWAP_NO_POSITION_TO_REDUCE
    seed_position(x, A, B, Side.BUY, "1", "50000")
    assert reason(A, reduce_only=True) is Reason.SWAP_REDUCE_SAME_DIRECTION
    assert reason(A, sz="700000") is Reason.SWAP_TIER_EXCEEDED  # 10x: up to tier 7 (700,000)
    assert reason(A, sz="300") is Reason.SWAP_MARGIN_INSUFFICIENT  # 15,000 USDT of margin


def test_optimal_limit_ioc_takes_up_to_the_price_limit_and_is_refused_on_spot(x: Exchange) -> None:
    x.swaps.set_mark(BTC, 500000, D(50000))  # buy limit 51,000
    place(x, B, order(BTC, Side.SELL, "1", "50500"))
    place(x, B, order(BTC, Side.SELL, "1", "50900"))
    events = place(x, A, order(BTC, Side.BUY, "3", None, ord_type=OrdType.OPTIMAL_LIMIT_IOC))
    assert net(x, A) == 200  # what the book had up to 51,000; the rest canceled
    accepted = events[0]
    assert accepted.order.ord_type is OrdType.OPTIMAL_LIMIT_IOC and accepted.order.px == 510000  # type: ignore[union-attr]
    assert x.ledger.balance(A, "USDT").frozen == 0
    audit(x)


def test_optimal_limit_ioc_is_refused_on_spot() -> None:
    spec = OrderSpec("BTC-USDT", Side.BUY, OrdType.OPTIMAL_LIMIT_IOC, D(1))
    assert to_new_order(BTC_USDT, 1, spec) == Rejected.of(Reason.PARAM_ERROR, field="ordType")


def test_an_amend_keeps_the_reservation_exact_and_the_price_within_the_limit(x: Exchange) -> None:
    events = place(x, A, order(BTC, Side.BUY, "2", "49000"))
    ord_id = events[0].order.ord_id  # type: ignore[union-attr]
    x.amend(A, AmendSpec(BTC, ord_id, new_sz=D(3), new_px=D("49500")), 2)
    audit(x)
    x.swaps.set_mark(BTC, 500000, D(50000))
    refused = x.amend(A, AmendSpec(BTC, ord_id, new_px=D("51500")), 3)[0]
    assert isinstance(refused, OrderRejected) and refused.rejected.reason is Reason.SWAP_PRICE_LIMIT
    place(x, B, order(BTC, Side.SELL, "1", "49500"))  # fills part of the amended order
    audit(x)


def test_close_orders_beyond_what_is_left_are_canceled_when_the_position_shrinks(x: Exchange) -> None:
    seed_position(x, A, B, Side.BUY, "2", "50000")
    place(x, A, order(BTC, Side.SELL, "1", "55000", reduce_only=True))
    refused = x.place(A, order(BTC, Side.SELL, "1.5", "56000", reduce_only=True), 2)[0]
    assert (
        isinstance(refused, OrderRejected) and refused.rejected.reason is Reason.SWAP_CLOSE_EXCEEDS_POSITION
    )
    place(x, A, order(BTC, Side.SELL, "1", "56000", reduce_only=True))
    place(x, C, order(BTC, Side.BUY, "1", "50000"))
    events = place(x, A, order(BTC, Side.SELL, "1", "50000"))  # closes 1 of 2: 1 left
    canceled = [e for e in events if isinstance(e, OrderCanceled)]
    assert [(c.order.px, c.cause) for c in canceled] == [(560000, CancelCause.POSITION_CLOSED)]  # the newest
    assert [o.px for o in x.pending_orders(A, BTC)] == [550000]
    audit(x)
