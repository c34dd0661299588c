"""Cancel, amend, order lookups, history windows, fills and bills as the REST layer reads them."""

from __future__ import annotations

from sandex.domain.clock import HOUR_MS
from sandex.domain.errors import Reason, Rejected
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import CancelCause, OrdState, Side
from sandex.domain.trading.commands import AmendSpec, CancelSpec
from sandex.process import Runtime
from tests.support.exchange import (
    BTC,
    D,
    assert_conserved_exactly,
    assert_frozen_matches_orders,
    balance,
    fund,
    limit,
    place_one,
    trader_for,
)


async def test_cancel_by_ord_id_or_cl_ord_id_gives_the_funds_back(rt: Runtime) -> None:
    alice = trader_for(rt, "alice@example.test")
    await fund(rt, alice, "USDT", "1000")
    a = await place_one(rt, alice, limit(Side.BUY, "100", "1"))
    await place_one(rt, alice, limit(Side.BUY, "100", "2", cl_ord_id="mine"))
    acks = await rt.trading.service.cancel(
        alice, [CancelSpec(BTC, ord_id=int(a.ord_id)), CancelSpec(BTC, cl_ord_id="mine")]
    )
    assert not isinstance(acks, Rejected)
    assert [(x.ok, x.cl_ord_id) for x in acks] == [(True, ""), (True, "mine")]
    assert acks[0].ord_id == a.ord_id
    assert balance(rt, alice, "USDT") == (D(1000), D(0))
    order = rt.trading.service.get_order(alice, BTC, cl_ord_id="mine")
    assert not isinstance(order, Rejected)
    assert (order.state, order.cancel_cause) == (OrdState.CANCELED, CancelCause.USER)
    assert_frozen_matches_orders(rt)


async def test_cancel_of_a_finished_or_unknown_order_is_51400(rt: Runtime) -> None:
    alice = trader_for(rt, "alice@example.test")
    await fund(rt, alice, "USDT", "1000")
    a = await place_one(rt, alice, limit(Side.BUY, "100", "1"))
    await rt.trading.service.cancel(alice, [CancelSpec(BTC, ord_id=int(a.ord_id))])
    acks = await rt.trading.service.cancel(
        alice,
        [
            CancelSpec(BTC, ord_id=int(a.ord_id)),
            CancelSpec(BTC, ord_id=123),
            CancelSpec(BTC, cl_ord_id="x"),
        ],
    )
    assert not isinstance(acks, Rejected)
    assert [x.rejected for x in acks] == [Rejected(Reason.CANCEL_FAILED)] * 3
    assert [x.ord_id for x in acks] == [a.ord_id, "123", ""]  # echoes what was asked


async def test_someone_elses_order_cannot_be_canceled(rt: Runtime) -> None:
    alice, mallory = trader_for(rt, "alice@example.test"), trader_for(rt, "mallory@example.test")
    await fund(rt, alice, "USDT", "1000")
    a = await place_one(rt, alice, limit(Side.BUY, "100", "1"))
    acks = await rt.trading.service.cancel(mallory, [CancelSpec(BTC, ord_id=int(a.ord_id))])
    assert not isinstance(acks, Rejected) and acks[0].rejected == Rejected(Reason.CANCEL_FAILED)
    assert rt.trading.service.get_order(mallory, BTC, ord_id=a.ord_id) == Rejected(Reason.ORDER_NOT_FOUND)
    assert [o.ord_id for o in rt.trading.service.pending_orders(alice)] == [a.ord_id]


async def test_amend_size_and_price_refreezes_and_may_trade(rt: Runtime) -> None:
    maker, taker = trader_for(rt, "maker@example.test"), trader_for(rt, "taker@example.test")
    await fund(rt, maker, "BTC", "1")
    await fund(rt, taker, "USDT", "1000")
    await place_one(rt, maker, limit(Side.SELL, "110", "1"))
    bid = await place_one(rt, taker, limit(Side.BUY, "100", "2"))
    bigger = await rt.trading.service.amend(
        taker, [AmendSpec(BTC, ord_id=int(bid.ord_id), new_sz=D(3), req_id="r1")]
    )
    assert not isinstance(bigger, Rejected) and bigger[0].ok and bigger[0].req_id == "r1"
    assert balance(rt, taker, "USDT") == (D(700), D(300))
    crossed = await rt.trading.service.amend(taker, [AmendSpec(BTC, ord_id=int(bid.ord_id), new_px=D(110))])
    assert not isinstance(crossed, Rejected) and crossed[0].ok
    order = rt.trading.service.get_order(taker, BTC, ord_id=bid.ord_id)
    assert not isinstance(order, Rejected)
    assert (order.state, order.acc_fill_sz, order.px) == (OrdState.PARTIALLY_FILLED, D(1), D(110))
    assert balance(rt, taker, "USDT") == (D(670), D(220))
    assert_conserved_exactly(rt)
    assert_frozen_matches_orders(rt)


async def test_amend_of_a_finished_order_is_51503_and_cxl_on_fail_cancels(rt: Runtime) -> None:
    alice = trader_for(rt, "alice@example.test")
    await fund(rt, alice, "USDT", "1000")
    a = await place_one(rt, alice, limit(Side.BUY, "100", "1"))
    b = await place_one(rt, alice, limit(Side.BUY, "100", "1", cl_ord_id="b"))
    await rt.trading.service.cancel(alice, [CancelSpec(BTC, ord_id=int(a.ord_id))])
    acks = await rt.trading.service.amend(
        alice,
        [
            AmendSpec(BTC, ord_id=int(a.ord_id), new_px=D(101)),
            AmendSpec(BTC, cl_ord_id="b", new_px=D("100.01"), cxl_on_fail=True),  # bad tick
        ],
    )
    assert not isinstance(acks, Rejected)
    assert acks[0].rejected == Rejected(Reason.AMEND_FAILED)
    assert acks[1].rejected is not None and acks[1].rejected.reason is Reason.TICK_SIZE
    order = rt.trading.service.get_order(alice, BTC, ord_id=b.ord_id)
    assert not isinstance(order, Rejected)
    assert (order.state, order.cancel_cause) == (OrdState.CANCELED, CancelCause.AMEND_FAILED)
    assert balance(rt, alice, "USDT") == (D(1000), D(0))


async def test_get_order_unknown_is_51603(rt: Runtime) -> None:
    alice = trader_for(rt, "alice@example.test")
    svc = rt.trading.service
    assert svc.get_order(alice, BTC, ord_id="600000000000000123") == Rejected(Reason.ORDER_NOT_FOUND)
    assert svc.get_order(alice, BTC, cl_ord_id="nope") == Rejected(Reason.ORDER_NOT_FOUND)
    assert svc.get_order(alice, "NOPE-USDT", ord_id="1") == Rejected(Reason.INSTRUMENT_NOT_FOUND)
    refused = svc.get_order(alice, BTC)
    assert isinstance(refused, Rejected) and refused.reason is Reason.EITHER_PARAM_REQUIRED


async def test_history_keeps_unfilled_cancels_only_two_hours(rt: Runtime) -> None:
    maker, taker = trader_for(rt, "maker@example.test"), trader_for(rt, "taker@example.test")
    await fund(rt, maker, "BTC", "1")
    await fund(rt, taker, "USDT", "1000")
    canceled = await place_one(rt, taker, limit(Side.BUY, "90", "1"))
    await rt.trading.service.cancel(taker, [CancelSpec(BTC, ord_id=int(canceled.ord_id))])
    await place_one(rt, maker, limit(Side.SELL, "100", "1"))
    filled = await place_one(rt, taker, limit(Side.BUY, "100", "1"))
    svc = rt.trading.service
    assert [o.ord_id for o in svc.order_history(taker)] == [filled.ord_id, canceled.ord_id]
    assert [o.ord_id for o in svc.order_history(taker, state=OrdState.FILLED)] == [filled.ord_id]
    rt.clock.advance(2 * HOUR_MS + 1)
    assert [o.ord_id for o in svc.order_history(taker)] == [filled.ord_id]
    rt.clock.advance(7 * 24 * HOUR_MS)
    assert svc.order_history(taker) == []
    assert [o.ord_id for o in svc.order_history(taker, archive=True)] == [filled.ord_id]


async def test_lists_page_with_after_and_before_cursors_newest_first(rt: Runtime) -> None:
    alice = trader_for(rt, "alice@example.test")
    await fund(rt, alice, "USDT", "100000")
    ids = [(await place_one(rt, alice, limit(Side.BUY, "100", "1"))).ord_id for _ in range(5)]
    svc = rt.trading.service
    assert [o.ord_id for o in svc.pending_orders(alice)] == ids[::-1]
    assert [o.ord_id for o in svc.pending_orders(alice, limit=2)] == [ids[4], ids[3]]
    assert [o.ord_id for o in svc.pending_orders(alice, after=ids[3], limit=2)] == [ids[2], ids[1]]
    assert [o.ord_id for o in svc.pending_orders(alice, before=ids[1], limit=2)] == [ids[3], ids[2]]


async def test_fills_and_bills_of_a_trade(rt: Runtime) -> None:
    maker, taker = trader_for(rt, "maker@example.test"), trader_for(rt, "taker@example.test")
    await fund(rt, maker, "BTC", "2")
    await fund(rt, taker, "USDT", "1000")
    assert (await place_one(rt, maker, limit(Side.SELL, "100", "2"))).ok
    for _ in range(3):
        assert (await place_one(rt, taker, limit(Side.BUY, "100", "0.5"))).ok
    svc = rt.trading.service
    fills = svc.fills(taker)
    assert len(fills) == 3 and [f.bill_id for f in fills] == sorted((f.bill_id for f in fills), reverse=True)
    assert [f.bill_id for f in svc.fills(taker, after=fills[0].bill_id)] == [
        fills[1].bill_id,
        fills[2].bill_id,
    ]
    bills = svc.bills(taker)
    assert {b.reason for b in bills} == {PostingReason.DEPOSIT, PostingReason.TRADE, PostingReason.FEE}
    deposit = bills[-1]
    assert (deposit.reason, deposit.bal_chg, deposit.bal, deposit.ccy) == (
        PostingReason.DEPOSIT,
        D(1000),
        D(1000),
        "USDT",
    )
    btc = [b for b in bills if b.ccy == "BTC"]
    assert btc[0].bal == D("1.4985")  # 1.5 BTC bought, 0.1% taker fee in BTC
    fee = next(b for b in bills if b.reason is PostingReason.FEE)
    assert fee.fee == fee.bal_chg == D("-0.0005") and fee.trade_id == fills[0].trade_id
    assert svc.bills(taker, ccy="USDT", reasons=[PostingReason.DEPOSIT]) == [deposit]
