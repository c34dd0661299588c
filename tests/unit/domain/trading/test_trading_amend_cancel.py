"""Amending and canceling through the façade: frozen funds follow the order, refusals change nothing."""

from __future__ import annotations

from sandex.domain.errors import Reason
from sandex.domain.ledger import Posting, PostingReason
from sandex.domain.matching import CancelCause, OrderAmended, OrderCanceled, OrderRejected, OrdState, OrdType
from sandex.domain.trading import Trade
from tests.support.matching import of_type
from tests.support.venue import BTC_USDT, D, Venue, amt, find_order, ord_id_of, refused


def _venue() -> Venue:
    v = Venue(BTC_USDT)
    for account in (1, 2):
        v.fund(account, "USDT", "1000")
        v.fund(account, "BTC", "10")
    return v


def test_raising_a_buy_price_freezes_the_difference() -> None:
    v = _venue()
    ord_id = ord_id_of(v.buy(1, "100", "2"))
    events = v.amend(1, ord_id, new_px=D(120))
    assert isinstance(events[0], OrderAmended) and events[0].order.px == 1200
    assert events[1] == Posting(1, "USDT", -amt(40), amt(40), PostingReason.FREEZE, ord_id)
    assert v.bal(1, "USDT") == (D(760), D(240))


def test_shrinking_an_order_releases_the_difference() -> None:
    v = _venue()
    ord_id = ord_id_of(v.sell(1, "100", "4"))
    events = v.amend(1, ord_id, new_sz=D("1.5"))
    assert events[1] == Posting(1, "BTC", amt("2.5"), -amt("2.5"), PostingReason.UNFREEZE, ord_id)
    assert v.bal(1, "BTC") == (D("8.5"), D("1.5"))


def test_amend_that_needs_more_than_available_is_refused_and_changes_nothing() -> None:
    v = _venue()
    ord_id = ord_id_of(v.buy(1, "100", "5"))
    events = v.amend(1, ord_id, new_px=D("200.1"))
    assert refused(events) == (Reason.INSUFFICIENT_BALANCE, {"ccy": "USDT"}) and len(events) == 1
    assert v.bal(1, "USDT") == (D(500), D(500))
    assert find_order(v.x, 1, "BTC-USDT", ord_id).px == 1000  # type: ignore[union-attr]


def test_failed_amend_with_cxl_on_fail_cancels_and_releases() -> None:
    v = _venue()
    ord_id = ord_id_of(v.buy(1, "100", "5"))
    events = v.amend(1, ord_id, new_px=D("200.1"), cxl_on_fail=True)
    assert [type(e) for e in events] == [OrderRejected, OrderCanceled, Posting]
    assert events[1].cause is CancelCause.AMEND_FAILED
    assert v.bal(1, "USDT") == (D(1000), 0)


def test_amend_with_a_bad_tick_is_refused_and_may_cancel() -> None:
    v = _venue()
    ord_id = ord_id_of(v.buy(1, "100", "1"))
    assert refused(v.amend(1, ord_id, new_px=D("100.01"))) == (Reason.TICK_SIZE, {"field": "new_px"})
    assert refused(v.amend(1, ord_id, new_sz=D("1.001"))) == (Reason.LOT_SIZE, {})
    assert refused(v.amend(1, ord_id, new_sz=D("-1"))) == (Reason.PARAM_ERROR, {"field": "new_sz"})
    assert refused(v.amend(1, ord_id)) == (Reason.AMEND_NOTHING, {})
    events = v.amend(1, ord_id, new_px=D("100.01"), cxl_on_fail=True)
    assert isinstance(events[1], OrderCanceled) and v.bal(1, "USDT") == (D(1000), 0)


def test_amend_to_an_absurd_magnitude_is_refused_as_a_value_and_changes_nothing() -> None:
    v = _venue()
    ord_id = ord_id_of(v.buy(1, "100", "1"))
    limit = {"limit": "100000000"}  # BTC-USDT's maxLmtSz
    assert refused(v.amend(1, ord_id, new_sz=D("1e308"))) == (Reason.ORDER_SIZE_TOO_LARGE, limit)
    assert refused(v.amend(1, ord_id, new_px=D("1e308"))) == (Reason.PARAM_ERROR, {"field": "new_px"})
    assert refused(v.amend(1, ord_id, new_px=D("1e27"))) == (Reason.PARAM_ERROR, {"field": "new_px"})
    assert v.bal(1, "USDT") == (D(900), D(100))
    assert find_order(v.x, 1, "BTC-USDT", ord_id).px == 1000  # type: ignore[union-attr]


def test_amend_to_at_most_the_filled_size_completes_and_releases_everything() -> None:
    v = _venue()
    ord_id = ord_id_of(v.buy(1, "100", "3"))
    v.sell(2, "100", "1")
    events = v.amend(1, ord_id, new_sz=D("0.5"))
    assert events[0].order.state is OrdState.FILLED
    assert v.bal(1, "USDT") == (D(900), 0)
    assert v.x.pending_orders(1) == []


def test_amended_price_that_crosses_settles_with_price_improvement() -> None:
    v = _venue()
    v.sell(2, "101", "1")
    ord_id = ord_id_of(v.buy(1, "100", "1"))
    events = v.amend(1, ord_id, new_px=D(105))
    (trade,) = of_type(events, Trade)
    assert trade.fill.px == 1010 and trade.fill.taker_ord_id == ord_id
    assert trade.taker_fee == amt("0.001")  # the amended order took liquidity
    assert v.bal(1, "USDT") == (D(899), 0) and v.bal(1, "BTC") == (D("10.999"), 0)


def test_cancel_by_client_order_id() -> None:
    v = _venue()
    v.buy(1, "100", "1", cl_ord_id="c1")
    events = v.cancel(1, cl_ord_id="c1")
    assert isinstance(events[0], OrderCanceled) and events[0].order.cl_ord_id == "c1"
    assert refused(v.cancel(1, cl_ord_id="c1")) == (Reason.CANCEL_FAILED, {})


def test_cancel_and_amend_refusals() -> None:
    v = _venue()
    ord_id = ord_id_of(v.buy(1, "100", "1"))
    assert refused(v.cancel(1)) == (Reason.EITHER_PARAM_REQUIRED, {"field": "ord_id", "other": "cl_ord_id"})
    assert refused(v.cancel(2, ord_id)) == (Reason.CANCEL_FAILED, {})
    assert refused(v.cancel(1, ord_id, inst_id="ETH-USDT")) == (Reason.INSTRUMENT_NOT_FOUND, {})
    assert refused(v.amend(1, 999, new_px=D(1))) == (Reason.AMEND_FAILED, {})
    assert refused(v.amend(1, cl_ord_id="nope", new_px=D(1))) == (Reason.AMEND_FAILED, {})
    v.cancel(1, ord_id)
    assert refused(v.amend(1, ord_id, new_px=D(99))) == (Reason.AMEND_FAILED, {})
    assert refused(v.cancel(1, ord_id)) == (Reason.CANCEL_FAILED, {})


def test_post_only_amend_that_would_take_is_refused() -> None:
    v = _venue()
    v.sell(2, "101", "1")
    ord_id = ord_id_of(v.buy(1, "100", "1", ord_type=OrdType.POST_ONLY))
    assert refused(v.amend(1, ord_id, new_px=D(101))) == (Reason.AMEND_POST_ONLY, {})
    assert v.bal(1, "USDT") == (D(900), D(100))
