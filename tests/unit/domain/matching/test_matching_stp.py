"""Self-trade prevention: orders of one account never trade with each other."""

from __future__ import annotations

from sandex.domain.matching import CancelCause, Fill, OrderCanceled, OrdState, OrdType, Side, StpMode, TgtCcy
from tests.support.matching import Desk, fills, final, of_type


def _book() -> tuple[Desk, int, int]:
    """Own ask at 100 in front of someone else's ask at 100."""
    desk = Desk()
    own = desk.rest(1, Side.SELL, px=100, sz=2)
    other = desk.rest(2, Side.SELL, px=100, sz=2)
    return desk, own, other


def test_cancel_maker_is_the_default_and_keeps_matching_behind_it() -> None:
    desk, own, other = _book()
    events = desk.buy(1, px=100, sz=2)
    taker = events[0].order.ord_id
    assert events[0].order.stp_mode is StpMode.CANCEL_MAKER
    (canceled,) = of_type(events, OrderCanceled)
    assert (canceled.order.ord_id, canceled.cause) == (own, CancelCause.SELF_TRADE)
    assert fills(events) == [(other, 100, 2)]
    assert final(events, taker).state is OrdState.FILLED
    assert desk.engine.order(own) is None


def test_cancel_taker_cancels_the_incoming_order_and_leaves_the_maker() -> None:
    desk, own, _other = _book()
    events = desk.buy(1, px=100, sz=2, stp_mode=StpMode.CANCEL_TAKER)
    taker = events[0].order.ord_id
    (canceled,) = of_type(events, OrderCanceled)
    assert (canceled.order.ord_id, canceled.cause) == (taker, CancelCause.SELF_TRADE)
    assert not of_type(events, Fill)
    assert desk.queue(Side.SELL, 100)[0] == own
    assert desk.engine.best_bid() is None  # a limit taker does not rest after STP


def test_cancel_both_cancels_maker_and_taker() -> None:
    desk, own, other = _book()
    events = desk.buy(1, px=100, sz=2, stp_mode=StpMode.CANCEL_BOTH)
    taker = events[0].order.ord_id
    assert [(c.order.ord_id, c.cause) for c in of_type(events, OrderCanceled)] == [
        (own, CancelCause.SELF_TRADE),
        (taker, CancelCause.SELF_TRADE),
    ]
    assert not of_type(events, Fill)
    assert desk.queue(Side.SELL, 100) == [other]


def test_cancel_taker_keeps_fills_made_before_reaching_own_order() -> None:
    desk = Desk()
    other = desk.rest(2, Side.SELL, px=100, sz=1)
    own = desk.rest(1, Side.SELL, px=101, sz=1)
    events = desk.buy(1, px=101, sz=2, stp_mode=StpMode.CANCEL_TAKER)
    assert fills(events) == [(other, 100, 1)]
    canceled = of_type(events, OrderCanceled)[-1]
    assert (canceled.order.filled, canceled.order.state) == (1, OrdState.CANCELED)
    assert desk.queue(Side.SELL, 101) == [own]


def test_market_orders_obey_stp_too() -> None:
    desk, own, other = _book()
    events = desk.place(1, Side.BUY, sz=3, tgt_ccy=TgtCcy.BASE_CCY)
    assert fills(events) == [(other, 100, 2)]
    assert own in [c.order.ord_id for c in of_type(events, OrderCanceled)]


def test_fok_counts_only_liquidity_it_may_trade_with() -> None:
    desk, _own, _other = _book()
    events = desk.buy(1, px=100, sz=3, ord_type=OrdType.FOK)  # 2 of the 4 lots are its own
    assert not of_type(events, Fill)
    assert of_type(events, OrderCanceled)[0].cause is CancelCause.FOK_UNFILLABLE
    assert len(desk.queue(Side.SELL, 100)) == 2  # own maker not canceled: nothing happened


def test_no_fill_ever_pairs_an_account_with_itself() -> None:
    desk = Desk()
    for px in (100, 101, 102):
        desk.rest(1, Side.SELL, px=px, sz=1)
        desk.rest(2, Side.SELL, px=px, sz=1)
    for mode in StpMode:
        events = desk.buy(1, px=102, sz=2, stp_mode=mode)
        assert all(f.maker_account_id != f.taker_account_id for f in of_type(events, Fill))
