"""Algo orders (OKX `trade/order-algo`): orders that wait for a price and then place an ordinary
order. This module holds their vocabulary; the model and the trigger rules build on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from sandex.domain.matching.order import Side, TgtCcy


class AlgoOrdType(StrEnum):
    CONDITIONAL = "conditional"  # one-way TP or SL (both sent on one: only the SL counts, as OKX)
    OCO = "oco"  # TP and SL: the first to trigger cancels the other
    TRIGGER = "trigger"  # places an order when the last price crosses triggerPx
    MOVE_ORDER_STOP = "move_order_stop"  # trailing stop (served on `algo-advance`)


# Advance algos (OKX cancels them with `cancel-advance-algos` and pushes them on `algo-advance`).
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
