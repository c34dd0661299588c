"""Swap algo order rules: margin mode and position side, closeFraction, cxlOnClosePos, trigger
price types (each leg checked against, and fired by, the price it watches)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.domain.derivatives.contracts import ContractSpec, CtType, PosMode, PosSide, Tier
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Instrument
from sandex.domain.matching.order import Side, TgtCcy
from sandex.domain.trading.algos import (
    MARKET_PX,
    AlgoOrdType,
    AlgoSpec,
    AttachedAlgo,
    PriceMove,
    TriggerSide,
    check_algo,
)
from sandex.domain.trading.swap_algos import (
    TriggerPrices,
    check_swap_algo,
    check_swap_attached,
    swap_leg_fired,
)

D = Decimal
CONTRACT = ContractSpec(
    "BTC-USDT",
    D("0.01"),
    D(1),
    "BTC",
    "USDT",
    CtType.LINEAR,
    D(100),
    (Tier(1, D(0), D(100000), D("0.004"), D("0.01"), D(100)),),
    "BTC-USDT",
)
SWAP = Instrument(
    "BTC-USDT-SWAP", "BTC", "USDT", D("0.1"), D("0.01"), D("0.01"), D(60000), 2, 0, contract=CONTRACT
)
SPOT = Instrument("BTC-USDT", "BTC", "USDT", D("0.1"), D("0.001"), D("0.01"), D(60000), 1, 0)
# last 60000, mark 59900, index 59950: a price between them passes for one type, not another
PRICES = TriggerPrices(D(60000), D(59900), D(59950))
NET, HEDGE = PosMode.NET, PosMode.LONG_SHORT
SELL, BUY = Side.SELL, Side.BUY
COND, OCO, TRIG = AlgoOrdType.CONDITIONAL, AlgoOrdType.OCO, AlgoOrdType.TRIGGER


def spec(ord_type: AlgoOrdType = COND, side: Side = SELL, sz: str = "1", **fields: object) -> AlgoSpec:
    fields.setdefault("td_mode", "isolated")
    return AlgoSpec("BTC-USDT-SWAP", ord_type, side, D(sz), **fields)  # type: ignore[arg-type]


def refused(got: Rejected | None) -> Reason | None:
    return None if got is None else got.reason


def test_freqtrades_futures_stoploss_is_accepted() -> None:
    # ccxt create_order(S,'market','sell',1,None,{stopLossPrice, tdMode isolated, reduceOnly, mark})
    sent = spec(
        sl_trigger_px=D(55000),
        sl_ord_px=MARKET_PX,
        sl_trigger_px_type="mark",
        reduce_only=True,
        pos_side=PosSide.NET,
    )
    assert check_swap_algo(SWAP, sent, PRICES, NET) is None


@pytest.mark.parametrize(
    ("fields", "mode", "reason", "field"),
    [
        ({"td_mode": "cash"}, NET, Reason.PARAM_ERROR, "tdMode"),
        ({"pos_side": PosSide.LONG}, NET, Reason.PARAM_ERROR, "posSide"),
        ({}, HEDGE, Reason.PARAM_ERROR, "posSide"),  # long/short mode: posSide required
        ({"pos_side": PosSide.NET}, HEDGE, Reason.PARAM_ERROR, "posSide"),
        ({"tgt_ccy": TgtCcy.QUOTE_CCY}, NET, Reason.PARAM_ERROR, "tgtCcy"),
        ({"sl_trigger_px_type": "best"}, NET, Reason.PARAM_ERROR, "slTriggerPxType"),
        ({"cxl_on_close_pos": True}, NET, Reason.PARAM_ERROR, "reduceOnly"),  # needs reduceOnly
    ],
)
def test_mode_and_side_errors_name_the_field(
    fields: dict[str, object], mode: PosMode, reason: Reason, field: str
) -> None:
    got = check_swap_algo(SWAP, spec(sl_trigger_px=D(55000), sl_ord_px=MARKET_PX, **fields), PRICES, mode)
    assert got is not None and got.reason is reason and got.params.get("field") == field


def test_long_short_mode_takes_a_side_and_sizes_in_contracts() -> None:
    sl = {"sl_trigger_px": D(55000), "sl_ord_px": MARKET_PX}
    assert check_swap_algo(SWAP, spec(pos_side=PosSide.LONG, **sl), PRICES, HEDGE) is None
    assert refused(check_swap_algo(SWAP, spec(sz="0.005", **sl), PRICES, NET)) is Reason.LOT_SIZE  # contracts
    assert check_swap_algo(SWAP, spec(sz="0.01", **sl), PRICES, NET) is None


@pytest.mark.parametrize(
    ("fields", "mode", "reason"),
    [
        ({"reduce_only": False}, NET, Reason.CLOSE_FRACTION_REDUCE_ONLY),  # 51328
        ({"sl_ord_px": D(54000)}, NET, Reason.CLOSE_FRACTION_MARKET),  # 51330: market legs only
        ({"ord_type": TRIG, "trigger_px": D(55000), "ord_px": MARKET_PX}, NET, Reason.CLOSE_FRACTION_TYPE),
    ],
)
def test_close_fraction_rules(fields: dict[str, object], mode: PosMode, reason: Reason) -> None:
    base: dict[str, object] = {
        "close_fraction": True,
        "reduce_only": True,
        "sl_trigger_px": D(55000),
        "sl_ord_px": MARKET_PX,
    }
    base.update(fields)
    ord_type = base.pop("ord_type", COND)
    assert refused(check_swap_algo(SWAP, spec(ord_type, sz="0", **base), PRICES, mode)) is reason  # type: ignore[arg-type]


def test_close_fraction_ignores_size_and_needs_no_reduce_only_in_long_short_mode() -> None:
    sent = spec(
        sz="0", close_fraction=True, pos_side=PosSide.LONG, sl_trigger_px=D(55000), sl_ord_px=MARKET_PX
    )
    assert check_swap_algo(SWAP, sent, PRICES, HEDGE) is None


@pytest.mark.parametrize(
    ("side", "leg", "px_type", "px", "reason"),
    [
        # a sell's TP above and SL below the price the leg watches (last 60000, mark 59900, index 59950)
        (SELL, "tp", "last", 59990, Reason.TP_BELOW_LAST),  # 51279
        (SELL, "tp", "mark", 59800, Reason.TP_BELOW_MARK),  # 51303
        (SELL, "tp", "index", 59900, Reason.TP_BELOW_INDEX),  # 51307
        (SELL, "sl", "mark", 59950, Reason.SL_ABOVE_MARK),  # 51304
        (SELL, "sl", "index", 59960, Reason.SL_ABOVE_INDEX),  # 51308
        (BUY, "tp", "mark", 59950, Reason.TP_ABOVE_MARK),  # 51300
        (BUY, "tp", "index", 59960, Reason.TP_ABOVE_INDEX),  # 51305
        (BUY, "sl", "mark", 59800, Reason.SL_BELOW_MARK),  # 51302
        (BUY, "sl", "index", 59900, Reason.SL_BELOW_INDEX),  # 51306
    ],
)
def test_each_leg_is_checked_against_the_price_it_watches(
    side: Side, leg: str, px_type: str, px: int, reason: Reason
) -> None:
    fields = {f"{leg}_trigger_px": D(px), f"{leg}_ord_px": MARKET_PX, f"{leg}_trigger_px_type": px_type}
    assert refused(check_swap_algo(SWAP, spec(side=side, **fields), PRICES, NET)) is reason


def test_a_price_between_last_and_mark_passes_for_the_type_it_is_on_the_right_side_of() -> None:
    # sell SL at 59950: below last (60000) but above mark (59900)
    sl = {"sl_trigger_px": D(59950), "sl_ord_px": MARKET_PX}
    assert check_swap_algo(SWAP, spec(**sl, sl_trigger_px_type="last"), PRICES, NET) is None
    assert (
        refused(check_swap_algo(SWAP, spec(**sl, sl_trigger_px_type="mark"), PRICES, NET))
        is Reason.SL_ABOVE_MARK
    )


def test_before_the_first_marks_mark_legs_are_checked_against_the_last_price() -> None:
    only_last = TriggerPrices(D(60000))
    sl = {"sl_trigger_px": D(59950), "sl_ord_px": MARKET_PX, "sl_trigger_px_type": "mark"}
    assert check_swap_algo(SWAP, spec(**sl), only_last, NET) is None


def test_trigger_orders_are_served_in_net_mode_with_any_price_type() -> None:
    # OKX's order-algo docs: trigger orders apply to SPOT/FUTURES/SWAP (51298 is not in the rules)
    sent = spec(TRIG, BUY, trigger_px=D(61000), ord_px=MARKET_PX, trigger_px_type="index")
    assert check_swap_algo(SWAP, sent, PRICES, NET) is None


def test_spot_still_refuses_swap_fields_and_other_price_types() -> None:
    sl = {"sl_trigger_px": D(55000), "sl_ord_px": MARKET_PX, "td_mode": "cash"}
    spot = AlgoSpec("BTC-USDT", COND, SELL, D("0.1"), pos_side=PosSide.LONG, **sl)  # type: ignore[arg-type]
    got = check_algo(SPOT, spot, D(60000))
    assert got is not None and got.params.get("field") == "posSide"
    spot = AlgoSpec("BTC-USDT", COND, SELL, D("0.1"), close_fraction=True, **sl)  # type: ignore[arg-type]
    got = check_algo(SPOT, spot, D(60000))
    assert got is not None and got.params.get("field") == "closeFraction"
    spot = AlgoSpec("BTC-USDT", COND, SELL, D("0.1"), sl_trigger_px_type="mark", **sl)  # type: ignore[arg-type]
    assert refused(check_algo(SPOT, spot, D(60000))) is Reason.SPOT_TRIGGER_LAST_ONLY  # 51415


def test_legs_fire_only_on_the_price_they_watch() -> None:
    # a sell with TP 61000 on last and SL 59000 on mark
    def fired(watched: str, px: int) -> TriggerSide | None:
        return swap_leg_fired(OCO, SELL, D(61000), "last", D(59000), "mark", watched, PriceMove.at(D(px)))

    assert fired("last", 58000) is None  # the last price falls through the SL: it watches the mark
    assert fired("mark", 58990) is TriggerSide.SL
    assert fired("mark", 62000) is None  # the mark rises past the TP: it watches the last price
    assert fired("last", 61000) is TriggerSide.TP


def test_a_conditional_with_both_legs_runs_only_its_sl_whatever_the_tp_watches() -> None:
    got = swap_leg_fired(COND, SELL, D(61000), "mark", D(59000), "last", "mark", PriceMove.at(D(62000)))
    assert got is None


def test_attached_tp_sl_on_swaps() -> None:
    item = AttachedAlgo(sl_trigger_px=D(55000), sl_ord_px=MARKET_PX, sl_trigger_px_type="mark")
    assert check_swap_attached(SWAP, BUY, D(60000), PRICES, (item,)) is None
    assert check_swap_attached(SWAP, BUY, None, PRICES, (item,)) is None  # market: vs the mark
    bad = AttachedAlgo(sl_trigger_px=D(59950), sl_ord_px=MARKET_PX, sl_trigger_px_type="mark")
    assert refused(check_swap_attached(SWAP, BUY, None, PRICES, (bad,))) is Reason.SL_ABOVE_MARK
    assert refused(check_swap_attached(SWAP, BUY, D(59000), PRICES, (bad,))) is Reason.ATTACHED_SL_ABOVE_PX
    two = (item, item)
    assert refused(check_swap_attached(SWAP, BUY, D(60000), PRICES, two)) is Reason.PARAM_COUNT_EXCEEDED


def test_close_fraction_in_long_short_mode_must_close_its_side() -> None:
    sl = {"sl_trigger_px": D(65000), "sl_ord_px": MARKET_PX, "close_fraction": True}
    adds = spec(side=BUY, sz="0", pos_side=PosSide.LONG, **sl)  # a buy on the long side opens
    assert refused(check_swap_algo(SWAP, adds, PRICES, HEDGE)) is Reason.CLOSE_FRACTION_TYPE  # 51331
    closes = spec(side=BUY, sz="0", pos_side=PosSide.SHORT, **sl)
    assert check_swap_algo(SWAP, closes, PRICES, HEDGE) is None
