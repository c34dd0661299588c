"""Amend and cancel rules, clOrdId uniqueness, pending-order limits and the maker cap."""

from __future__ import annotations

from collections.abc import Sequence

from sandex.domain.errors import Reason
from sandex.domain.matching import (
    CancelCause,
    Fill,
    OrderAmended,
    OrderCanceled,
    OrderRejected,
    OrdState,
    OrdType,
    Side,
    TradingLimits,
    rejection,
)
from tests.support.matching import Desk, fills, final, of_type


def _reason(events: Sequence[object]) -> Reason | None:
    refused = rejection(events)
    return None if refused is None else refused.reason


def test_size_decrease_keeps_time_priority() -> None:
    desk = Desk()
    first = desk.rest(1, Side.BUY, px=100, sz=5)
    second = desk.rest(2, Side.BUY, px=100, sz=5)
    events = desk.amend(1, first, new_sz=3)
    assert [type(e) for e in events] == [OrderAmended]
    assert events[0].order.sz == 3
    assert desk.queue(Side.BUY, 100) == [first, second]
    assert desk.engine.depth(1)[0][0].lots == 8


def test_size_increase_loses_time_priority() -> None:
    desk = Desk()
    first = desk.rest(1, Side.BUY, px=100, sz=5)
    second = desk.rest(2, Side.BUY, px=100, sz=5)
    desk.amend(1, first, new_sz=6)
    assert desk.queue(Side.BUY, 100) == [second, first]
    assert desk.engine.depth(1)[0][0].lots == 11


def test_price_amend_loses_time_priority_even_when_moved_back() -> None:
    desk = Desk()
    first = desk.rest(1, Side.BUY, px=100, sz=5)
    second = desk.rest(2, Side.BUY, px=100, sz=5)
    desk.amend(1, first, new_px=99)
    assert desk.queue(Side.BUY, 99) == [first] and desk.queue(Side.BUY, 100) == [second]
    desk.amend(1, first, new_px=100)
    assert desk.queue(Side.BUY, 100) == [second, first]
    assert desk.queue(Side.BUY, 99) == []


def test_new_size_includes_filled_quantity() -> None:
    desk = Desk()
    maker = desk.rest(1, Side.SELL, px=100, sz=10)
    desk.buy(2, px=100, sz=4)
    events = desk.amend(1, maker, new_sz=6)  # 4 filled + 2 left
    snap = events[0].order
    assert (snap.sz, snap.filled, snap.state) == (6, 4, OrdState.PARTIALLY_FILLED)
    assert desk.engine.depth(1)[1][0].lots == 2


def test_new_size_at_or_below_filled_completes_the_order() -> None:
    desk = Desk()
    maker = desk.rest(1, Side.SELL, px=100, sz=10)
    desk.buy(2, px=100, sz=4)
    events = desk.amend(1, maker, new_sz=3)
    snap = events[0].order
    assert (snap.state, snap.sz, snap.filled) == (OrdState.FILLED, 4, 4)
    assert desk.engine.order(maker) is None and desk.engine.best_ask() is None


def test_amended_price_that_crosses_trades_at_once_as_taker() -> None:
    desk = Desk()
    ask = desk.rest(1, Side.SELL, px=101, sz=2)
    bid = desk.rest(2, Side.BUY, px=99, sz=5)
    events = desk.amend(2, bid, new_px=102)
    assert isinstance(events[0], OrderAmended)
    assert fills(events) == [(ask, 101, 2)]
    fill = of_type(events, Fill)[0]
    assert fill.taker_ord_id == bid
    assert final(events, bid).state is OrdState.PARTIALLY_FILLED
    assert desk.engine.best_bid() == 102


def test_amend_that_would_make_post_only_take_is_refused_and_changes_nothing() -> None:
    desk = Desk()
    desk.rest(1, Side.SELL, px=101, sz=2)
    bid = desk.rest(2, Side.BUY, px=99, sz=5, ord_type=OrdType.POST_ONLY)
    events = desk.amend(2, bid, new_px=101)
    assert _reason(events) is Reason.AMEND_POST_ONLY and len(events) == 1
    assert desk.engine.order(bid).px == 99  # type: ignore[union-attr]
    assert _reason(desk.amend(2, bid, new_px=100)) is None


def test_failed_amend_with_cxl_on_fail_cancels_the_order() -> None:
    desk = Desk()
    desk.rest(1, Side.SELL, px=101, sz=2)
    bid = desk.rest(2, Side.BUY, px=99, sz=5, ord_type=OrdType.POST_ONLY)
    events = desk.amend(2, bid, new_px=101, cxl_on_fail=True)
    assert [type(e) for e in events] == [OrderRejected, OrderCanceled]
    assert _reason(events) is Reason.AMEND_POST_ONLY
    assert events[1].cause is CancelCause.AMEND_FAILED  # type: ignore[union-attr]
    assert desk.engine.order(bid) is None


def test_amend_without_changes_is_refused() -> None:
    desk = Desk()
    bid = desk.rest(2, Side.BUY, px=99, sz=5)
    assert _reason(desk.amend(2, bid)) is Reason.AMEND_NOTHING


def test_amend_of_finished_unknown_or_foreign_order_fails() -> None:
    desk = Desk()
    maker = desk.rest(1, Side.SELL, px=100, sz=1)
    desk.buy(2, px=100, sz=1)
    assert _reason(desk.amend(1, maker, new_px=101)) is Reason.AMEND_FAILED
    assert _reason(desk.amend(1, 999, new_px=101)) is Reason.AMEND_FAILED
    other = desk.rest(3, Side.SELL, px=105, sz=1)
    assert _reason(desk.amend(1, other, new_px=106, cxl_on_fail=True)) is Reason.AMEND_FAILED
    assert desk.engine.order(other) is not None  # someone else's order is never canceled


def test_cancel_removes_the_order_and_reports_it() -> None:
    desk = Desk()
    bid = desk.rest(2, Side.BUY, px=99, sz=5)
    events = desk.cancel(2, bid)
    assert [type(e) for e in events] == [OrderCanceled]
    assert events[0].order.state is OrdState.CANCELED and events[0].cause is CancelCause.USER  # type: ignore[union-attr]
    assert desk.engine.best_bid() is None and desk.engine.pending_count(2) == 0


def test_cancel_of_finished_unknown_or_foreign_order_fails() -> None:
    desk = Desk()
    bid = desk.rest(2, Side.BUY, px=99, sz=5)
    assert _reason(desk.cancel(3, bid)) is Reason.CANCEL_FAILED
    desk.cancel(2, bid)
    assert _reason(desk.cancel(2, bid)) is Reason.CANCEL_FAILED
    assert _reason(desk.cancel(2, 12345)) is Reason.CANCEL_FAILED


def test_cl_ord_id_is_unique_among_pending_orders_of_the_account() -> None:
    desk = Desk()
    first = desk.rest(1, Side.BUY, px=99, sz=5, cl_ord_id="abc")
    assert _reason(desk.buy(1, px=98, sz=1, cl_ord_id="abc")) is Reason.CLORDID_EXISTS
    desk.rest(2, Side.BUY, px=98, sz=1, cl_ord_id="abc")  # another account may use it
    desk.cancel(1, first)
    desk.rest(1, Side.BUY, px=97, sz=1, cl_ord_id="abc")  # free again once the first finished


def test_pending_limit_per_instrument_counts_resting_orders_only() -> None:
    desk = Desk(TradingLimits(max_pending_per_instrument=2))
    desk.rest(1, Side.BUY, px=90, sz=1)
    last = desk.rest(1, Side.BUY, px=91, sz=1)
    refused = rejection(desk.buy(1, px=92, sz=1))
    assert (
        refused is not None
        and refused.reason is Reason.PENDING_ORDERS_LIMIT
        and refused.params == {"limit": "2"}
    )
    assert _reason(desk.buy(1, px=92, sz=1, ord_type=OrdType.IOC)) is None  # never rests
    assert _reason(desk.buy(2, px=92, sz=1)) is None
    desk.cancel(1, last)
    assert _reason(desk.buy(1, px=92, sz=1)) is None


def test_taker_matching_more_makers_than_the_cap_is_partly_filled_then_canceled() -> None:
    desk = Desk(TradingLimits(max_makers_per_taker=3))
    for _ in range(5):
        desk.rest(1, Side.SELL, px=100, sz=1)
    events = desk.buy(2, px=100, sz=5)
    assert len(of_type(events, Fill)) == 3
    canceled = of_type(events, OrderCanceled)[-1]
    assert (canceled.cause, canceled.order.filled) == (CancelCause.MATCH_LIMIT, 3)
    assert desk.engine.best_bid() is None  # a limit taker does not rest after hitting the cap


def test_fok_needing_more_makers_than_the_cap_is_canceled_outright() -> None:
    desk = Desk(TradingLimits(max_makers_per_taker=3))
    for _ in range(5):
        desk.rest(1, Side.SELL, px=100, sz=1)
    events = desk.buy(2, px=100, sz=4, ord_type=OrdType.FOK)
    assert not of_type(events, Fill)
    assert desk.buy(2, px=100, sz=3, ord_type=OrdType.FOK)[-1].order.state is OrdState.FILLED  # type: ignore[union-attr]


def test_default_maker_cap_is_one_thousand() -> None:
    desk = Desk()
    for i in range(1001):
        desk.rest(10 + i % 3, Side.SELL, px=100, sz=1)  # 3 accounts: each stays under 500 pending
    events = desk.buy(2, px=100, sz=1001)
    assert len(of_type(events, Fill)) == 1000
    assert of_type(events, OrderCanceled)[-1].cause is CancelCause.MATCH_LIMIT
