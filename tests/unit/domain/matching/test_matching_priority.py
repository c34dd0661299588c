"""Price-time priority, fills at the maker's price, partial fills and order states, book reads."""

from __future__ import annotations

from sandex.domain.matching import Fill, LevelView, OrderFilled, OrdState, Side
from tests.support.matching import Desk, fills, final, of_type


def test_better_price_fills_first_even_when_it_arrived_later() -> None:
    desk = Desk()
    worse = desk.rest(1, Side.SELL, px=101, sz=5)
    better = desk.rest(2, Side.SELL, px=100, sz=5)
    events = desk.buy(3, px=101, sz=6)
    assert fills(events) == [(better, 100, 5), (worse, 101, 1)]


def test_fifo_within_a_price_level() -> None:
    desk = Desk()
    first = desk.rest(1, Side.BUY, px=100, sz=2)
    second = desk.rest(2, Side.BUY, px=100, sz=2)
    third = desk.rest(3, Side.BUY, px=100, sz=2)
    assert desk.queue(Side.BUY, 100) == [first, second, third]
    events = desk.sell(4, px=100, sz=3)
    assert fills(events) == [(first, 100, 2), (second, 100, 1)]
    assert desk.queue(Side.BUY, 100) == [second, third]


def test_fills_happen_at_the_makers_price_not_the_takers_limit() -> None:
    desk = Desk()
    desk.rest(1, Side.SELL, px=100, sz=5)
    events = desk.buy(2, px=120, sz=5)
    assert [f.px for f in of_type(events, Fill)] == [100]
    desk.rest(1, Side.BUY, px=90, sz=5)
    events = desk.sell(2, px=50, sz=5)
    assert [f.px for f in of_type(events, Fill)] == [90]


def test_fill_event_names_both_sides() -> None:
    desk = Desk()
    maker = desk.rest(7, Side.SELL, px=100, sz=5)
    events = desk.buy(8, px=100, sz=2)
    taker = events[0].order.ord_id
    (fill,) = of_type(events, Fill)
    assert fill.trade_id == 1
    assert (fill.maker_ord_id, fill.maker_account_id, fill.taker_ord_id, fill.taker_account_id) == (
        maker,
        7,
        taker,
        8,
    )
    assert (fill.taker_side, fill.px, fill.sz, fill.inst_id) == (Side.BUY, 100, 2, "BTC-USDT")
    assert [e.fill for e in of_type(events, OrderFilled)] == [fill, fill]


def test_partial_fills_move_states_from_live_to_filled() -> None:
    desk = Desk()
    maker = desk.rest(1, Side.SELL, px=100, sz=10)
    assert desk.engine.order(maker).state is OrdState.LIVE  # type: ignore[union-attr]
    events = desk.buy(2, px=100, sz=4)
    assert final(events, maker).state is OrdState.PARTIALLY_FILLED
    assert final(events, maker).filled == 4
    assert final(events, events[0].order.ord_id).state is OrdState.FILLED
    events = desk.buy(3, px=100, sz=6)
    done = final(events, maker)
    assert (done.state, done.filled, done.filled_notional) == (OrdState.FILLED, 10, 1000)
    assert desk.engine.order(maker) is None  # finished orders leave the engine


def test_taker_rests_remainder_as_partially_filled_maker() -> None:
    desk = Desk()
    desk.rest(1, Side.SELL, px=100, sz=3)
    events = desk.buy(2, px=100, sz=5)
    taker = final(events, events[0].order.ord_id)
    assert (taker.state, taker.filled) == (OrdState.PARTIALLY_FILLED, 3)
    assert desk.engine.depth(5) == ([LevelView(100, 2, 1)], [])


def test_taker_walks_several_levels_and_stops_at_its_limit() -> None:
    desk = Desk()
    a = desk.rest(1, Side.SELL, px=100, sz=1)
    b = desk.rest(1, Side.SELL, px=101, sz=1)
    desk.rest(1, Side.SELL, px=103, sz=1)
    events = desk.buy(2, px=102, sz=5)
    assert fills(events) == [(a, 100, 1), (b, 101, 1)]
    assert desk.engine.best_bid() == 102
    assert desk.engine.best_ask() == 103


def test_non_crossing_order_rests_and_book_reads_aggregate_levels() -> None:
    desk = Desk()
    desk.rest(1, Side.BUY, px=99, sz=2)
    desk.rest(2, Side.BUY, px=99, sz=3)
    desk.rest(3, Side.BUY, px=98, sz=1)
    desk.rest(4, Side.SELL, px=101, sz=7)
    desk.rest(5, Side.SELL, px=105, sz=1)
    assert (desk.engine.best_bid(), desk.engine.best_ask()) == (99, 101)
    bids, asks = desk.engine.depth(1)
    assert bids == [LevelView(99, 5, 2)] and asks == [LevelView(101, 7, 1)]
    bids, asks = desk.engine.depth(10)
    assert bids == [LevelView(99, 5, 2), LevelView(98, 1, 1)]
    assert asks == [LevelView(101, 7, 1), LevelView(105, 1, 1)]


def test_empty_book_reads() -> None:
    desk = Desk()
    assert desk.engine.best_bid() is None and desk.engine.best_ask() is None
    assert desk.engine.depth(5) == ([], [])


def test_order_lookups() -> None:
    desk = Desk()
    a = desk.rest(1, Side.BUY, px=99, sz=2, cl_ord_id="mine")
    b = desk.rest(1, Side.SELL, px=120, sz=2)
    desk.rest(2, Side.SELL, px=121, sz=2)
    assert desk.engine.order_id_for(1, "mine") == a
    assert desk.engine.order_id_for(2, "mine") is None
    assert {o.ord_id for o in desk.engine.pending_orders(1)} == {a, b}
    assert desk.engine.pending_count(1) == 2
    assert desk.engine.pending_count(3) == 0
    snap = desk.engine.order(a)
    assert snap is not None and (snap.px, snap.sz, snap.cl_ord_id, snap.account_id) == (99, 2, "mine", 1)


def test_trade_ids_come_from_the_generator_in_order() -> None:
    desk = Desk()
    for _ in range(3):
        desk.rest(1, Side.SELL, px=100, sz=1)
    events = desk.buy(2, px=100, sz=3)
    assert [f.trade_id for f in of_type(events, Fill)] == [1, 2, 3]
