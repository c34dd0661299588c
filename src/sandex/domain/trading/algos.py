"""Algo orders (OKX `trade/order-algo`): orders that wait for a price and then place an ordinary
order. This module holds their vocabulary; the model and the trigger rules build on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

from sandex.domain.derivatives.contracts import PosSide
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Instrument
from sandex.domain.matching.order import Side, TgtCcy
from sandex.domain.matching.rules import price_ticks, quote_notional, size_lots


class AlgoOrdType(StrEnum):
    CONDITIONAL = "conditional"  # one-way TP or SL (both sent on one: only the SL counts, as OKX)
    OCO = "oco"  # TP and SL: the first to trigger cancels the other
    TRIGGER = "trigger"  # places an order when the last price crosses triggerPx
    MOVE_ORDER_STOP = "move_order_stop"  # trailing stop (served on `algo-advance`)


# Advance algos: pushed on `algo-advance`; the legacy `cancel-advance-algos` cancels only these
# (`cancel-algos` cancels every kind, as OKX documents it now).
ADVANCE_TYPES = frozenset({AlgoOrdType.MOVE_ORDER_STOP})


class AlgoState(StrEnum):
    LIVE = "live"
    EFFECTIVE = "effective"  # triggered and its order placed
    CANCELED = "canceled"
    ORDER_FAILED = "order_failed"  # triggered, but its order was refused (`failCode` says why)


FINAL_STATES = frozenset({AlgoState.EFFECTIVE, AlgoState.CANCELED, AlgoState.ORDER_FAILED})


class TriggerSide(StrEnum):
    """Which leg of a TP/SL (conditional or oco) fired: OKX `actualSide`."""

    TP = "tp"
    SL = "sl"


MARKET_PX = Decimal(-1)  # an order price of -1: at market (OKX's `slOrdPx: "-1"`)


@dataclass(frozen=True, slots=True)
class AlgoSpec:
    """An algo order as the transport parses it (`trade/order-algo`), in plain decimals."""

    inst_id: str
    ord_type: AlgoOrdType
    side: Side
    sz: Decimal
    td_mode: str = "cash"
    tgt_ccy: TgtCcy | None = None
    algo_cl_ord_id: str = ""
    tag: str = ""
    reduce_only: bool = False
    tp_trigger_px: Decimal | None = None
    tp_ord_px: Decimal | None = None  # MARKET_PX: market
    tp_trigger_px_type: str = "last"
    sl_trigger_px: Decimal | None = None
    sl_ord_px: Decimal | None = None  # MARKET_PX: market
    sl_trigger_px_type: str = "last"
    trigger_px: Decimal | None = None
    ord_px: Decimal | None = None  # MARKET_PX: market
    trigger_px_type: str = "last"
    callback_ratio: Decimal | None = None
    callback_spread: Decimal | None = None
    active_px: Decimal | None = None
    # swaps only (`domain/trading/swap_algos.py` checks them)
    pos_side: PosSide | None = None  # None: not sent
    close_fraction: bool = False  # closeFraction "1": close the whole position when triggered
    cxl_on_close_pos: bool = False  # canceled when its position closes


@dataclass(frozen=True, slots=True)
class AlgoCancelSpec:
    inst_id: str
    algo_id: int | None = None  # wins over algo_cl_ord_id when both are given
    algo_cl_ord_id: str = ""


@dataclass(frozen=True, slots=True)
class AlgoAmendSpec:
    """`amend-algos`: a new size and/or new prices; a TP/SL trigger price of 0 deletes that leg."""

    inst_id: str
    algo_id: int | None = None
    algo_cl_ord_id: str = ""
    new_sz: Decimal | None = None
    new_tp_trigger_px: Decimal | None = None
    new_tp_ord_px: Decimal | None = None
    new_sl_trigger_px: Decimal | None = None
    new_sl_ord_px: Decimal | None = None
    new_trigger_px: Decimal | None = None
    new_ord_px: Decimal | None = None
    cxl_on_fail: bool = False
    req_id: str = ""
    # None: unchanged; spot takes "last" only, swaps last, mark or index
    new_tp_trigger_px_type: str | None = None
    new_sl_trigger_px_type: str | None = None
    new_trigger_px_type: str | None = None


# --- limits (OKX: "The maximum number of pending algo orders", per account) ------------------------
MAX_STOP_PER_INSTRUMENT = 100  # conditional + oco ("TP/SL order: 100 per instrument"): 51261
MAX_TRIGGER = 500  # trigger orders: 51299
MAX_TRAILING = 50  # move_order_stop: 51260
CALLBACK_RATIO_MIN = Decimal("0.001")  # 0.1 %
CALLBACK_RATIO_MAX = Decimal("0.3")  # 30 %
TRIGGER_PX_TYPES = frozenset({"last", "index", "mark"})

_BUY = Side.BUY
_SELL = Side.SELL


@dataclass(frozen=True, slots=True)
class PriceMove:
    """What the last price did during one command: its lowest, highest and final value."""

    lo: Decimal
    hi: Decimal
    last: Decimal

    @classmethod
    def at(cls, px: Decimal) -> PriceMove:
        return cls(px, px, px)


# --- placement checks (pure: the instrument and the last price are given) ------------------------
def check_px_type(value: str) -> Rejected | None:
    """Spot triggers on the last price only (51415); an unknown type is a parameter error."""
    if value not in TRIGGER_PX_TYPES:
        return Rejected.of(Reason.PARAM_ERROR, field="triggerPxType")
    return None if value == "last" else Rejected(Reason.SPOT_TRIGGER_LAST_ONLY)


def check_trigger_px(inst: Instrument, px: Decimal, field: str) -> Rejected | None:
    """A trigger price: positive and on the tick (never `-1`: that is for order prices only)."""
    ticks = price_ticks(inst, px, field)
    return ticks if isinstance(ticks, Rejected) else None


def check_ord_px(inst: Instrument, px: Decimal, field: str) -> Rejected | None:
    """An order price: `-1` (market) or a positive price on the tick."""
    return None if px == MARKET_PX else check_trigger_px(inst, px, field)


def check_tp_vs_last(side: Side, tp: Decimal, last: Decimal) -> Rejected | None:
    """A sell takes profit above the last price, a buy below it (OKX 51279 / 51277)."""
    if side is _SELL and tp <= last:
        return Rejected(Reason.TP_BELOW_LAST)
    if side is _BUY and tp >= last:
        return Rejected(Reason.TP_ABOVE_LAST)
    return None


def check_sl_vs_last(side: Side, sl: Decimal, last: Decimal) -> Rejected | None:
    """A sell stops a loss below the last price, a buy above it (OKX 51280 / 51278)."""
    if side is _SELL and sl >= last:
        return Rejected(Reason.SL_ABOVE_LAST)
    if side is _BUY and sl <= last:
        return Rejected(Reason.SL_BELOW_LAST)
    return None


def check_leg(
    inst: Instrument,
    trigger: Decimal | None,
    ord_px: Decimal | None,
    px_type: str,
    prefix: str,
    px_type_check: Callable[[str, str], Rejected | None] | None = None,
) -> Rejected | None:
    """One TP or SL leg: both prices or neither, each well formed, and its trigger price type
    (spot: the last price only; a swap passes its own check naming the field)."""
    if trigger is None and ord_px is None:
        return None
    if trigger is None:
        return Rejected.of(Reason.PARAM_EMPTY, field=f"{prefix}TriggerPx")
    if ord_px is None:
        return Rejected.of(Reason.PARAM_EMPTY, field=f"{prefix}OrdPx")
    type_refused = (
        check_px_type(px_type) if px_type_check is None else px_type_check(px_type, f"{prefix}TriggerPxType")
    )
    return (
        type_refused
        or check_trigger_px(inst, trigger, f"{prefix}TriggerPx")
        or check_ord_px(inst, ord_px, f"{prefix}OrdPx")
    )


def market_legs(spec: AlgoSpec) -> bool:
    """Whether the order the algo places may be a market order (sizes then follow `tgtCcy`)."""
    if spec.ord_type is AlgoOrdType.MOVE_ORDER_STOP:
        return True
    return MARKET_PX in (spec.tp_ord_px, spec.sl_ord_px, spec.ord_px)


def quote_sized(spec: AlgoSpec, *, swap: bool = False) -> bool:
    """`sz` counts quote currency: a market buy whose `tgtCcy` is quote (OKX's default for buys);
    never on swaps (contracts)."""
    if swap or spec.side is not _BUY or not market_legs(spec):
        return False
    return spec.tgt_ccy is not TgtCcy.BASE_CCY


def check_size(inst: Instrument, spec: AlgoSpec) -> Rejected | None:
    """`sz` as the order it places will take it: lots (and a quote amount too for a market buy)."""
    if spec.tgt_ccy is not None and spec.ord_type is AlgoOrdType.TRIGGER:
        return Rejected(Reason.TRIGGER_TGT_CCY)
    if quote_sized(spec):
        limit_legs = [
            px for px in (spec.tp_ord_px, spec.sl_ord_px, spec.ord_px) if px not in (None, MARKET_PX)
        ]
        if limit_legs:  # a limit leg sized in quote: OKX's tgtCcy is for market buys only
            return Rejected.of(Reason.PARAM_ERROR, field="tgtCcy")
        if spec.sz.is_finite() and spec.sz > inst.max_mkt_amt:
            return Rejected(Reason.MARKET_ORDER_TOO_LARGE)
        units = quote_notional(inst, spec.sz)
        return units if isinstance(units, Rejected) else None
    if spec.tgt_ccy is TgtCcy.QUOTE_CCY:
        return Rejected.of(Reason.PARAM_ERROR, field="tgtCcy")
    lots = size_lots(inst, spec.sz)
    return lots if isinstance(lots, Rejected) else None


def check_algo(inst: Instrument, spec: AlgoSpec, last: Decimal) -> Rejected | None:
    """Every placement rule that needs no account state, in OKX's order: mode, size, then the
    fields of the algo's type, then trigger prices against the last price. Spot has no position:
    a `posSide` but `net`, `closeFraction` and `cxlOnClosePos` are parameter errors."""
    if spec.pos_side not in (None, PosSide.NET):
        return Rejected.of(Reason.PARAM_ERROR, field="posSide")
    if spec.close_fraction or spec.cxl_on_close_pos:
        return Rejected.of(
            Reason.PARAM_ERROR, field="closeFraction" if spec.close_fraction else "cxlOnClosePos"
        )
    if spec.td_mode != "cash":
        return Rejected.of(Reason.PARAM_ERROR, field="tdMode")
    refused = check_size(inst, spec)
    if refused is not None:
        return refused
    if spec.ord_type in (AlgoOrdType.CONDITIONAL, AlgoOrdType.OCO):
        return _check_tp_sl(inst, spec, last)
    if spec.ord_type is AlgoOrdType.TRIGGER:
        return _check_trigger(inst, spec)
    return check_trailing(inst, spec, last)


def _check_tp_sl(inst: Instrument, spec: AlgoSpec, last: Decimal) -> Rejected | None:
    tp = check_leg(inst, spec.tp_trigger_px, spec.tp_ord_px, spec.tp_trigger_px_type, "tp")
    sl = check_leg(inst, spec.sl_trigger_px, spec.sl_ord_px, spec.sl_trigger_px_type, "sl")
    if tp is not None or sl is not None:
        return tp or sl
    has_tp, has_sl = spec.tp_trigger_px is not None, spec.sl_trigger_px is not None
    if spec.ord_type is AlgoOrdType.OCO and not (has_tp and has_sl):
        return Rejected.of(Reason.PARAM_EMPTY, field="slTriggerPx" if has_tp else "tpTriggerPx")
    if not (has_tp or has_sl):
        return Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="tpTriggerPx", other="slTriggerPx")
    return tp_sl_vs_last(spec.side, spec.tp_trigger_px, spec.sl_trigger_px, last)


def tp_sl_vs_last(side: Side, tp: Decimal | None, sl: Decimal | None, last: Decimal) -> Rejected | None:
    return (None if tp is None else check_tp_vs_last(side, tp, last)) or (
        None if sl is None else check_sl_vs_last(side, sl, last)
    )


def _check_trigger(inst: Instrument, spec: AlgoSpec) -> Rejected | None:
    if spec.trigger_px is None:
        return Rejected.of(Reason.PARAM_EMPTY, field="triggerPx")
    if spec.ord_px is None:
        return Rejected.of(Reason.PARAM_EMPTY, field="orderPx")
    return (
        check_px_type(spec.trigger_px_type)
        or check_trigger_px(inst, spec.trigger_px, "triggerPx")
        or check_ord_px(inst, spec.ord_px, "orderPx")
    )


def check_trailing(inst: Instrument, spec: AlgoSpec, last: Decimal) -> Rejected | None:
    ratio, spread = spec.callback_ratio, spec.callback_spread
    if ratio is not None and spread is not None:
        return Rejected.of(Reason.PARAMS_CONFLICT, field="callbackRatio", other="callbackSpread")
    if ratio is None and spread is None:
        return Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="callbackRatio", other="callbackSpread")
    if ratio is not None and not (ratio.is_finite() and CALLBACK_RATIO_MIN <= ratio <= CALLBACK_RATIO_MAX):
        return Rejected.of(Reason.CALLBACK_RATIO_RANGE, min="0.1", max="30")
    if spread is not None:
        refused = check_trigger_px(inst, spread, "callbackSpread")
        if refused is not None:
            return refused
    active = spec.active_px
    if active is None:
        return None
    refused = check_trigger_px(inst, active, "activePx")
    if refused is not None:
        return refused
    if spec.side is _SELL and active <= last:
        return Rejected(Reason.TRAILING_SELL_ACTIVE_PX)
    if spec.side is _BUY and active >= last:
        return Rejected(Reason.TRAILING_BUY_ACTIVE_PX)
    return None


# --- triggers ------------------------------------------------------------------------------------
def tp_sl_fired(
    ord_type: AlgoOrdType, side: Side, tp: Decimal | None, sl: Decimal | None, move: PriceMove
) -> TriggerSide | None:
    """Which leg the move reached: a sell's TP when the price rose to it, its SL when the price
    fell to it (a buy mirrors). A conditional with both legs runs only its SL (OKX); when one
    move reached both legs of an oco, the SL wins (the path inside one command is not known)."""
    if ord_type is AlgoOrdType.CONDITIONAL and sl is not None:
        tp = None
    if sl is not None and (move.lo <= sl if side is _SELL else move.hi >= sl):
        return TriggerSide.SL
    if tp is not None and (move.hi >= tp if side is _SELL else move.lo <= tp):
        return TriggerSide.TP
    return None


def trigger_fired(trigger_px: Decimal, placed_last: Decimal | None, move: PriceMove) -> bool:
    """A trigger order fires when the last price crosses `triggerPx` from the side it was on when
    the order was placed (from above: reaching it or below; from below: reaching it or above)."""
    if placed_last is None or placed_last >= trigger_px:
        return move.lo <= trigger_px
    return move.hi >= trigger_px


@dataclass(frozen=True, slots=True)
class Trail:
    """A trailing stop's tracking state: whether it is active, the extreme since then, its trigger."""

    activated: bool
    extreme: Decimal | None
    trigger: Decimal | None
    fired: bool = False


def trail_trigger(
    side: Side, extreme: Decimal, ratio: Decimal | None, spread: Decimal | None, tick: Decimal
) -> Decimal:
    """OKX: sell = highest x (1 - ratio) or highest - spread; buy = lowest x (1 + ratio) or lowest
    + spread; on the tick, rounded away from the market (a sell's down, a buy's up)."""
    if side is _SELL:
        raw = extreme * (1 - ratio) if ratio is not None else extreme - (spread or Decimal(0))
        return (raw / tick).to_integral_value(ROUND_FLOOR) * tick
    raw = extreme * (1 + ratio) if ratio is not None else extreme + (spread or Decimal(0))
    return (raw / tick).to_integral_value(ROUND_CEILING) * tick


def trail_step(
    side: Side,
    state: Trail,
    active_px: Decimal | None,
    ratio: Decimal | None,
    spread: Decimal | None,
    tick: Decimal,
    move: PriceMove,
) -> Trail:
    """A trailing stop after one move. Inactive: activates once the price reached `activePx` (a
    sell's from below, a buy's from above). Active: fires when the price came back to the trigger
    of the extreme known before the move, else follows the move's extreme and checks its end."""
    sell = side is _SELL
    if not state.activated:
        reached = active_px is None or (move.hi >= active_px if sell else move.lo <= active_px)
        if not reached:
            return state
        extreme = move.hi if sell else move.lo
        trigger = trail_trigger(side, extreme, ratio, spread, tick)
        return Trail(True, extreme, trigger, move.last <= trigger if sell else move.last >= trigger)
    if state.trigger is not None and (move.lo <= state.trigger if sell else move.hi >= state.trigger):
        return Trail(True, state.extreme, state.trigger, True)
    seen = move.hi if sell else move.lo
    extreme = (
        seen if state.extreme is None else (max(state.extreme, seen) if sell else min(state.extreme, seen))
    )
    trigger = trail_trigger(side, extreme, ratio, spread, tick)
    return Trail(True, extreme, trigger, move.last <= trigger if sell else move.last >= trigger)


def trail_start(
    side: Side,
    active_px: Decimal | None,
    ratio: Decimal | None,
    spread: Decimal | None,
    tick: Decimal,
    last: Decimal,
) -> Trail:
    """A trailing stop as placed: without `activePx` it tracks from the last price at once."""
    if active_px is not None:
        return Trail(False, None, None)
    return Trail(True, last, trail_trigger(side, last, ratio, spread, tick))


def opposite(side: Side) -> Side:
    return _SELL if side is _BUY else _BUY


# --- TP/SL attached to an ordinary order (`attachAlgoOrds`) ----------------------------------------
@dataclass(frozen=True, slots=True)
class AttachedAlgo:
    """One `attachAlgoOrds` item: a TP and/or SL the order gets once it is fully filled."""

    attach_algo_cl_ord_id: str = ""
    tp_trigger_px: Decimal | None = None
    tp_ord_px: Decimal | None = None  # MARKET_PX: market
    tp_trigger_px_type: str = "last"
    tp_ord_kind: str = "condition"  # "limit": a TP limit order, not on spot (51094)
    sl_trigger_px: Decimal | None = None
    sl_ord_px: Decimal | None = None
    sl_trigger_px_type: str = "last"


MAX_ATTACHED_SPOT = 1  # spot takes one TP/SL item (split TPs are for derivatives: 51077)


@dataclass(frozen=True, slots=True)
class AttachedAmend:
    """One `attachAlgoOrds` item of `amend-order`: which TP/SL of the order (`attachAlgoId` wins
    over `attachAlgoClOrdId`) and its new prices (None: unchanged; a 0 deletes that leg)."""

    attach_algo_id: int | None = None
    attach_algo_cl_ord_id: str = ""
    new_tp_trigger_px: Decimal | None = None
    new_tp_ord_px: Decimal | None = None  # MARKET_PX: market
    new_tp_trigger_px_type: str = "last"
    new_tp_ord_kind: str = "condition"
    new_sl_trigger_px: Decimal | None = None
    new_sl_ord_px: Decimal | None = None
    new_sl_trigger_px_type: str = "last"


def amend_attached(item: AttachedAlgo, change: AttachedAmend) -> AttachedAlgo:
    """An order's TP/SL after an amend, to be checked like a placement (`check_attached`)."""
    tp = new_leg(item.tp_trigger_px, item.tp_ord_px, change.new_tp_trigger_px, change.new_tp_ord_px)
    sl = new_leg(item.sl_trigger_px, item.sl_ord_px, change.new_sl_trigger_px, change.new_sl_ord_px)
    return AttachedAlgo(
        attach_algo_cl_ord_id=item.attach_algo_cl_ord_id,
        tp_trigger_px=tp[0],
        tp_ord_px=tp[1],
        # a leg the amend does not touch keeps the price it watches
        tp_trigger_px_type=item.tp_trigger_px_type
        if change.new_tp_trigger_px is None
        else change.new_tp_trigger_px_type,
        tp_ord_kind=change.new_tp_ord_kind,
        sl_trigger_px=sl[0],
        sl_ord_px=sl[1],
        sl_trigger_px_type=item.sl_trigger_px_type
        if change.new_sl_trigger_px is None
        else change.new_sl_trigger_px_type,
    )


def new_leg(
    trigger: Decimal | None, ord_px: Decimal | None, new_trigger: Decimal | None, new_ord_px: Decimal | None
) -> tuple[Decimal | None, Decimal | None]:
    """A TP or SL leg after an amend: a new value replaces the old, a 0 in either deletes the leg."""
    if new_trigger == 0 or new_ord_px == 0:
        return None, None
    return (
        trigger if new_trigger is None else new_trigger,
        ord_px if new_ord_px is None else new_ord_px,
    )


def check_attached(
    inst: Instrument, side: Side, px: Decimal | None, last: Decimal, items: tuple[AttachedAlgo, ...]
) -> Rejected | None:
    """The TP/SL of an order about to be placed on `side` at `px` (None: market, checked against
    the last price): a sell TP/SL for a buy, the mirror for a sell."""
    if len(items) > MAX_ATTACHED_SPOT:
        return Rejected.of(Reason.PARAM_COUNT_EXCEEDED, field="attachAlgoOrds", limit=str(MAX_ATTACHED_SPOT))
    for item in items:
        refused = _check_attached_item(inst, side, px, last, item)
        if refused is not None:
            return refused
    return None


def _check_attached_item(
    inst: Instrument, side: Side, px: Decimal | None, last: Decimal, item: AttachedAlgo
) -> Rejected | None:
    if item.tp_ord_kind == "limit":
        return Rejected(Reason.TP_LIMIT_NOT_ON_SPOT)
    if item.tp_ord_kind != "condition":
        return Rejected.of(Reason.PARAM_ERROR, field="tpOrdKind")
    refused = check_leg(inst, item.tp_trigger_px, item.tp_ord_px, item.tp_trigger_px_type, "tp") or check_leg(
        inst, item.sl_trigger_px, item.sl_ord_px, item.sl_trigger_px_type, "sl"
    )
    if refused is not None:
        return refused
    tp, sl = item.tp_trigger_px, item.sl_trigger_px
    if tp is None and sl is None:
        return Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="tpTriggerPx", other="slTriggerPx")
    if px is None:  # a market order: its TP/SL is the opposite side's, against the last price
        return tp_sl_vs_last(opposite(side), tp, sl, last)
    return attached_vs_px(side, tp, sl, px)


def attached_vs_px(side: Side, tp: Decimal | None, sl: Decimal | None, px: Decimal) -> Rejected | None:
    """A limit order's TP/SL against its price: a buy's TP above it and SL below (51046/51047),
    a sell's the other way round (51048/51049)."""
    if side is _BUY:
        if tp is not None and tp <= px:
            return Rejected(Reason.ATTACHED_TP_BELOW_PX)
        return Rejected(Reason.ATTACHED_SL_ABOVE_PX) if sl is not None and sl >= px else None
    if tp is not None and tp >= px:
        return Rejected(Reason.ATTACHED_TP_ABOVE_PX)
    return Rejected(Reason.ATTACHED_SL_BELOW_PX) if sl is not None and sl <= px else None
