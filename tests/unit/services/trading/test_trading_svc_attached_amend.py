"""An order's attached TP/SL (`attachAlgoOrds`): carried on every step of the order the WS `orders`
channel pushes, and amended with the order while they wait (`amend-order`'s `attachAlgoOrds`).

BTC-USDT: tick 0.1, lot 0.01, nothing traded (the last price is the reference, 100). bob holds
10,000 USDT and buys at 100 with a TP at 130 and an SL at 80; carol sells into his order.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.matching.order import OrdState
from sandex.domain.trading.algos import MARKET_PX, AlgoOrdType, AttachedAlgo, AttachedAmend
from sandex.domain.trading.commands import AmendSpec
from sandex.services.exchange.commands import DepositView, OrderAck
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.store import AlgoQuery
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import AttachedAlgoView, OrderView, Trader

D = Decimal
pytestmark = pytest.mark.usefixtures("funded")
CAROL = Trader(13, Environment.LIVE)
EVERYTHING = AlgoQuery(frozenset(AlgoOrdType), frozenset())
TP_SL = AttachedAlgo("ts1", D(130), MARKET_PX, sl_trigger_px=D(80), sl_ord_px=MARKET_PX)


def placed(answer: list[OrderAck] | Rejected) -> list[OrderAck]:
    assert isinstance(answer, list) and all(a.ok for a in answer), answer
    return answer


def one(answer: list[OrderAck] | Rejected) -> OrderAck:
    assert isinstance(answer, list) and len(answer) == 1, answer
    return answer[0]


def view(answer: OrderView | Rejected) -> OrderView:
    assert isinstance(answer, OrderView), answer
    return answer


@pytest.fixture
async def carol(trading: TradingService) -> Trader:
    done = await trading.deposit(CAROL.user_id, CAROL.environment, "BTC", D(10))
    assert isinstance(done, DepositView)
    return CAROL


async def buy_with_tp_sl(trading: TradingService, bob: Trader, req, sz: str = "2") -> str:
    [ack] = placed(
        await trading.place(bob, [req.limit("BTC-USDT", "buy", "100", sz, attach_algo_ords=(TP_SL,))])
    )
    return ack.ord_id


def amend(ord_id: str, *items: AttachedAmend, **fields: object) -> AmendSpec:
    return replace(AmendSpec("BTC-USDT", int(ord_id)), attach_algo_ords=items, **fields)  # type: ignore[arg-type]


def legs(trading: TradingService, bob: Trader, ord_id: str) -> list[AttachedAlgoView]:
    return list(view(trading.get_order(bob, "BTC-USDT", ord_id=ord_id)).attached)


# --- the WS `orders` steps carry them --------------------------------------------------------------
async def test_every_step_of_an_order_carries_its_tp_sl_as_rest_shows_them(
    trading: TradingService, bus, core: ExchangeCore, bob: Trader, carol: Trader, req
) -> None:
    ord_id = await buy_with_tp_sl(trading, bob, req)
    [accepted] = [e.order for e in bus.last.order_events if e.order.ord_id == int(ord_id)]
    [rest] = legs(trading, bob, ord_id)
    assert [
        (str(a.algo_id), a.attach_algo_cl_ord_id, a.tp_trigger_px, a.sl_trigger_px) for a in accepted.attached
    ] == [(rest.attach_algo_id, "ts1", D(130), D(80))]
    core.load()  # a restart: the pending order's TP/SL come back from the stored algo orders
    placed(await trading.place(carol, [req.limit("BTC-USDT", "sell", "100", "1")]))
    steps = [e.order for e in bus.last.order_events if e.order.ord_id == int(ord_id)]
    assert [s.state for s in steps] == [OrdState.PARTIALLY_FILLED]
    assert [str(a.algo_id) for a in steps[0].attached] == [rest.attach_algo_id]
    placed(await trading.place(carol, [req.limit("BTC-USDT", "sell", "100", "1")]))
    [filled] = [e.order for e in bus.last.order_events if e.order.ord_id == int(ord_id)]
    assert filled.state is OrdState.FILLED and [str(a.algo_id) for a in filled.attached] == [
        rest.attach_algo_id
    ]
    carols = [e.order.attached for e in bus.last.order_events if e.order.ord_id != int(ord_id)]
    assert carols and set(carols) == {()}  # an order without TP/SL carries none


# --- amending them -----------------------------------------------------------------------------------
async def test_amend_moves_the_waiting_sl_and_the_made_algo_takes_it(
    trading: TradingService, bus, bob: Trader, carol: Trader, req
) -> None:
    ord_id = await buy_with_tp_sl(trading, bob, req)
    [before] = legs(trading, bob, ord_id)
    change = AttachedAmend(int(before.attach_algo_id), new_sl_trigger_px=D(85))
    ack = one(await trading.amend(bob, [amend(ord_id, change, req_id="r1")]))
    assert (ack.ok, ack.ord_id, ack.req_id) == (True, ord_id, "r1")
    assert legs(trading, bob, ord_id) == [replace(before, sl_trigger_px=D(85))]
    [step] = bus.last.order_events
    assert (step.order.px, step.order.sz, step.order.state) == (
        D(100),
        D(2),
        OrdState.LIVE,
    )  # the order as it was
    assert [(a.sl_trigger_px, a.tp_trigger_px) for a in step.order.attached] == [(D(85), D(130))]
    assert trading.pending_algos(bob, EVERYTHING) == []  # still waiting on the order
    placed(await trading.place(carol, [req.limit("BTC-USDT", "sell", "100", "2")]))
    [made] = trading.pending_algos(bob, EVERYTHING)
    assert (made.ord_type, made.sl_trigger_px, made.tp_trigger_px, made.sz) == (
        AlgoOrdType.OCO,
        D(85),
        D(130),
        D(2),
    )


async def test_amend_by_client_id_deletes_a_leg_and_checks_the_new_price(
    trading: TradingService, bob: Trader, carol: Trader, req
) -> None:
    ord_id = await buy_with_tp_sl(trading, bob, req)
    [before] = legs(trading, bob, ord_id)
    no_tp = AttachedAmend(attach_algo_cl_ord_id="ts1", new_tp_trigger_px=D(0))
    too_high = replace(no_tp, new_sl_trigger_px=D(96))
    refused = one(await trading.amend(bob, [amend(ord_id, too_high, new_px=D(95))]))
    assert refused.rejected == Rejected(Reason.ATTACHED_SL_ABOVE_PX)  # a buy's SL must be below its new price
    assert view(trading.get_order(bob, "BTC-USDT", ord_id=ord_id)).px == D(100)
    assert legs(trading, bob, ord_id) == [before]
    assert one(await trading.amend(bob, [amend(ord_id, no_tp, new_px=D(95))])).ok
    assert view(trading.get_order(bob, "BTC-USDT", ord_id=ord_id)).px == D(95)
    assert legs(trading, bob, ord_id) == [replace(before, tp_trigger_px=None, tp_ord_px=None)]
    placed(await trading.place(carol, [req.limit("BTC-USDT", "sell", "95", "2")]))
    [made] = trading.pending_algos(bob, EVERYTHING)
    assert (made.ord_type, made.tp_trigger_px, made.sl_trigger_px) == (AlgoOrdType.CONDITIONAL, None, D(80))


async def test_amend_of_the_tp_sl_is_refused_with_okx_codes_and_changes_nothing(
    trading: TradingService, bob: Trader, carol: Trader, req
) -> None:
    ord_id = await buy_with_tp_sl(trading, bob, req)
    [before] = legs(trading, bob, ord_id)
    algo_id = int(before.attach_algo_id)
    [plain] = placed(await trading.place(bob, [req.limit("BTC-USDT", "buy", "90", "1")]))
    cases = [
        (plain.ord_id, AttachedAmend(algo_id, new_sl_trigger_px=D(70)), Rejected(Reason.ATTACHED_AMEND_NONE)),
        (
            ord_id,
            AttachedAmend(algo_id + 1, new_sl_trigger_px=D(70)),
            Rejected(Reason.ATTACHED_AMEND_NOT_FOUND),
        ),
        (ord_id, AttachedAmend(attach_algo_cl_ord_id="nope"), Rejected(Reason.ATTACHED_AMEND_NOT_FOUND)),
        (
            ord_id,
            AttachedAmend(algo_id, new_tp_trigger_px=D(0), new_sl_ord_px=D(0)),
            Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="tpTriggerPx", other="slTriggerPx"),
        ),
        (ord_id, AttachedAmend(algo_id, new_tp_ord_kind="limit"), Rejected(Reason.TP_LIMIT_NOT_ON_SPOT)),
    ]
    for target, change, reason in cases:
        assert one(await trading.amend(bob, [amend(target, change)])).rejected == reason, change
    twice = amend(ord_id, AttachedAmend(algo_id), AttachedAmend(attach_algo_cl_ord_id="ts1"))
    assert one(await trading.amend(bob, [twice])).rejected == Rejected(Reason.ATTACHED_AMEND_REPEATED)
    assert legs(trading, bob, ord_id) == [before]
    placed(await trading.place(carol, [req.limit("BTC-USDT", "sell", "100", "2")]))  # filled: nothing waits
    done = one(await trading.amend(bob, [amend(ord_id, AttachedAmend(algo_id, new_sl_trigger_px=D(70)))]))
    assert done.rejected == Rejected(Reason.AMEND_FAILED)


async def test_a_refused_tp_sl_amend_with_cxl_on_fail_cancels_the_order_and_its_tp_sl(
    trading: TradingService, bob: Trader, req
) -> None:
    ord_id = await buy_with_tp_sl(trading, bob, req)
    bad = AttachedAmend(attach_algo_cl_ord_id="ts1", new_sl_trigger_px=D(120))
    assert one(await trading.amend(bob, [amend(ord_id, bad, cxl_on_fail=True)])).rejected == Rejected(
        Reason.ATTACHED_SL_ABOVE_PX
    )
    assert view(trading.get_order(bob, "BTC-USDT", ord_id=ord_id)).state is OrdState.CANCELED
    assert trading.pending_algos(bob, EVERYTHING) == [] and trading.algo_history(bob, EVERYTHING) == []


async def test_the_order_level_fields_amend_its_first_tp_sl(
    trading: TradingService, bob: Trader, req
) -> None:
    """ccxt's `edit_order` sends `newSlTriggerPx`/`newSlOrdPx` with the order, naming no TP/SL."""
    ord_id = await buy_with_tp_sl(trading, bob, req)
    [before] = legs(trading, bob, ord_id)
    change = AttachedAmend(new_sl_trigger_px=D(75), new_sl_ord_px=D("74.5"))
    assert one(await trading.amend(bob, [amend(ord_id, change, new_sz=D(3))])).ok
    assert legs(trading, bob, ord_id) == [replace(before, sl_trigger_px=D(75), sl_ord_px=D("74.5"))]
    assert view(trading.get_order(bob, "BTC-USDT", ord_id=ord_id)).sz == D(3)


async def test_an_amend_down_to_the_filled_size_completes_the_order_and_makes_its_tp_sl(
    trading: TradingService, bob: Trader, carol: Trader, req
) -> None:
    ord_id = await buy_with_tp_sl(trading, bob, req)
    placed(await trading.place(carol, [req.limit("BTC-USDT", "sell", "100", "1")]))
    assert one(await trading.amend(bob, [req.amend("BTC-USDT", ord_id, new_sz="1")])).ok
    assert view(trading.get_order(bob, "BTC-USDT", ord_id=ord_id)).state is OrdState.FILLED
    [made] = trading.pending_algos(bob, EVERYTHING)
    assert (made.ord_type, made.sz, made.parent_ord_id) == (AlgoOrdType.OCO, D(1), int(ord_id))
