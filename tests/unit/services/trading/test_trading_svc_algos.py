"""Algo orders through the trading service: placed, read back, fired by trades, canceled, amended.

BTC-USDT here: tick 0.1, lot 0.01, nothing traded yet (the last price is the reference, 100).
alice holds 10 BTC, bob 10,000 USDT; carol (another user) sells to move the price.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.matching.order import OrdState, OrdType, Side
from sandex.domain.trading.algos import (
    MARKET_PX,
    AlgoAmendSpec,
    AlgoCancelSpec,
    AlgoOrdType,
    AlgoSpec,
    AlgoState,
    AttachedAlgo,
    TriggerSide,
)
from sandex.services.exchange.commands import AlgoAck, DepositView, OrderAck
from sandex.services.exchange.records import AlgoRecord
from sandex.services.exchange.store import AlgoQuery
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import OrderView, Trader

D = Decimal
pytestmark = pytest.mark.usefixtures("funded")
STOPS = frozenset({AlgoOrdType.CONDITIONAL, AlgoOrdType.OCO})
CAROL = Trader(13, Environment.LIVE)


def acked(answer: list[AlgoAck] | Rejected) -> list[AlgoAck]:
    assert isinstance(answer, list), answer
    return answer


def ok(answer: list[AlgoAck] | Rejected) -> list[AlgoAck]:
    assert all(a.ok for a in acked(answer)), answer
    return acked(answer)


def placed(answer: list[OrderAck] | Rejected) -> list[OrderAck]:
    assert isinstance(answer, list) and all(a.ok for a in answer), answer
    return answer


def algo(answer: AlgoRecord | Rejected) -> AlgoRecord:
    assert isinstance(answer, AlgoRecord), answer
    return answer


def stop_loss(sz: str = "1", trigger: str = "90", **fields: object) -> AlgoSpec:
    """freqtrade's `stoploss_on_exchange` request: a market sell when the last price falls to it."""
    return AlgoSpec(
        "BTC-USDT",
        AlgoOrdType.CONDITIONAL,
        Side.SELL,
        D(sz),
        sl_trigger_px=D(trigger),
        sl_ord_px=MARKET_PX,
        **fields,
    )  # type: ignore[arg-type]


@pytest.fixture
async def carol(trading: TradingService) -> Trader:
    done = await trading.deposit(CAROL.user_id, CAROL.environment, "BTC", D(10))
    assert isinstance(done, DepositView)
    return CAROL


async def trade_at(
    trading: TradingService, buyer: Trader, seller: Trader, req, px: str, sz: str = "0.1"
) -> None:
    """One trade at `px`: the buyer's bid, hit by the seller."""
    placed(await trading.place(buyer, [req.limit("BTC-USDT", "buy", px, sz)]))
    placed(await trading.place(seller, [req.limit("BTC-USDT", "sell", px, sz)]))


async def test_a_stop_loss_fires_once_when_the_last_price_falls_to_it_and_its_order_reads_back(
    trading: TradingService, alice: Trader, bob: Trader, carol: Trader, req
) -> None:
    [ack] = ok(await trading.place_algos(alice, [stop_loss(algo_cl_ord_id="ft1")]))
    live = algo(trading.get_algo(alice, int(ack.algo_id), ""))
    assert (live.state, live.sz, live.sl_trigger_px, live.sl_ord_px, live.last_px) == (
        AlgoState.LIVE,
        D(1),
        D(90),
        MARKET_PX,
        D(100),
    )
    assert algo(trading.get_algo(alice, None, "ft1")) == live
    placed(await trading.place(bob, [req.limit("BTC-USDT", "buy", "85", "5")]))  # where the stop will sell
    await trade_at(trading, bob, carol, req, "95")
    assert algo(trading.get_algo(alice, int(ack.algo_id), "")).state is AlgoState.LIVE
    await trade_at(trading, bob, carol, req, "90")
    fired = algo(trading.get_algo(alice, int(ack.algo_id), ""))
    assert (fired.state, fired.actual_side, fired.actual_sz, fired.actual_px) == (
        AlgoState.EFFECTIVE,
        TriggerSide.SL,
        D(1),
        MARKET_PX,
    )
    assert fired.ord_id is not None and fired.trigger_time is not None
    order = trading.get_order(alice, "BTC-USDT", ord_id=str(fired.ord_id))
    assert isinstance(order, OrderView)
    assert (order.algo_id, order.algo_cl_ord_id, order.source) == (ack.algo_id, "ft1", "7")
    assert (order.ord_type, order.side, order.state, order.acc_fill_sz) == (
        OrdType.MARKET,
        Side.SELL,
        OrdState.FILLED,
        D(1),
    )
    await trade_at(trading, bob, carol, req, "80")  # further falls fire nothing more
    assert [o.ord_id for o in trading.order_history(alice)] == [order.ord_id]
    assert trading.pending_algos(alice, AlgoQuery(STOPS, frozenset())) == []
    assert trading.algo_history(alice, AlgoQuery(STOPS, frozenset())) == [fired]


async def test_a_stop_whose_order_is_refused_ends_order_failed_with_the_reason(
    trading: TradingService, alice: Trader, bob: Trader, carol: Trader, req
) -> None:
    [ack] = ok(await trading.place_algos(alice, [stop_loss(sz="20")]))  # alice holds only 10 BTC
    placed(await trading.place(bob, [req.limit("BTC-USDT", "buy", "80", "30")]))
    await trade_at(trading, bob, carol, req, "90")
    failed = algo(trading.get_algo(alice, int(ack.algo_id), ""))
    assert (failed.state, failed.fail_code, failed.ord_id) == (
        AlgoState.ORDER_FAILED,
        Reason.INSUFFICIENT_BALANCE.value,  # OKX failCode 51008 on the wire
        None,
    )


async def test_a_trigger_order_places_what_the_balance_allows(
    trading: TradingService, alice: Trader, bob: Trader, carol: Trader, req
) -> None:
    spec = AlgoSpec("BTC-USDT", AlgoOrdType.TRIGGER, Side.SELL, D(20), trigger_px=D(110), ord_px=D(110))
    [ack] = ok(await trading.place_algos(alice, [spec]))
    await trade_at(trading, bob, carol, req, "110")
    fired = algo(trading.get_algo(alice, int(ack.algo_id), ""))
    assert (fired.state, fired.actual_sz, fired.actual_px) == (AlgoState.EFFECTIVE, D(10), D(110))
    order = trading.get_order(alice, "BTC-USDT", ord_id=str(fired.ord_id))
    assert isinstance(order, OrderView)
    assert (order.source, order.sz, order.px, order.state) == ("6", D(10), D(110), OrdState.LIVE)


async def test_an_oco_fires_the_leg_reached_first(
    trading: TradingService, alice: Trader, bob: Trader, carol: Trader, req
) -> None:
    spec = AlgoSpec(
        "BTC-USDT",
        AlgoOrdType.OCO,
        Side.SELL,
        D(1),
        tp_trigger_px=D(120),
        tp_ord_px=D(125),
        sl_trigger_px=D(80),
        sl_ord_px=MARKET_PX,
    )
    [ack] = ok(await trading.place_algos(alice, [spec]))
    await trade_at(trading, bob, carol, req, "121")
    fired = algo(trading.get_algo(alice, int(ack.algo_id), ""))
    assert (fired.state, fired.actual_side, fired.actual_px) == (AlgoState.EFFECTIVE, TriggerSide.TP, D(125))


async def test_a_trailing_stop_follows_the_high_and_sells_on_the_pullback(
    trading: TradingService, alice: Trader, bob: Trader, carol: Trader, req
) -> None:
    spec = AlgoSpec("BTC-USDT", AlgoOrdType.MOVE_ORDER_STOP, Side.SELL, D(1), callback_spread=D(5))
    [ack] = ok(await trading.place_algos(alice, [spec]))
    placed(await trading.place(bob, [req.limit("BTC-USDT", "buy", "50", "5")]))
    await trade_at(trading, bob, carol, req, "110")
    tracking = algo(trading.get_algo(alice, int(ack.algo_id), ""))
    assert (tracking.state, tracking.extreme_px, tracking.move_trigger_px) == (AlgoState.LIVE, D(110), D(105))
    await trade_at(trading, bob, carol, req, "106")
    assert algo(trading.get_algo(alice, int(ack.algo_id), "")).state is AlgoState.LIVE
    await trade_at(trading, bob, carol, req, "105")
    fired = algo(trading.get_algo(alice, int(ack.algo_id), ""))
    assert fired.state is AlgoState.EFFECTIVE
    order = trading.get_order(alice, "BTC-USDT", ord_id=str(fired.ord_id))
    assert isinstance(order, OrderView) and order.source == "25" and order.ord_type is OrdType.MARKET


async def test_placement_refusals_are_per_item_with_okx_reasons(
    trading: TradingService, alice: Trader
) -> None:
    answer = acked(
        await trading.place_algos(
            alice,
            [
                stop_loss(algo_cl_ord_id="same"),
                stop_loss(algo_cl_ord_id="same"),
                stop_loss(trigger="101"),
                stop_loss(sl_trigger_px_type="index"),
                AlgoSpec("NOPE-USDT", AlgoOrdType.CONDITIONAL, Side.SELL, D(1)),
            ],
        )
    )
    assert [a.rejected for a in answer] == [
        None,
        Rejected(Reason.ALGO_CLORDID_EXISTS),
        Rejected(Reason.SL_ABOVE_LAST),
        Rejected(Reason.SPOT_TRIGGER_LAST_ONLY),
        Rejected(Reason.INSTRUMENT_NOT_FOUND),
    ]
    assert [a.algo_id == "" for a in answer] == [False, True, True, True, True]


async def test_stops_are_limited_per_instrument(trading: TradingService, alice: Trader, monkeypatch) -> None:
    monkeypatch.setattr(
        "sandex.services.exchange.algo_runner._LIMITS",
        {
            AlgoOrdType.CONDITIONAL: (2, Reason.STOP_ORDERS_LIMIT),
            AlgoOrdType.OCO: (2, Reason.STOP_ORDERS_LIMIT),
            AlgoOrdType.TRIGGER: (2, Reason.TRIGGER_ORDERS_LIMIT),
            AlgoOrdType.MOVE_ORDER_STOP: (2, Reason.TRAILING_ORDERS_LIMIT),
        },
    )
    answer = acked(await trading.place_algos(alice, [stop_loss(), stop_loss(), stop_loss()]))
    assert [a.rejected for a in answer] == [None, None, Rejected.of(Reason.STOP_ORDERS_LIMIT, limit="2")]


async def test_cancel_algos_takes_every_kind_the_advance_endpoint_only_trailing_stops(
    trading: TradingService, alice: Trader
) -> None:
    trail = AlgoSpec("BTC-USDT", AlgoOrdType.MOVE_ORDER_STOP, Side.SELL, D(1), callback_ratio=D("0.01"))
    trail_2 = AlgoSpec("BTC-USDT", AlgoOrdType.MOVE_ORDER_STOP, Side.SELL, D(1), callback_ratio=D("0.02"))
    placed = ok(await trading.place_algos(alice, [stop_loss(algo_cl_ord_id="s1"), trail, trail_2]))
    stop, trailing, trailing_2 = placed
    wrong = acked(
        await trading.cancel_algos(alice, [AlgoCancelSpec("BTC-USDT", int(stop.algo_id))], advance=True)
    )
    assert wrong[0].rejected == Rejected(Reason.CANCEL_FAILED)
    ok(await trading.cancel_algos(alice, [AlgoCancelSpec("BTC-USDT", int(trailing.algo_id))], advance=True))
    ok(await trading.cancel_algos(alice, [AlgoCancelSpec("BTC-USDT", int(trailing_2.algo_id))]))
    ok(await trading.cancel_algos(alice, [AlgoCancelSpec("BTC-USDT", algo_cl_ord_id="s1")]))
    again = acked(await trading.cancel_algos(alice, [AlgoCancelSpec("BTC-USDT", int(stop.algo_id))]))
    assert again[0].rejected == Rejected(Reason.CANCEL_FAILED)
    assert {a.state for a in trading.algo_history(alice, AlgoQuery(frozenset(AlgoOrdType), frozenset()))} == {
        AlgoState.CANCELED
    }
    # the client id is free again once its algo order is no longer live
    ok(await trading.place_algos(alice, [stop_loss(algo_cl_ord_id="s1")]))


async def test_amend_moves_a_stop_and_deleting_its_only_leg_is_refused(
    trading: TradingService, alice: Trader
) -> None:
    [ack] = ok(await trading.place_algos(alice, [stop_loss()]))
    algo_id = int(ack.algo_id)
    [done] = acked(
        await trading.amend_algos(
            alice, [AlgoAmendSpec("BTC-USDT", algo_id, new_sz=D(2), new_sl_trigger_px=D(95), req_id="r1")]
        )
    )
    assert (done.ok, done.req_id) == (True, "r1")
    now = algo(trading.get_algo(alice, algo_id, ""))
    assert (now.sz, now.sl_trigger_px, now.sl_ord_px) == (D(2), D(95), MARKET_PX)
    [above] = acked(
        await trading.amend_algos(alice, [AlgoAmendSpec("BTC-USDT", algo_id, new_sl_trigger_px=D(101))])
    )
    assert above.rejected == Rejected(Reason.SL_ABOVE_LAST)
    [gone] = acked(
        await trading.amend_algos(alice, [AlgoAmendSpec("BTC-USDT", algo_id, new_sl_trigger_px=D(0))])
    )
    assert gone.rejected == Rejected(Reason.ALGO_NEEDS_TP_OR_SL)
    [failed] = acked(
        await trading.amend_algos(
            alice, [AlgoAmendSpec("BTC-USDT", algo_id, new_sl_trigger_px=D(101), cxl_on_fail=True)]
        )
    )
    assert failed.rejected == Rejected(Reason.SL_ABOVE_LAST)
    assert algo(trading.get_algo(alice, algo_id, "")).state is AlgoState.CANCELED
    [unknown] = acked(await trading.amend_algos(alice, [AlgoAmendSpec("BTC-USDT", algo_id, new_sz=D(1))]))
    assert unknown.rejected == Rejected(Reason.ALGO_AMEND_NOT_FOUND)


async def test_attached_tp_sl_become_an_oco_once_the_order_is_fully_filled(
    trading: TradingService, alice: Trader, bob: Trader, carol: Trader, req
) -> None:
    tp_sl = AttachedAlgo("ts1", D(130), MARKET_PX, sl_trigger_px=D(80), sl_ord_px=MARKET_PX)
    [buy] = placed(
        await trading.place(bob, [req.limit("BTC-USDT", "buy", "100", "2", attach_algo_ords=(tp_sl,))])
    )
    everything = AlgoQuery(frozenset(AlgoOrdType), frozenset())
    assert trading.pending_algos(bob, everything) == []  # not before the order filled
    placed(await trading.place(carol, [req.limit("BTC-USDT", "sell", "100", "1")]))
    assert trading.pending_algos(bob, everything) == []  # partly filled: still waiting
    placed(await trading.place(carol, [req.limit("BTC-USDT", "sell", "100", "1")]))
    [made] = trading.pending_algos(bob, everything)
    order = trading.get_order(bob, "BTC-USDT", ord_id=buy.ord_id)
    assert isinstance(order, OrderView)
    assert [(a.attach_algo_id, a.attach_algo_cl_ord_id, a.sl_trigger_px) for a in order.attached] == [
        (str(made.algo_id), "ts1", D(80))
    ]
    [listed] = trading.order_history(bob)
    assert listed.attached == order.attached
    assert (made.ord_type, made.side, made.sz, made.algo_cl_ord_id, made.parent_ord_id) == (
        AlgoOrdType.OCO,
        Side.SELL,
        D(2),
        "ts1",
        int(buy.ord_id),
    )


async def test_a_canceled_order_makes_no_attached_algo(trading: TradingService, bob: Trader, req) -> None:
    sl = AttachedAlgo("s9", sl_trigger_px=D(80), sl_ord_px=MARKET_PX)
    [buy] = placed(
        await trading.place(bob, [req.limit("BTC-USDT", "buy", "90", "1", attach_algo_ords=(sl,))])
    )
    placed(await trading.cancel(bob, [req.cancel("BTC-USDT", buy.ord_id)]))
    everything = AlgoQuery(frozenset(AlgoOrdType), frozenset())
    assert trading.pending_algos(bob, everything) == [] and trading.algo_history(bob, everything) == []
    [bad] = acked(
        await trading.place(
            bob,
            [
                req.limit(
                    "BTC-USDT",
                    "buy",
                    "90",
                    "1",
                    attach_algo_ords=(AttachedAlgo(sl_trigger_px=D(95), sl_ord_px=MARKET_PX),),
                )
            ],
        )
    )
    assert bad.rejected == Rejected(Reason.ATTACHED_SL_ABOVE_PX)


async def test_the_algo_history_keeps_three_months_of_the_sandbox_clock(
    trading: TradingService, alice: Trader, clock
) -> None:
    [ack] = ok(await trading.place_algos(alice, [stop_loss()]))
    ok(await trading.cancel_algos(alice, [AlgoCancelSpec("BTC-USDT", int(ack.algo_id))]))
    everything = AlgoQuery(frozenset(AlgoOrdType), frozenset())
    clock.advance(days=90)
    assert [a.algo_id for a in trading.algo_history(alice, everything)] == [int(ack.algo_id)]
    clock.advance(ms=1)
    assert trading.algo_history(alice, everything) == []
    assert algo(trading.get_algo(alice, int(ack.algo_id), "")).state is AlgoState.CANCELED  # still stored
