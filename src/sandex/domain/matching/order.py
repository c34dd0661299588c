"""Orders inside the engine: enums, the validated `NewOrder` and the immutable `OrderSnapshot`.

The mutable resting `Order` lives in `queue.py`, next to the price level that links it.

Units: `px` is an integer number of ticks, fills are integer lots. `sz` is in the order's target
unit, exactly like OKX's `sz`/`tgtCcy`: lots for base-sized orders (every limit-priced order and
most market orders), *notional* units (ticks x lots) for quote-sized market orders. `filled` is
always lots (OKX `accFillSz`), `filled_notional` always ticks x lots (for `avgPx` and budgets).
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrdType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"
    POST_ONLY = "post_only"
    IOC = "ioc"
    FOK = "fok"
    OPTIMAL_LIMIT_IOC = "optimal_limit_ioc"  # swaps only: a market IOC limited to the price limit


class TgtCcy(StrEnum):
    BASE_CCY = "base_ccy"
    QUOTE_CCY = "quote_ccy"


class StpMode(StrEnum):
    CANCEL_MAKER = "cancel_maker"
    CANCEL_TAKER = "cancel_taker"
    CANCEL_BOTH = "cancel_both"


class OrdState(StrEnum):
    LIVE = "live"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"


class CancelCause(StrEnum):
    """Why an order was canceled; the transport maps each to OKX `cancelSource` (code in comment)."""

    USER = "user"  # 1
    IOC_UNFILLED = "ioc_unfilled"  # 14: IOC remainder
    FOK_UNFILLABLE = "fok_unfillable"  # 13: FOK could not fill completely
    MARKET_UNFILLED = "market_unfilled"  # 0 (system): the book ran out for a market order
    SELF_TRADE = "self_trade"  # 32 (unverified): self-trade prevention
    MATCH_LIMIT = "match_limit"  # 33 (unverified): taker reached the 1,000-maker cap
    AMEND_FAILED = "amend_failed"  # 1 (user asked: amend with cxlOnFail=true failed)
    POST_ONLY_TAKES = "post_only_takes"  # 31: a post_only order that would take is accepted, then canceled
    POSITION_CLOSED = "position_closed"  # 17: a swap close/reduce-only order outlived what it closes


RESTING_TYPES = frozenset({OrdType.LIMIT, OrdType.POST_ONLY})
PENDING_STATES = frozenset({OrdState.LIVE, OrdState.PARTIALLY_FILLED})


class NewOrder(NamedTuple):
    """A validated order request in engine units (see the module docstring)."""

    account_id: int
    side: Side
    ord_type: OrdType
    sz: int  # lots; notional (ticks x lots) when tgt_ccy is QUOTE_CCY (market orders only)
    px: int = 0  # ticks; 0 for market orders
    tgt_ccy: TgtCcy = TgtCcy.BASE_CCY
    cl_ord_id: str = ""
    tag: str = ""
    stp_mode: StpMode = StpMode.CANCEL_MAKER


class OrderSnapshot(NamedTuple):
    """An order as it was at one instant: what events carry and what storage persists/restores."""

    ord_id: int
    inst_id: str
    account_id: int
    side: Side
    ord_type: OrdType
    tgt_ccy: TgtCcy
    px: int  # ticks; 0 for market orders
    sz: int  # lots, or notional for quote-sized market orders
    filled: int  # lots
    filled_notional: int  # ticks x lots
    state: OrdState
    cl_ord_id: str
    tag: str
    stp_mode: StpMode
    c_ts: int
    u_ts: int
    seq: int  # time priority within a price level: lower goes first; 0 when not resting

    @property
    def remaining(self) -> int:
        """What is still open, in `sz` units (lots or notional)."""
        done = self.filled_notional if self.tgt_ccy is TgtCcy.QUOTE_CCY else self.filled
        return max(self.sz - done, 0)

    @property
    def is_pending(self) -> bool:
        return self.state in PENDING_STATES
