"""The matching engine: per-instrument order books with price-time priority (pure, integer units)."""

from sandex.domain.matching.book import BookSide, LevelView
from sandex.domain.matching.engine import MatchingEngine
from sandex.domain.matching.events import (
    Action,
    Fill,
    MatchEvent,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
    rejection,
)
from sandex.domain.matching.order import (
    CancelCause,
    NewOrder,
    OrderSnapshot,
    OrdState,
    OrdType,
    Side,
    StpMode,
    TgtCcy,
)
from sandex.domain.matching.queue import Level, Order
from sandex.domain.matching.rules import DEFAULT_LIMITS, TradingLimits

__all__ = [
    "DEFAULT_LIMITS",
    "Action",
    "BookSide",
    "CancelCause",
    "Fill",
    "Level",
    "LevelView",
    "MatchEvent",
    "MatchingEngine",
    "NewOrder",
    "OrdState",
    "OrdType",
    "Order",
    "OrderAccepted",
    "OrderAmended",
    "OrderCanceled",
    "OrderFilled",
    "OrderRejected",
    "OrderSnapshot",
    "Side",
    "StpMode",
    "TgtCcy",
    "TradingLimits",
    "rejection",
]
