"""Placing orders through the sequencer: acks, refusals that change nothing, fills, batches."""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.matching.order import CancelCause, OrdState, OrdType, Side, TgtCcy
from sandex.domain.trading.commands import OrderSpec
from sandex.process import Runtime
from sandex.services.exchange.records import ExecType
from tests.support.exchange import (
    BTC,
    D,
    assert_conserved_exactly,
    assert_frozen_matches_orders,
    balance,
    fund,
    limit,
    order_rows,
    place_one,
    posting_count,
    trader_for,
)


async def test_a_resting_limit_order_freezes_its_cost_and_is_listed(rt: Runtime) -> None:
    alice = trader_for(rt, "alice@example.test")
    await fund(rt, alice, "USDT", "10000")
    ack = await place_one(rt, alice, limit(Side.BUY, "50000", "0.1", cl_ord_id="b1", tag="t1"))
    assert ack.ok and ack.ord_id.isdigit() and len(ack.ord_id) >= 18
    assert (ack.cl_ord_id, ack.tag) == ("b1", "t1")
    assert balance(rt, alice, "USDT") == (D(5000), D(5000))
    [pending] = rt.trading.service.pending_orders(alice)
    assert (pending.ord_id, pending.state, pending.px, pending.sz) == (
        ack.ord_id,
        OrdState.LIVE,
        D(50000),
        D("0.1"),
    )
    assert (
        pending.tgt_ccy is None and pending.avg_px is None and pending.fee == 0 and pending.fee_ccy == "BTC"
    )
    assert_frozen_matches_orders(rt)


async def test_insufficient_balance_is_51008_and_changes_nothing(rt_any: Runtime) -> None:
    rt = rt_any
    alice = trader_for(rt, "alice@example.test")
    await fund(rt, alice, "USDT", "100")
    before = (posting_count(rt), balance(rt, alice, "USDT"))
    ack = await place_one(rt, alice, limit(Side.BUY, "50000", "0.01"))
    assert ack.rejected == Rejected.of(Reason.INSUFFICIENT_BALANCE, ccy="USDT")
    assert ack.ord_id == ""
    assert order_rows(rt) == []
    assert (posting_count(rt), balance(rt, alice, "USDT")) == before
    assert rt.trading.service.pending_orders(alice) == []


async def test_crossing_orders_fill_at_the_makers_price_with_fees(rt_any: Runtime) -> None:
    rt = rt_any
    maker, taker = trader_for(rt, "maker@example.test"), trader_for(rt, "taker@example.test")
    await fund(rt, maker, "BTC", "1")
    await fund(rt, taker, "USDT", "100000")
    sell = await place_one(rt, maker, limit(Side.SELL, "50000", "0.5"))
    buy = await place_one(rt, taker, limit(Side.BUY, "51000", "0.2"))
    svc = rt.trading.service
    taker_order = svc.get_order(taker, BTC, ord_id=buy.ord_id)
    assert not isinstance(taker_order, Rejected)
    assert (taker_order.state, taker_order.avg_px, taker_order.acc_fill_sz) == (
        OrdState.FILLED,
        D(50000),
        D("0.2"),
    )
    assert taker_order.fee == D("-0.0002") and taker_order.fee_ccy == "BTC"  # 0.10% taker, in what it got
    maker_order = svc.get_order(maker, BTC, ord_id=sell.ord_id)
    assert not isinstance(maker_order, Rejected)
    assert (maker_order.state, maker_order.fee, maker_order.fee_ccy) == (
        OrdState.PARTIALLY_FILLED,
        D("-8"),
        "USDT",  # 0.08% of 10,000 USDT
    )
    assert maker_order.last_fill is not None and maker_order.last_fill.px == D(50000)
    # the taker paid the maker's price: its 51,000 limit froze more, and the rest came back at once
    assert balance(rt, taker, "USDT") == (D(90000), D(0))
    assert balance(rt, taker, "BTC") == (D("0.1998"), D(0))
    assert balance(rt, maker, "USDT") == (D(9992), D(0))
    assert balance(rt, maker, "BTC") == (D("0.5"), D("0.3"))
    [taker_fill] = svc.fills(taker)
    [maker_fill] = svc.fills(maker)
    assert taker_fill.trade_id == maker_fill.trade_id
    assert (taker_fill.exec_type, taker_fill.side, taker_fill.fee_rate) == (
        ExecType.TAKER,
        Side.BUY,
        D("-0.001"),
    )
    assert (maker_fill.exec_type, maker_fill.side, maker_fill.fee) == (ExecType.MAKER, Side.SELL, D(-8))
    assert_conserved_exactly(rt)
    assert_frozen_matches_orders(rt)


async def test_market_buy_spends_quote_by_default_and_returns_the_unspent(rt: Runtime) -> None:
    maker, taker = trader_for(rt, "maker@example.test"), trader_for(rt, "taker@example.test")
    await fund(rt, maker, "BTC", "1")
    await fund(rt, taker, "USDT", "1000")
    await place_one(rt, maker, limit(Side.SELL, "50000", "0.01"))
    ack = await place_one(rt, taker, OrderSpec(BTC, Side.BUY, OrdType.MARKET, D("1000")))
    order = rt.trading.service.get_order(taker, BTC, ord_id=ack.ord_id)
    assert not isinstance(order, Rejected)
    assert (order.tgt_ccy, order.sz, order.acc_fill_sz) == (TgtCcy.QUOTE_CCY, D(1000), D("0.01"))
    assert order.state is OrdState.CANCELED and order.px is None  # the book ran out before the budget
    assert balance(rt, taker, "USDT") == (D(500), D(0))
    assert_conserved_exactly(rt)


async def test_a_batch_answers_per_item_in_order(rt: Runtime) -> None:
    alice = trader_for(rt, "alice@example.test")
    await fund(rt, alice, "USDT", "1000")
    acks = await rt.trading.service.place(
        alice,
        [
            limit(Side.BUY, "100", "1", cl_ord_id="a"),
            limit(Side.BUY, "100", "100"),  # 10,000 USDT: too much
            limit(Side.BUY, "100", "1", cl_ord_id="a"),  # same clOrdId in one batch
            limit(Side.BUY, "100", "1", inst_id="NOPE-USDT"),
            limit(Side.BUY, "100.05", "1"),  # not a multiple of the 0.1 tick
            limit(Side.BUY, "100", "0.000000001"),  # finer than the lot
            limit(Side.BUY, "100", "0.000001"),  # below the minimum size
        ],
    )
    assert not isinstance(acks, Rejected)
    reasons = [None if a.rejected is None else a.rejected.reason for a in acks]
    assert reasons == [
        None,
        Reason.INSUFFICIENT_BALANCE,
        Reason.CLORDID_EXISTS,
        Reason.INSTRUMENT_NOT_FOUND,
        Reason.TICK_SIZE,
        Reason.LOT_SIZE,
        Reason.ORDER_BELOW_MIN,
    ]
    assert [a.cl_ord_id for a in acks[:3]] == ["a", "", "a"]
    assert len(order_rows(rt)) == 1


async def test_batches_above_20_or_empty_are_refused_whole(rt: Runtime) -> None:
    alice = trader_for(rt, "alice@example.test")
    await fund(rt, alice, "USDT", "100000")
    too_many = await rt.trading.service.place(alice, [limit(Side.BUY, "100", "1")] * 21)
    assert too_many == Rejected.of(Reason.BATCH_TOO_LARGE, limit="20")
    assert await rt.trading.service.place(alice, []) == Rejected(Reason.BODY_EMPTY)
    assert order_rows(rt) == []
    twenty = await rt.trading.service.place(alice, [limit(Side.BUY, "100", "1")] * 20)
    assert not isinstance(twenty, Rejected) and all(a.ok for a in twenty)


async def test_post_only_that_would_take_is_accepted_then_canceled(rt: Runtime) -> None:
    maker, other = trader_for(rt, "maker@example.test"), trader_for(rt, "other@example.test")
    await fund(rt, maker, "BTC", "1")
    await fund(rt, other, "USDT", "100000")
    await place_one(rt, maker, limit(Side.SELL, "50000", "0.1"))
    ack = await place_one(rt, other, limit(Side.BUY, "50000", "0.1", ord_type=OrdType.POST_ONLY))
    assert ack.ok and ack.ord_id  # OKX answers sCode 0 with an ordId...
    order = rt.trading.service.get_order(other, BTC, ord_id=ack.ord_id)
    assert not isinstance(order, Rejected)
    assert (order.state, order.cancel_cause) == (OrdState.CANCELED, CancelCause.POST_ONLY_TAKES)
    assert order.acc_fill_sz == 0
    assert balance(rt, other, "USDT") == (D(100000), D(0))  # ...and nothing stays frozen
    assert rt.trading.service.pending_orders(other) == []


async def test_self_trade_prevention_cancels_the_maker_by_default(rt: Runtime) -> None:
    alice = trader_for(rt, "alice@example.test")
    await fund(rt, alice, "BTC", "1")
    await fund(rt, alice, "USDT", "100000")
    sell = await place_one(rt, alice, limit(Side.SELL, "50000", "0.1"))
    await place_one(rt, alice, limit(Side.BUY, "50000", "0.1"))
    canceled = rt.trading.service.get_order(alice, BTC, ord_id=sell.ord_id)
    assert not isinstance(canceled, Rejected) and canceled.state is OrdState.CANCELED
    assert rt.trading.service.fills(alice) == []
    assert balance(rt, alice, "BTC") == (D(1), D(0))


async def test_live_and_demo_are_separate_exchanges(rt: Runtime) -> None:
    live = trader_for(rt, "alice@example.test")
    demo = trader_for(rt, "alice@example.test", Environment.DEMO)
    await fund(rt, demo, "USDT", "1000")
    refused = await place_one(rt, live, limit(Side.BUY, "100", "1"))
    assert refused.rejected is not None and refused.rejected.reason is Reason.INSUFFICIENT_BALANCE
    placed = await place_one(rt, demo, limit(Side.BUY, "100", "1"))
    assert placed.ok
    assert rt.trading.service.pending_orders(live) == []
    assert [o.ord_id for o in rt.trading.service.pending_orders(demo)] == [placed.ord_id]
    assert balance(rt, live, "USDT") == (Decimal(0), Decimal(0))


async def test_a_halted_instrument_refuses_new_orders_but_lets_resting_ones_cancel(rt: Runtime) -> None:
    from sandex.domain.instruments import InstrumentState
    from sandex.domain.trading.commands import AmendSpec, CancelSpec

    alice = trader_for(rt, "alice@example.test")
    await fund(rt, alice, "USDT", "1000")
    resting = await place_one(rt, alice, limit(Side.BUY, "100", "1"))
    rt.trading.core.set_instrument_state(BTC, InstrumentState.SUSPEND)
    refused = await place_one(rt, alice, limit(Side.BUY, "100", "1"))
    assert refused.rejected == Rejected(Reason.INSTRUMENT_SUSPENDED)
    amend = await rt.trading.service.amend(alice, [AmendSpec(BTC, ord_id=int(resting.ord_id), new_px=D(99))])
    assert not isinstance(amend, Rejected) and amend[0].rejected == Rejected(Reason.INSTRUMENT_SUSPENDED)
    eth = await place_one(rt, alice, limit(Side.BUY, "10", "1", inst_id="ETH-USDT"))
    assert eth.ok  # other instruments trade on
    canceled = await rt.trading.service.cancel(alice, [CancelSpec(BTC, ord_id=int(resting.ord_id))])
    assert not isinstance(canceled, Rejected) and canceled[0].ok
    rt.trading.core.set_instrument_state(BTC, InstrumentState.LIVE)
    assert (await place_one(rt, alice, limit(Side.BUY, "100", "1"))).ok
