"""IOC, FOK, post-only and market orders (sized in base and in quote currency)."""

from __future__ import annotations

from sandex.domain.matching import (
    CancelCause,
    OrderAccepted,
    OrderCanceled,
    OrdState,
    OrdType,
    Side,
    StpMode,
    TgtCcy,
)
from tests.support.matching import Desk, fills, final, of_type


def test_ioc_fills_what_it_can_and_cancels_the_rest() -> None:
    desk = Desk()
    maker = desk.rest(1, Side.SELL, px=100, sz=3)
    events = desk.buy(2, px=100, sz=5, ord_type=OrdType.IOC)
    taker = events[0].order.ord_id
    assert fills(events) == [(maker, 100, 3)]
    (canceled,) = of_type(events, OrderCanceled)
    assert canceled.cause is CancelCause.IOC_UNFILLED
    assert (canceled.order.ord_id, canceled.order.state, canceled.order.filled) == (
        taker,
        OrdState.CANCELED,
        3,
    )
    assert desk.engine.depth(5) == ([], [])  # never rests


def test_ioc_that_does_not_cross_is_canceled_untouched() -> None:
    desk = Desk()
    desk.rest(1, Side.SELL, px=101, sz=3)
    events = desk.buy(2, px=100, sz=5, ord_type=OrdType.IOC)
    assert [type(e) for e in events] == [OrderAccepted, OrderCanceled]
    assert desk.engine.best_bid() is None


def test_fully_filled_ioc_is_filled_not_canceled() -> None:
    desk = Desk()
    desk.rest(1, Side.SELL, px=100, sz=5)
    events = desk.buy(2, px=100, sz=5, ord_type=OrdType.IOC)
    assert final(events, events[0].order.ord_id).state is OrdState.FILLED
    assert not of_type(events, OrderCanceled)


def test_fok_fills_completely_across_levels() -> None:
    desk = Desk()
    a = desk.rest(1, Side.SELL, px=100, sz=3)
    b = desk.rest(1, Side.SELL, px=101, sz=3)
    events = desk.buy(2, px=101, sz=5, ord_type=OrdType.FOK)
    assert fills(events) == [(a, 100, 3), (b, 101, 2)]
    assert final(events, events[0].order.ord_id).state is OrdState.FILLED


def test_fok_that_cannot_fill_completely_is_canceled_with_nothing_filled() -> None:
    desk = Desk()
    desk.rest(1, Side.SELL, px=100, sz=3)
    desk.rest(1, Side.SELL, px=102, sz=3)  # beyond its limit
    before = desk.engine.depth(10)
    events = desk.buy(2, px=101, sz=5, ord_type=OrdType.FOK)
    assert [type(e) for e in events] == [OrderAccepted, OrderCanceled]
    canceled = events[1]
    assert isinstance(canceled, OrderCanceled)
    assert canceled.cause is CancelCause.FOK_UNFILLABLE and canceled.order.filled == 0
    assert desk.engine.depth(10) == before


def test_post_only_that_would_take_is_accepted_then_canceled_and_never_trades() -> None:
    """As OKX: the order gets an id (sCode 0) and is canceled at once with cancelSource 31."""
    desk = Desk()
    desk.rest(1, Side.SELL, px=100, sz=3)
    events = desk.buy(2, px=100, sz=1, ord_type=OrdType.POST_ONLY)
    assert [type(e) for e in events] == [OrderAccepted, OrderCanceled]
    canceled = events[1]
    assert isinstance(canceled, OrderCanceled) and canceled.cause is CancelCause.POST_ONLY_TAKES
    assert canceled.order.ord_id == events[0].order.ord_id and canceled.order.filled == 0  # type: ignore[union-attr]
    assert desk.engine.best_bid() is None and desk.engine.depth(1)[1][0].lots == 3


def test_post_only_that_does_not_cross_rests() -> None:
    desk = Desk()
    desk.rest(1, Side.SELL, px=100, sz=3)
    ord_id = desk.rest(2, Side.BUY, px=99, sz=1, ord_type=OrdType.POST_ONLY)
    assert desk.engine.best_bid() == 99
    assert desk.engine.order(ord_id).ord_type is OrdType.POST_ONLY  # type: ignore[union-attr]


def test_market_sell_in_base_sweeps_the_bids() -> None:
    desk = Desk()
    a = desk.rest(1, Side.BUY, px=100, sz=2)
    b = desk.rest(1, Side.BUY, px=90, sz=2)
    events = desk.place(2, Side.SELL, sz=3)
    assert fills(events) == [(a, 100, 2), (b, 90, 1)]
    taker = final(events, events[0].order.ord_id)
    assert (taker.state, taker.filled, taker.filled_notional, taker.px) == (OrdState.FILLED, 3, 290, 0)


def test_market_order_cancels_what_the_book_cannot_fill() -> None:
    desk = Desk()
    desk.rest(1, Side.BUY, px=100, sz=2)
    events = desk.place(2, Side.SELL, sz=5)
    canceled = of_type(events, OrderCanceled)[-1]
    assert canceled.cause is CancelCause.MARKET_UNFILLED
    assert (canceled.order.state, canceled.order.filled) == (OrdState.CANCELED, 2)


def test_market_on_an_empty_book_is_canceled() -> None:
    desk = Desk()
    events = desk.place(2, Side.BUY, sz=5, tgt_ccy=TgtCcy.BASE_CCY)
    assert [type(e) for e in events] == [OrderAccepted, OrderCanceled]


def test_market_buy_in_quote_spends_its_budget_at_most() -> None:
    desk = Desk()
    a = desk.rest(1, Side.SELL, px=100, sz=2)
    b = desk.rest(1, Side.SELL, px=110, sz=5)
    # Budget 450 notional: 2 lots at 100 (200), then floor(250 / 110) = 2 lots at 110 (220).
    events = desk.place(2, Side.BUY, sz=450, tgt_ccy=TgtCcy.QUOTE_CCY)
    assert fills(events) == [(a, 100, 2), (b, 110, 2)]
    taker = final(events, events[0].order.ord_id)
    assert (taker.state, taker.filled, taker.filled_notional, taker.sz) == (OrdState.FILLED, 4, 420, 450)
    assert taker.tgt_ccy is TgtCcy.QUOTE_CCY


def test_market_buy_in_quote_too_small_for_one_lot_is_canceled() -> None:
    desk = Desk()
    desk.rest(1, Side.SELL, px=100, sz=2)
    events = desk.place(2, Side.BUY, sz=99, tgt_ccy=TgtCcy.QUOTE_CCY)
    assert [type(e) for e in events] == [OrderAccepted, OrderCanceled]


def test_market_buy_in_quote_cancels_the_rest_when_the_book_runs_out() -> None:
    desk = Desk()
    desk.rest(1, Side.SELL, px=100, sz=2)
    events = desk.place(2, Side.BUY, sz=1000, tgt_ccy=TgtCcy.QUOTE_CCY)
    canceled = of_type(events, OrderCanceled)[-1]
    assert (canceled.order.filled, canceled.order.filled_notional) == (2, 200)
    assert canceled.order.state is OrdState.CANCELED


def test_market_sell_in_quote_stops_at_its_target() -> None:
    desk = Desk()
    a = desk.rest(1, Side.BUY, px=100, sz=10)
    # Wants 350 of quote: 3 lots at 100 = 300; a 4th would overshoot.
    events = desk.place(2, Side.SELL, sz=350, tgt_ccy=TgtCcy.QUOTE_CCY)
    assert fills(events) == [(a, 100, 3)]
    assert final(events, events[0].order.ord_id).state is OrdState.FILLED


def test_fillable_matches_what_matching_then_does() -> None:
    desk = Desk()
    desk.rest(1, Side.SELL, px=100, sz=2)
    desk.rest(3, Side.SELL, px=101, sz=2)
    desk.rest(1, Side.SELL, px=105, sz=9)
    lots, notional = desk.engine.fillable(Side.BUY, 0, 5, 2, StpMode.CANCEL_MAKER)
    events = desk.place(2, Side.BUY, sz=5, tgt_ccy=TgtCcy.BASE_CCY)
    taker = final(events, events[0].order.ord_id)
    assert (lots, notional) == (taker.filled, taker.filled_notional) == (5, 100 * 2 + 101 * 2 + 105)
