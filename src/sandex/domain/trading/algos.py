"""Algo orders (OKX `trade/order-algo`): orders that wait for a price and then place an ordinary
order. This module holds their vocabulary; the model and the trigger rules build on it.
"""

from __future__ import annotations

from enum import StrEnum


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
