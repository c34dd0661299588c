"""Algo order rules: what placement refuses (with OKX's codes) and when each kind fires."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Instrument
from sandex.domain.matching.order import Side, TgtCcy
from sandex.domain.trading.algos import (
    MARKET_PX,
    AlgoOrdType,
    AlgoSpec,
    AttachedAlgo,
    PriceMove,
    Trail,
    TriggerSide,
    check_algo,
    check_attached,
    tp_sl_fired,
    trail_start,
    trail_step,
    trail_trigger,
    trigger_fired,
)

D = Decimal
BTC = Instrument("BTC-USDT", "BTC", "USDT", D("0.1"), D("0.001"), D("0.01"), D(60000), 1, 0)
LAST = D(60000)
SELL, BUY = Side.SELL, Side.BUY
COND, OCO, TRIG, TRAIL = (
    AlgoOrdType.CONDITIONAL,
    AlgoOrdType.OCO,
    AlgoOrdType.TRIGGER,
    AlgoOrdType.MOVE_ORDER_STOP,
)


def spec(ord_type: AlgoOrdType = COND, side: Side = SELL, sz: str = "0.1", **fields: object) -> AlgoSpec:
    return AlgoSpec("BTC-USDT", ord_type, side, D(sz), **fields)  # type: ignore[arg-type]


def test_freqtrades_stop_loss_on_exchange_is_accepted() -> None:
    # {"ordType":"conditional","side":"sell","sz":"0.1","slTriggerPx":"55000","slOrdPx":"-1"}
    assert check_algo(BTC, spec(sl_trigger_px=D(55000), sl_ord_px=MARKET_PX), LAST) is None


@pytest.mark.parametrize(
    ("side", "fields", "reason"),
    [
        (SELL, {"sl_trigger_px": D(61000), "sl_ord_px": MARKET_PX}, Reason.SL_ABOVE_LAST),  # 51280
        (SELL, {"tp_trigger_px": D(59000), "tp_ord_px": MARKET_PX}, Reason.TP_BELOW_LAST),  # 51279
        (BUY, {"sl_trigger_px": D(59000), "sl_ord_px": D(59100)}, Reason.SL_BELOW_LAST),  # 51278
        (BUY, {"tp_trigger_px": D(61000), "tp_ord_px": D(61000)}, Reason.TP_ABOVE_LAST),  # 51277
        (SELL, {"sl_trigger_px": LAST, "sl_ord_px": MARKET_PX}, Reason.SL_ABOVE_LAST),  # equal: at once
    ],
)
def test_tp_and_sl_triggers_must_sit_on_their_side_of_the_last_price(
    side: Side, fields: dict[str, Decimal], reason: Reason
) -> None:
    refused = check_algo(BTC, spec(side=side, sz="0.1", tgt_ccy=TgtCcy.BASE_CCY, **fields), LAST)
    assert refused == Rejected(reason)


@pytest.mark.parametrize(
    ("fields", "refused"),
    [
        ({"sl_trigger_px": D(55000)}, Rejected.of(Reason.PARAM_EMPTY, field="slOrdPx")),
        ({"sl_ord_px": MARKET_PX}, Rejected.of(Reason.PARAM_EMPTY, field="slTriggerPx")),
        (
            {"sl_trigger_px": MARKET_PX, "sl_ord_px": MARKET_PX},  # -1 is for order prices only
            Rejected.of(Reason.PARAM_ERROR, field="slTriggerPx"),
        ),
        (
            {"sl_trigger_px": D("55000.05"), "sl_ord_px": MARKET_PX},
            Rejected.of(Reason.TICK_SIZE, field="slTriggerPx"),
        ),
        (
            {"sl_trigger_px": D(55000), "sl_ord_px": D("54999.99")},
            Rejected.of(Reason.TICK_SIZE, field="slOrdPx"),
        ),
        (
            {"sl_trigger_px": D(55000), "sl_ord_px": MARKET_PX, "sl_trigger_px_type": "mark"},
            Rejected(Reason.SPOT_TRIGGER_LAST_ONLY),  # 51415
        ),
        (
            {"sl_trigger_px": D(55000), "sl_ord_px": MARKET_PX, "sl_trigger_px_type": "moon"},
            Rejected.of(Reason.PARAM_ERROR, field="triggerPxType"),
        ),
        ({}, Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="tpTriggerPx", other="slTriggerPx")),
        ({"td_mode": "cross"}, Rejected.of(Reason.PARAM_ERROR, field="tdMode")),
    ],
)
def test_each_bad_field_of_a_stop_is_refused_on_its_own(fields: dict[str, object], refused: Rejected) -> None:
    assert check_algo(BTC, spec(**fields), LAST) == refused


def test_sizes_follow_the_lot_and_the_minimum() -> None:
    legs = {"sl_trigger_px": D(55000), "sl_ord_px": D(54000)}
    assert check_algo(BTC, spec(sz="0.005", **legs), LAST) == Rejected(Reason.ORDER_BELOW_MIN)
    assert check_algo(BTC, spec(sz="0.0105", **legs), LAST) == Rejected(Reason.LOT_SIZE)


def test_a_market_buy_stop_is_sized_in_quote_unless_told_otherwise() -> None:
    legs = {"sl_trigger_px": D(61000), "sl_ord_px": MARKET_PX}
    assert check_algo(BTC, spec(side=BUY, sz="0.0105", **legs), LAST) is None  # 0.0105 USDT
    based = spec(side=BUY, sz="0.0105", tgt_ccy=TgtCcy.BASE_CCY, **legs)
    assert check_algo(BTC, based, LAST) == Rejected(Reason.LOT_SIZE)


def test_an_oco_needs_both_legs() -> None:
    only_sl = spec(OCO, sl_trigger_px=D(55000), sl_ord_px=MARKET_PX)
    assert check_algo(BTC, only_sl, LAST) == Rejected.of(Reason.PARAM_EMPTY, field="tpTriggerPx")
    both = spec(OCO, sl_trigger_px=D(55000), sl_ord_px=MARKET_PX, tp_trigger_px=D(65000), tp_ord_px=D(65000))
    assert check_algo(BTC, both, LAST) is None


def test_trigger_orders_need_both_prices_and_refuse_tgt_ccy() -> None:
    assert check_algo(BTC, spec(TRIG, trigger_px=D(58000)), LAST) == Rejected.of(
        Reason.PARAM_EMPTY, field="orderPx"
    )
    priced = {"trigger_px": D(58000), "ord_px": MARKET_PX}
    assert check_algo(BTC, spec(TRIG, **priced), LAST) is None
    quoted = spec(TRIG, tgt_ccy=TgtCcy.BASE_CCY, **priced)
    assert check_algo(BTC, quoted, LAST) == Rejected(Reason.TRIGGER_TGT_CCY)  # 51281


@pytest.mark.parametrize(
    ("fields", "refused"),
    [
        ({}, Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="callbackRatio", other="callbackSpread")),
        (
            {"callback_ratio": D("0.01"), "callback_spread": D(100)},
            Rejected.of(Reason.PARAMS_CONFLICT, field="callbackRatio", other="callbackSpread"),
        ),
        ({"callback_ratio": D("0.5")}, Rejected.of(Reason.CALLBACK_RATIO_RANGE, min="0.1", max="30")),
        ({"callback_ratio": D("0.0001")}, Rejected.of(Reason.CALLBACK_RATIO_RANGE, min="0.1", max="30")),
        ({"callback_spread": D("0.05")}, Rejected.of(Reason.TICK_SIZE, field="callbackSpread")),
        ({"callback_ratio": D("0.01"), "active_px": D(59000)}, Rejected(Reason.TRAILING_SELL_ACTIVE_PX)),
    ],
)
def test_trailing_stop_parameters(fields: dict[str, object], refused: Rejected) -> None:
    assert check_algo(BTC, spec(TRAIL, **fields), LAST) == refused


def test_a_buy_trailing_stop_activates_below_the_market() -> None:
    above = spec(TRAIL, side=BUY, sz="100", callback_ratio=D("0.01"), active_px=D(61000))
    assert check_algo(BTC, above, LAST) == Rejected(Reason.TRAILING_BUY_ACTIVE_PX)
    below = spec(TRAIL, side=BUY, sz="100", callback_ratio=D("0.01"), active_px=D(59000))
    assert check_algo(BTC, below, LAST) is None


# --- firing ---------------------------------------------------------------------------------------
def test_a_sell_stop_fires_when_the_price_falls_to_it_and_not_before() -> None:
    assert tp_sl_fired(COND, SELL, None, D(55000), PriceMove.at(D("55000.1"))) is None
    assert tp_sl_fired(COND, SELL, None, D(55000), PriceMove.at(D(55000))) is TriggerSide.SL
    # a sweep that went through the stop and came back still reached it
    assert tp_sl_fired(COND, SELL, None, D(55000), PriceMove(D(54000), D(56000), D(56000))) is TriggerSide.SL


def test_a_conditional_with_both_legs_runs_only_its_stop_loss() -> None:
    up = PriceMove.at(D(70000))
    assert tp_sl_fired(COND, SELL, D(65000), D(55000), up) is None
    assert tp_sl_fired(OCO, SELL, D(65000), D(55000), up) is TriggerSide.TP
    assert tp_sl_fired(COND, SELL, D(65000), None, up) is TriggerSide.TP


def test_buy_legs_mirror_the_sell_legs() -> None:
    assert tp_sl_fired(OCO, BUY, D(55000), D(65000), PriceMove.at(D(55000))) is TriggerSide.TP
    assert tp_sl_fired(OCO, BUY, D(55000), D(65000), PriceMove.at(D(65000))) is TriggerSide.SL
    assert tp_sl_fired(OCO, BUY, D(55000), D(65000), PriceMove.at(D(60000))) is None


def test_a_trigger_order_fires_on_crossing_from_where_the_price_was_at_placement() -> None:
    assert trigger_fired(D(58000), D(60000), PriceMove.at(D(58000)))  # from above, down to it
    assert not trigger_fired(D(58000), D(60000), PriceMove.at(D(70000)))
    assert trigger_fired(D(62000), D(60000), PriceMove.at(D(62000)))  # from below, up to it
    assert not trigger_fired(D(62000), D(60000), PriceMove.at(D(50000)))


def test_a_sell_trailing_stop_follows_the_high_and_fires_on_the_pullback() -> None:
    tick = BTC.tick_sz
    state = trail_start(SELL, None, D("0.01"), None, tick, D(60000))
    assert state == Trail(True, D(60000), D(59400))
    state = trail_step(SELL, state, None, D("0.01"), None, tick, PriceMove.at(D(62000)))
    assert (state.extreme, state.trigger, state.fired) == (D(62000), D(61380), False)
    state = trail_step(SELL, state, None, D("0.01"), None, tick, PriceMove.at(D(61500)))
    assert (state.extreme, state.fired) == (D(62000), False)
    assert trail_step(SELL, state, None, D("0.01"), None, tick, PriceMove.at(D(61380))).fired


def test_a_trailing_stop_with_an_active_price_waits_for_it() -> None:
    tick = BTC.tick_sz
    state = trail_start(SELL, D(61000), None, D(500), tick, D(60000))
    assert state == Trail(False, None, None)
    still = trail_step(SELL, state, D(61000), None, D(500), tick, PriceMove.at(D(50000)))
    assert still == state  # a fall before activation does nothing
    active = trail_step(SELL, state, D(61000), None, D(500), tick, PriceMove.at(D(61200)))
    assert active == Trail(True, D(61200), D(60700))


@given(
    prices=st.lists(st.integers(min_value=1000, max_value=100000), min_size=1, max_size=30),
    ratio=st.sampled_from([D("0.001"), D("0.01"), D("0.05"), D("0.3")]),
)
def test_a_sell_trailing_trigger_never_moves_down_and_stays_under_the_high(
    prices: list[int], ratio: Decimal
) -> None:
    tick = BTC.tick_sz
    state = trail_start(SELL, None, ratio, None, tick, D(50000))
    for px in prices:
        before = state
        state = trail_step(SELL, state, None, ratio, None, tick, PriceMove.at(D(px)))
        if state.fired:
            assert (before.trigger is not None and D(px) <= before.trigger) or D(px) <= (state.trigger or 0)
            break
        assert state.trigger is not None and before.trigger is not None
        assert state.trigger >= before.trigger
        assert state.extreme is not None and state.trigger < state.extreme
        assert state.trigger == trail_trigger(SELL, state.extreme, ratio, None, tick)


# --- TP/SL attached to an order ----------------------------------------------------------------
def test_attached_tp_sl_are_checked_against_the_order_price() -> None:
    tp_sl = AttachedAlgo("a1", D(70000), MARKET_PX, sl_trigger_px=D(50000), sl_ord_px=MARKET_PX)
    assert check_attached(BTC, BUY, D(60000), LAST, (tp_sl,)) is None
    low_tp = AttachedAlgo(tp_trigger_px=D(59000), tp_ord_px=MARKET_PX)
    assert check_attached(BTC, BUY, D(60000), LAST, (low_tp,)) == Rejected(Reason.ATTACHED_TP_BELOW_PX)
    high_sl = AttachedAlgo(sl_trigger_px=D(61000), sl_ord_px=MARKET_PX)
    assert check_attached(BTC, BUY, D(60000), LAST, (high_sl,)) == Rejected(Reason.ATTACHED_SL_ABOVE_PX)
    assert check_attached(BTC, SELL, D(60000), LAST, (high_sl,)) is None
    # a market order's TP/SL against the last price
    assert check_attached(BTC, SELL, None, LAST, (low_tp,)) is None


def test_spot_takes_one_attached_item_and_no_tp_limit_orders() -> None:
    item = AttachedAlgo(tp_trigger_px=D(70000), tp_ord_px=D(70000))
    assert check_attached(BTC, BUY, D(60000), LAST, (item, item)) == Rejected.of(
        Reason.PARAM_COUNT_EXCEEDED, field="attachAlgoOrds", limit="1"
    )
    limit = AttachedAlgo(tp_ord_px=D(70000), tp_ord_kind="limit")
    assert check_attached(BTC, BUY, D(60000), LAST, (limit,)) == Rejected(Reason.TP_LIMIT_NOT_ON_SPOT)
