"""Placing, crossing, cancelling and amending through the trading service, read back as a user reads."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.matching.order import CancelCause, OrdState, OrdType, Side, TgtCcy
from sandex.services.exchange.commands import OrderAck
from sandex.services.exchange.records import ExecType
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import OrderView, Trader
from sandex.testing.clock import ManualClock

D = Decimal
pytestmark = pytest.mark.usefixtures("funded")


def ok(answer: list[OrderAck] | Rejected) -> list[OrderAck]:
    assert isinstance(answer, list) and all(a.ok for a in answer), answer
    return answer


def view(answer: OrderView | Rejected) -> OrderView:
    assert isinstance(answer, OrderView), answer
    return answer


async def test_a_placed_order_reads_back_by_id_and_by_client_id(
    trading: TradingService, alice: Trader, req, clock: ManualClock
) -> None:
    [ack] = ok(
        await trading.place(alice, [req.limit("BTC-USDT", "sell", "120", "1.5", cl_ord_id="a1", tag="x")])
    )
    by_id = view(trading.get_order(alice, "BTC-USDT", ord_id=ack.ord_id))
    assert by_id == view(trading.get_order(alice, "BTC-USDT", cl_ord_id="a1"))
    assert (by_id.ord_id, by_id.cl_ord_id, by_id.tag, by_id.side) == (ack.ord_id, "a1", "x", Side.SELL)
    assert (by_id.px, by_id.sz, by_id.acc_fill_sz, by_id.avg_px, by_id.fee) == (D(120), D("1.5"), 0, None, 0)
    assert (by_id.state, by_id.fee_ccy, by_id.c_time, by_id.td_mode) == (
        OrdState.LIVE,
        "USDT",
        clock.now_ms(),
        "cash",
    )
    assert by_id.tgt_ccy is None and by_id.last_fill is None


async def test_get_order_refuses_unknown_instruments_orders_and_missing_ids(
    trading: TradingService, alice: Trader, bob: Trader, req
) -> None:
    [ack] = ok(await trading.place(alice, [req.limit("BTC-USDT", "sell", "120", "1")]))
    assert trading.get_order(alice, "NOPE-USDT", ord_id=ack.ord_id) == Rejected(Reason.INSTRUMENT_NOT_FOUND)
    assert trading.get_order(bob, "BTC-USDT", ord_id=ack.ord_id) == Rejected(Reason.ORDER_NOT_FOUND)
    assert trading.get_order(alice, "ETH-USDT", ord_id=ack.ord_id) == Rejected(Reason.ORDER_NOT_FOUND)
    missing = trading.get_order(alice, "BTC-USDT")
    assert isinstance(missing, Rejected) and missing.reason is Reason.EITHER_PARAM_REQUIRED


async def test_a_cross_fills_both_orders_and_moves_money_minus_fees(
    trading: TradingService, alice: Trader, bob: Trader, req
) -> None:
    [sell] = ok(await trading.place(alice, [req.limit("BTC-USDT", "sell", "100", "2")]))
    [buy] = ok(await trading.place(bob, [req.limit("BTC-USDT", "buy", "100", "2")]))
    sold, bought = (
        view(trading.get_order(alice, "BTC-USDT", ord_id=sell.ord_id)),
        view(trading.get_order(bob, "BTC-USDT", ord_id=buy.ord_id)),
    )
    assert (sold.state, sold.acc_fill_sz, sold.avg_px, sold.fee, sold.fee_ccy) == (
        OrdState.FILLED,
        D(2),
        D(100),
        D("-0.16"),  # maker 0.08 % of 200 USDT
        "USDT",
    )
    assert (bought.state, bought.fee, bought.fee_ccy) == (OrdState.FILLED, D("-0.002"), "BTC")  # taker 0.1 %
    assert sold.last_fill is not None and (sold.last_fill.px, sold.last_fill.sz) == (D(100), D(2))
    alice_bal = {b.ccy: b.available for b in trading.balances(alice).details}
    bob_bal = {b.ccy: b.available for b in trading.balances(bob).details}
    assert alice_bal == {"BTC": D(8), "USDT": D("199.84")}
    assert bob_bal == {"BTC": D("1.998"), "USDT": D(9800)}


async def test_a_partial_fill_leaves_the_rest_pending_with_its_average_price(
    trading: TradingService, alice: Trader, bob: Trader, req
) -> None:
    ok(
        await trading.place(
            alice, [req.limit("BTC-USDT", "sell", "100", "1"), req.limit("BTC-USDT", "sell", "101", "1")]
        )
    )
    [buy] = ok(await trading.place(bob, [req.limit("BTC-USDT", "buy", "101", "1.5")]))
    bought = view(trading.get_order(bob, "BTC-USDT", ord_id=buy.ord_id))
    assert (bought.state, bought.acc_fill_sz, bought.avg_px) == (
        OrdState.FILLED,
        D("1.5"),
        D("100.333333333"),
    )  # 1 tick decimal + 8 more
    [rest] = trading.pending_orders(alice)
    assert (rest.px, rest.state, rest.acc_fill_sz) == (D(101), OrdState.PARTIALLY_FILLED, D("0.5"))


async def test_a_market_buy_spends_quote_by_default_and_the_unspent_part_comes_back(
    trading: TradingService, alice: Trader, bob: Trader, req
) -> None:
    ok(await trading.place(alice, [req.limit("BTC-USDT", "sell", "100", "1")]))
    [buy] = ok(await trading.place(bob, [req.market("BTC-USDT", "buy", "250")]))  # 250 USDT, only 100 to buy
    bought = view(trading.get_order(bob, "BTC-USDT", ord_id=buy.ord_id))
    assert (bought.ord_type, bought.tgt_ccy, bought.sz, bought.px) == (
        OrdType.MARKET,
        TgtCcy.QUOTE_CCY,
        D(250),
        None,
    )
    assert (bought.state, bought.cancel_cause, bought.acc_fill_sz) == (
        OrdState.CANCELED,
        CancelCause.MARKET_UNFILLED,
        D(1),
    )
    assert {b.ccy: (b.available, b.frozen) for b in trading.balances(bob).details}["USDT"] == (D(9900), 0)


async def test_a_market_sell_in_base_currency_fills_at_the_best_bids(
    trading: TradingService, alice: Trader, bob: Trader, req
) -> None:
    ok(
        await trading.place(
            bob, [req.limit("BTC-USDT", "buy", "99", "1"), req.limit("BTC-USDT", "buy", "98", "1")]
        )
    )
    [sell] = ok(await trading.place(alice, [req.market("BTC-USDT", "sell", "1.5")]))
    sold = view(trading.get_order(alice, "BTC-USDT", ord_id=sell.ord_id))
    assert (sold.state, sold.acc_fill_sz, sold.avg_px) == (OrdState.FILLED, D("1.5"), D("98.666666667"))


async def test_a_post_only_order_that_would_take_is_refused_at_once(
    trading: TradingService, alice: Trader, bob: Trader, req
) -> None:
    ok(await trading.place(alice, [req.limit("BTC-USDT", "sell", "100", "1")]))
    [ack] = ok(await trading.place(bob, [req.limit("BTC-USDT", "buy", "100", "1", ord_type="post_only")]))
    order = view(trading.get_order(bob, "BTC-USDT", ord_id=ack.ord_id))
    assert order.state is OrdState.CANCELED and order.acc_fill_sz == 0
    assert trading.balances(bob).details[0].available == D(10000)  # nothing stays frozen


async def test_self_trade_prevention_cancels_the_resting_order_by_default(
    trading: TradingService, alice: Trader, req
) -> None:
    await trading.deposit(alice.user_id, alice.environment, "USDT", D(1000))
    [maker] = ok(await trading.place(alice, [req.limit("BTC-USDT", "sell", "100", "1")]))
    [taker] = ok(await trading.place(alice, [req.limit("BTC-USDT", "buy", "100", "1")]))
    canceled = view(trading.get_order(alice, "BTC-USDT", ord_id=maker.ord_id))
    assert (canceled.state, canceled.cancel_cause) == (OrdState.CANCELED, CancelCause.SELF_TRADE)
    assert view(trading.get_order(alice, "BTC-USDT", ord_id=taker.ord_id)).state is OrdState.LIVE
    assert trading.fills(alice) == []


async def test_cancel_unfreezes_and_moves_the_order_to_history(
    trading: TradingService, alice: Trader, req
) -> None:
    [ack] = ok(await trading.place(alice, [req.limit("BTC-USDT", "sell", "120", "3")]))
    assert {b.ccy: b.frozen for b in trading.balances(alice).details} == {"BTC": D(3)}
    [done] = ok(await trading.cancel(alice, [req.cancel("BTC-USDT", ack.ord_id)]))
    assert done.ord_id == ack.ord_id
    assert trading.pending_orders(alice) == []
    [gone] = trading.order_history(alice)
    assert (gone.ord_id, gone.state, gone.cancel_cause) == (ack.ord_id, OrdState.CANCELED, CancelCause.USER)
    assert {b.ccy: (b.available, b.frozen) for b in trading.balances(alice).details} == {"BTC": (D(10), 0)}


async def test_cancelling_twice_fails_the_second_time_without_changing_anything(
    trading: TradingService, alice: Trader, req
) -> None:
    [ack] = ok(await trading.place(alice, [req.limit("BTC-USDT", "sell", "120", "3")]))
    ok(await trading.cancel(alice, [req.cancel("BTC-USDT", ack.ord_id)]))
    answer = await trading.cancel(alice, [req.cancel("BTC-USDT", ack.ord_id)])
    assert isinstance(answer, list) and answer[0].rejected is not None
    assert len(trading.order_history(alice)) == 1


async def test_amend_changes_price_and_size_and_keeps_the_order_id(
    trading: TradingService, alice: Trader, req
) -> None:
    [ack] = ok(await trading.place(alice, [req.limit("BTC-USDT", "sell", "120", "3")]))
    [amended] = ok(await trading.amend(alice, [req.amend("BTC-USDT", ack.ord_id, new_px="130", new_sz="4")]))
    assert amended.ord_id == ack.ord_id
    order = view(trading.get_order(alice, "BTC-USDT", ord_id=ack.ord_id))
    assert (order.px, order.sz, order.state) == (D(130), D(4), OrdState.LIVE)
    assert {b.ccy: b.frozen for b in trading.balances(alice).details} == {"BTC": D(4)}


async def test_an_amend_beyond_the_balance_fails_and_cancels_only_when_asked(
    trading: TradingService, alice: Trader, req
) -> None:
    [keep, drop] = ok(
        await trading.place(
            alice, [req.limit("BTC-USDT", "sell", "120", "1"), req.limit("BTC-USDT", "sell", "121", "1")]
        )
    )
    answer = await trading.amend(
        alice,
        [
            req.amend("BTC-USDT", keep.ord_id, new_sz="50"),
            req.amend("BTC-USDT", drop.ord_id, new_sz="50", cxl_on_fail=True),
        ],
    )
    assert isinstance(answer, list) and [a.ok for a in answer] == [False, False]
    assert view(trading.get_order(alice, "BTC-USDT", ord_id=keep.ord_id)).state is OrdState.LIVE
    assert view(trading.get_order(alice, "BTC-USDT", ord_id=drop.ord_id)).state is OrdState.CANCELED


async def test_batches_must_hold_one_to_twenty_items(trading: TradingService, alice: Trader, req) -> None:
    assert await trading.place(alice, []) == Rejected(Reason.BODY_EMPTY)
    many = [req.limit("BTC-USDT", "sell", "120", "0.1")] * 21
    assert await trading.place(alice, many) == Rejected.of(Reason.BATCH_TOO_LARGE, limit="20")
    assert await trading.cancel(alice, []) == Rejected(Reason.BODY_EMPTY)
    assert await trading.amend(alice, []) == Rejected(Reason.BODY_EMPTY)
    assert trading.pending_orders(alice) == []


async def test_each_item_of_a_batch_gets_its_own_answer(trading: TradingService, alice: Trader, req) -> None:
    answer = await trading.place(
        alice,
        [
            req.limit("BTC-USDT", "sell", "120", "1"),
            req.limit("BTC-USDT", "sell", "120.05", "1"),  # off the 0.1 tick
            req.limit("NOPE-USDT", "sell", "1", "1"),
            req.limit("BTC-USDT", "sell", "120", "100"),  # more than alice has
        ],
    )
    assert isinstance(answer, list)
    assert [a.rejected.reason if a.rejected else None for a in answer] == [
        None,
        Reason.TICK_SIZE,
        Reason.INSTRUMENT_NOT_FOUND,
        Reason.INSUFFICIENT_BALANCE,
    ]
    assert len(trading.pending_orders(alice)) == 1


async def test_pending_orders_are_newest_first_and_page_by_order_id(
    trading: TradingService, alice: Trader, req
) -> None:
    acks = ok(
        await trading.place(alice, [req.limit("BTC-USDT", "sell", str(110 + i), "0.1") for i in range(5)])
    )
    ids = [a.ord_id for a in acks]
    assert [o.ord_id for o in trading.pending_orders(alice)] == ids[::-1]
    assert [o.ord_id for o in trading.pending_orders(alice, after=ids[3], limit=2)] == [ids[2], ids[1]]
    assert [o.ord_id for o in trading.pending_orders(alice, before=ids[1], limit=2)] == [ids[3], ids[2]]
    assert [o.ord_id for o in trading.pending_orders(alice, inst_id="ETH-USDT")] == []


async def test_an_order_canceled_without_fills_leaves_the_history_after_two_hours(
    trading: TradingService, alice: Trader, bob: Trader, req, clock: ManualClock
) -> None:
    [unfilled, partly] = ok(
        await trading.place(
            alice, [req.limit("BTC-USDT", "sell", "120", "1"), req.limit("BTC-USDT", "sell", "100", "1")]
        )
    )
    ok(await trading.place(bob, [req.limit("BTC-USDT", "buy", "100", "0.5")]))
    ok(
        await trading.cancel(
            alice, [req.cancel("BTC-USDT", unfilled.ord_id), req.cancel("BTC-USDT", partly.ord_id)]
        )
    )
    assert {o.ord_id for o in trading.order_history(alice)} == {unfilled.ord_id, partly.ord_id}
    clock.advance(ms=2 * 3_600_000 + 1)
    assert [o.ord_id for o in trading.order_history(alice)] == [partly.ord_id]
    clock.advance(days=7)
    assert trading.order_history(alice) == []  # 7 days
    assert [o.ord_id for o in trading.order_history(alice, archive=True)] == [partly.ord_id]  # 3 months


async def test_the_demo_environment_is_a_separate_account(
    trading: TradingService, alice: Trader, req
) -> None:
    demo = Trader(alice.user_id, Environment.DEMO)
    assert trading.balances(demo).details == []
    answer = await trading.place(demo, [req.limit("BTC-USDT", "sell", "120", "1")])
    assert isinstance(answer, list) and answer[0].rejected is not None
    assert answer[0].rejected.reason is Reason.INSUFFICIENT_BALANCE


async def test_fills_show_both_sides_with_their_fees_newest_first(
    trading: TradingService, alice: Trader, bob: Trader, req, clock: ManualClock
) -> None:
    ok(await trading.place(alice, [req.limit("BTC-USDT", "sell", "100", "1", cl_ord_id="s")]))
    ok(await trading.place(bob, [req.limit("BTC-USDT", "buy", "100", "0.5")]))
    clock.advance(ms=1)
    ok(await trading.place(bob, [req.limit("BTC-USDT", "buy", "100", "0.5")]))
    first, second = trading.fills(alice)[::-1]
    assert (first.exec_type, first.side, first.sz, first.fee, first.fee_rate) == (
        ExecType.MAKER,
        Side.SELL,
        D("0.5"),
        D("-0.04"),
        D("-0.0008"),
    )
    assert (
        first.cl_ord_id == "s"
        and int(second.bill_id) > int(first.bill_id)
        and second.trade_id != first.trade_id
    )
    [bob_last, _] = trading.fills(bob)
    assert (bob_last.exec_type, bob_last.fee_ccy, bob_last.trade_id) == (
        ExecType.TAKER,
        "BTC",
        second.trade_id,
    )
    assert trading.fills(alice, ord_id=first.ord_id, limit=1) == [second]
    clock.advance(days=3, ms=1)
    assert trading.fills(alice) == [] and len(trading.fills(alice, history=True)) == 2


async def test_an_ioc_order_keeps_what_filled_and_cancels_the_rest(
    trading: TradingService, alice: Trader, bob: Trader, req
) -> None:
    ok(await trading.place(alice, [req.limit("BTC-USDT", "sell", "100", "1")]))
    [ack] = ok(await trading.place(bob, [req.limit("BTC-USDT", "buy", "100", "3", ord_type="ioc")]))
    order = view(trading.get_order(bob, "BTC-USDT", ord_id=ack.ord_id))
    assert (order.state, order.acc_fill_sz, order.cancel_cause) == (
        OrdState.CANCELED,
        D(1),
        CancelCause.IOC_UNFILLED,
    )
    assert trading.pending_orders(bob) == []
    assert {b.ccy: b.frozen for b in trading.balances(bob).details} == {"BTC": 0, "USDT": 0}


async def test_a_fok_order_that_cannot_fill_completely_trades_nothing(
    trading: TradingService, alice: Trader, bob: Trader, req
) -> None:
    ok(await trading.place(alice, [req.limit("BTC-USDT", "sell", "100", "1")]))
    [ack] = ok(await trading.place(bob, [req.limit("BTC-USDT", "buy", "100", "3", ord_type="fok")]))
    order = view(trading.get_order(bob, "BTC-USDT", ord_id=ack.ord_id))  # accepted, then canceled
    assert (order.state, order.cancel_cause, order.acc_fill_sz) == (
        OrdState.CANCELED,
        CancelCause.FOK_UNFILLABLE,
        0,
    )
    assert trading.fills(bob) == [] and len(trading.pending_orders(alice)) == 1


async def test_an_order_is_amended_and_canceled_by_its_client_id(
    trading: TradingService, alice: Trader, req
) -> None:
    [ack] = ok(await trading.place(alice, [req.limit("BTC-USDT", "sell", "120", "1", cl_ord_id="mine")]))
    [amended] = ok(await trading.amend(alice, [req.amend("BTC-USDT", cl_ord_id="mine", new_px="125")]))
    assert (amended.ord_id, amended.cl_ord_id) == (ack.ord_id, "mine")
    assert view(trading.get_order(alice, "BTC-USDT", cl_ord_id="mine")).px == D(125)
    ok(await trading.cancel(alice, [req.cancel("BTC-USDT", cl_ord_id="mine")]))
    assert view(trading.get_order(alice, "BTC-USDT", cl_ord_id="mine")).state is OrdState.CANCELED
