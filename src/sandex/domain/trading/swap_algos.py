"""Algo orders on perpetual swaps: the placement rules spot does not have (margin mode, position
side, `closeFraction`, `cxlOnClosePos`, mark and index trigger prices) and which price a leg
watches. The spot rules and the trigger arithmetic stay in `algos.py`; this module reuses them.

OKX's rules, as its `trade/order-algo` docs and error table state them:
- `tdMode` cross or isolated; `posSide` as for orders (net mode: none or `net`; long/short mode:
  `long` or `short`), `reduceOnly` only counts in net mode.
- trigger price types `last`, `mark`, `index` (spot: last only, 51415); a TP/SL is checked against
  the price its type names (last 51277–51280, mark 51300–51304, index 51305–51308).
- `closeFraction` "1" (the only value OKX takes): conditional/oco only (51331), legs at market only
  (51330), `reduceOnly` in net mode (51328), one per position (51088); the order it places is
  sized to the position when it triggers.
- `cxlOnClosePos` needs `reduceOnly` (a parameter error naming it otherwise).
- `trigger` orders: OKX's error table still lists 51298 ("not available in the net mode"), but its
  `order-algo` docs make trigger orders "applicable to SPOT/FUTURES/SWAP" with no mode rule; the
  docs win, so net-mode trigger orders are served.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.derivatives.contracts import MgnMode, PosMode, PosSide
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Instrument
from sandex.domain.matching.order import Side, TgtCcy
from sandex.domain.matching.rules import size_lots
from sandex.domain.trading.algos import (
    MARKET_PX,
    TRIGGER_PX_TYPES,
    AlgoOrdType,
    AlgoSpec,
    AttachedAlgo,
    PriceMove,
    TriggerSide,
    attached_vs_px,
    check_leg,
    check_ord_px,
    check_trigger_px,
    tp_sl_fired,
)

LAST, MARK, INDEX = "last", "mark", "index"
TP_CONDITION, TP_LIMIT = "condition", "limit"  # attached `tpOrdKind`
_STOPS = frozenset({AlgoOrdType.CONDITIONAL, AlgoOrdType.OCO})
_MGN_MODES = frozenset(m.value for m in MgnMode)
# per price type: (sell TP at or below it, sell SL at or above it, buy TP at or above, buy SL at or below)
_VS: dict[str, tuple[Reason, Reason, Reason, Reason]] = {
    LAST: (Reason.TP_BELOW_LAST, Reason.SL_ABOVE_LAST, Reason.TP_ABOVE_LAST, Reason.SL_BELOW_LAST),
    MARK: (Reason.TP_BELOW_MARK, Reason.SL_ABOVE_MARK, Reason.TP_ABOVE_MARK, Reason.SL_BELOW_MARK),
    INDEX: (Reason.TP_BELOW_INDEX, Reason.SL_ABOVE_INDEX, Reason.TP_ABOVE_INDEX, Reason.SL_BELOW_INDEX),
}


@dataclass(frozen=True, slots=True)
class TriggerPrices:
    """The prices a swap algo can watch, now: the last trade, and the mark and index of the last
    `UpdateMarks` (None before the first: checks then fall back to the last price)."""

    last: Decimal
    mark: Decimal | None = None
    index: Decimal | None = None

    def of(self, px_type: str) -> Decimal:
        if px_type == MARK and self.mark is not None:
            return self.mark
        if px_type == INDEX and self.index is not None:
            return self.index
        return self.last


# --- placement -----------------------------------------------------------------------------------
def check_pos_side(pos_mode: PosMode, pos_side: PosSide | None) -> Rejected | None:
    """Net mode: none or `net`; long/short mode: `long` or `short` (51000 posSide), as orders."""
    if pos_mode is PosMode.NET:
        ok = pos_side in (None, PosSide.NET)
    else:
        ok = pos_side in (PosSide.LONG, PosSide.SHORT)
    return None if ok else Rejected.of(Reason.PARAM_ERROR, field="posSide")


def check_swap_algo(
    inst: Instrument, spec: AlgoSpec, prices: TriggerPrices, pos_mode: PosMode
) -> Rejected | None:
    """Every placement rule of a swap algo that needs no position, in OKX's order: mode and side,
    `closeFraction`/`cxlOnClosePos`, size, the fields of the algo's type, then trigger prices
    against the price each leg watches."""
    if spec.td_mode not in _MGN_MODES:
        return Rejected.of(Reason.PARAM_ERROR, field="tdMode")
    refused = check_pos_side(pos_mode, spec.pos_side) or _check_close(spec, pos_mode)
    if refused is not None:
        return refused
    if spec.tgt_ccy is TgtCcy.QUOTE_CCY:  # swaps count contracts
        return Rejected.of(Reason.PARAM_ERROR, field="tgtCcy")
    if not spec.close_fraction:
        lots = size_lots(inst, spec.sz)
        if isinstance(lots, Rejected):
            return lots
    if spec.ord_type in _STOPS:
        return _check_tp_sl(inst, spec, prices)
    if spec.ord_type is AlgoOrdType.TRIGGER:
        return _check_trigger(inst, spec)
    return None  # trailing stops: the spot rules (`check_algo`'s) apply as they are


def _check_close(spec: AlgoSpec, pos_mode: PosMode) -> Rejected | None:
    reduce_only = spec.reduce_only or pos_mode is PosMode.LONG_SHORT  # long/short: sides close
    if spec.cxl_on_close_pos and not spec.reduce_only:
        return Rejected.of(Reason.PARAM_ERROR, field="reduceOnly")
    if not spec.close_fraction:
        return None
    if spec.ord_type not in _STOPS or not closes_side(spec.side, spec.pos_side):
        return Rejected(Reason.CLOSE_FRACTION_TYPE)  # 51331: close position orders only
    if not reduce_only:
        return Rejected(Reason.CLOSE_FRACTION_REDUCE_ONLY)
    if any(px is not None and px != MARKET_PX for px in (spec.tp_ord_px, spec.sl_ord_px)):
        return Rejected(Reason.CLOSE_FRACTION_MARKET)
    return None


def closes_side(side: Side, pos_side: PosSide | None) -> bool:
    """Whether an order on `side` can close the `pos_side` position: long/short mode, a sell closes
    the long side and a buy the short one; net mode, either side may (reduce-only decides)."""
    if pos_side is PosSide.LONG:
        return side is Side.SELL
    if pos_side is PosSide.SHORT:
        return side is Side.BUY
    return True


def check_swap_px_type(value: str, field: str) -> Rejected | None:
    return None if value in TRIGGER_PX_TYPES else Rejected.of(Reason.PARAM_ERROR, field=field)


def _swap_leg(
    inst: Instrument, trigger: Decimal | None, ord_px: Decimal | None, px_type: str, prefix: str
) -> Rejected | None:
    return check_leg(inst, trigger, ord_px, px_type, prefix, check_swap_px_type)


def _check_tp_sl(inst: Instrument, spec: AlgoSpec, prices: TriggerPrices) -> Rejected | None:
    tp = _swap_leg(inst, spec.tp_trigger_px, spec.tp_ord_px, spec.tp_trigger_px_type, "tp")
    sl = _swap_leg(inst, spec.sl_trigger_px, spec.sl_ord_px, spec.sl_trigger_px_type, "sl")
    if tp is not None or sl is not None:
        return tp or sl
    has_tp, has_sl = spec.tp_trigger_px is not None, spec.sl_trigger_px is not None
    if spec.ord_type is AlgoOrdType.OCO and not (has_tp and has_sl):
        return Rejected.of(Reason.PARAM_EMPTY, field="slTriggerPx" if has_tp else "tpTriggerPx")
    if not (has_tp or has_sl):
        return Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="tpTriggerPx", other="slTriggerPx")
    return legs_vs_prices(
        spec.side,
        spec.tp_trigger_px,
        spec.tp_trigger_px_type,
        spec.sl_trigger_px,
        spec.sl_trigger_px_type,
        prices,
    )


def legs_vs_prices(
    side: Side,
    tp: Decimal | None,
    tp_type: str,
    sl: Decimal | None,
    sl_type: str,
    prices: TriggerPrices,
) -> Rejected | None:
    """A sell's TP above the price it watches and its SL below (a buy the other way round), each
    refused with the code of its price type."""
    if tp is not None:
        ref = prices.of(tp_type)
        sell_tp, _, buy_tp, _ = _VS[tp_type]
        if side is Side.SELL and tp <= ref:
            return Rejected(sell_tp)
        if side is Side.BUY and tp >= ref:
            return Rejected(buy_tp)
    if sl is not None:
        ref = prices.of(sl_type)
        _, sell_sl, _, buy_sl = _VS[sl_type]
        if side is Side.SELL and sl >= ref:
            return Rejected(sell_sl)
        if side is Side.BUY and sl <= ref:
            return Rejected(buy_sl)
    return None


def _check_trigger(inst: Instrument, spec: AlgoSpec) -> Rejected | None:
    if spec.trigger_px is None:
        return Rejected.of(Reason.PARAM_EMPTY, field="triggerPx")
    if spec.ord_px is None:
        return Rejected.of(Reason.PARAM_EMPTY, field="orderPx")
    return (
        check_swap_px_type(spec.trigger_px_type, "triggerPxType")
        or check_trigger_px(inst, spec.trigger_px, "triggerPx")
        or check_ord_px(inst, spec.ord_px, "orderPx")
    )


# --- attached TP/SL on a swap order ----------------------------------------------------------------
def check_swap_attached(
    inst: Instrument, side: Side, px: Decimal | None, prices: TriggerPrices, items: tuple[AttachedAlgo, ...]
) -> Rejected | None:
    """A swap order's `attachAlgoOrds`: one item (split TPs are not served: 50025), any trigger
    price type; a limit order's TP/SL against its price (51046–51049), a market order's against
    the price each leg watches. `tpOrdKind` limit: a TP limit order at `tpOrdPx` (never -1: 51093,
    no trigger price needed) placed when the order fills, checked where a TP trigger price is."""
    if len(items) > 1:
        return Rejected.of(Reason.PARAM_COUNT_EXCEEDED, field="attachAlgoOrds", limit="1")
    for item in items:
        refused = _attached_item(inst, side, px, prices, item)
        if refused is not None:
            return refused
    return None


def _attached_item(
    inst: Instrument, side: Side, px: Decimal | None, prices: TriggerPrices, item: AttachedAlgo
) -> Rejected | None:
    tp, tp_type = item.tp_trigger_px, item.tp_trigger_px_type
    if item.tp_ord_kind == TP_LIMIT:
        refused = _tp_limit(inst, item)
        tp, tp_type = item.tp_ord_px, LAST  # the limit price stands where a trigger price would
    elif item.tp_ord_kind == TP_CONDITION:
        refused = _swap_leg(inst, item.tp_trigger_px, item.tp_ord_px, item.tp_trigger_px_type, "tp")
    else:
        refused = Rejected.of(Reason.PARAM_ERROR, field="tpOrdKind")
    refused = refused or _swap_leg(inst, item.sl_trigger_px, item.sl_ord_px, item.sl_trigger_px_type, "sl")
    if refused is not None:
        return refused
    sl = item.sl_trigger_px
    if tp is None and sl is None:
        return Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="tpTriggerPx", other="slTriggerPx")
    if px is None:
        opp = Side.SELL if side is Side.BUY else Side.BUY
        return legs_vs_prices(opp, tp, tp_type, sl, item.sl_trigger_px_type, prices)
    return attached_vs_px(side, tp, sl, px)


def _tp_limit(inst: Instrument, item: AttachedAlgo) -> Rejected | None:
    if item.tp_ord_px is None:
        return Rejected.of(Reason.PARAM_EMPTY, field="tpOrdPx")
    if item.tp_ord_px == MARKET_PX:
        return Rejected(Reason.TP_LIMIT_AT_MARKET)
    return check_trigger_px(inst, item.tp_ord_px, "tpOrdPx")


# --- triggers --------------------------------------------------------------------------------------
def swap_leg_fired(
    ord_type: AlgoOrdType,
    side: Side,
    tp: Decimal | None,
    tp_type: str,
    sl: Decimal | None,
    sl_type: str,
    watched: str,
    move: PriceMove,
) -> TriggerSide | None:
    """Which leg of a swap TP/SL `move` (of the `watched` price type) reached: only the legs that
    watch that price count. A conditional with both legs runs only its SL (OKX), whatever the
    TP watches."""
    if ord_type is AlgoOrdType.CONDITIONAL and sl is not None:
        tp = None
    return tp_sl_fired(
        ord_type,
        side,
        tp if tp_type == watched else None,
        sl if sl_type == watched else None,
        move,
    )
