"""Orders inside the engine: enums, the mutable resting `Order` and its immutable `OrderSnapshot`.

Units: `px` is an integer number of ticks, fills are integer lots. `sz` is in the order's target
unit, exactly like OKX's `sz`/`tgtCcy`: lots for base-sized orders (every limit-priced order and
most market orders), *notional* units (ticks x lots) for quote-sized market orders. `filled` is
always lots (OKX `accFillSz`), `filled_notional` always ticks x lots (for `avgPx` and budgets).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from sandex.domain.matching.book import Level


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrdType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"
    POST_ONLY = "post_only"
    IOC = "ioc"
    FOK = "fok"


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


class Order:
    """A live order. Mutable and intrusive (prev/next link it into its price level's FIFO queue)."""

    __slots__ = (
        "account_id",
        "c_ts",
        "cl_ord_id",
        "filled",
        "filled_notional",
        "inst_id",
        "level",
        "next",
        "ord_id",
        "ord_type",
        "prev",
        "px",
        "seq",
        "side",
        "state",
        "stp_mode",
        "sz",
        "tag",
        "tgt_ccy",
        "u_ts",
    )

    def __init__(
        self,
        ord_id: int,
        inst_id: str,
        account_id: int,
        side: Side,
        ord_type: OrdType,
        tgt_ccy: TgtCcy,
        px: int,
        sz: int,
        cl_ord_id: str,
        tag: str,
        stp_mode: StpMode,
        ts: int,
    ) -> None:
        self.ord_id = ord_id
        self.inst_id = inst_id
        self.account_id = account_id
        self.side = side
        self.ord_type = ord_type
        self.tgt_ccy = tgt_ccy
        self.px = px
        self.sz = sz
        self.filled = 0
        self.filled_notional = 0
        self.state = OrdState.LIVE
        self.cl_ord_id = cl_ord_id
        self.tag = tag
        self.stp_mode = stp_mode
        self.c_ts = ts
        self.u_ts = ts
        self.seq = 0
        self.prev: Order | None = None
        self.next: Order | None = None
        self.level: Level | None = None  # the price level it rests in

    def snapshot(self) -> OrderSnapshot:
        # tuple.__new__ skips NamedTuple's keyword-handling __new__: this runs on every event.
        return tuple.__new__(
            OrderSnapshot,
            (
                self.ord_id,
                self.inst_id,
                self.account_id,
                self.side,
                self.ord_type,
                self.tgt_ccy,
                self.px,
                self.sz,
                self.filled,
                self.filled_notional,
                self.state,
                self.cl_ord_id,
                self.tag,
                self.stp_mode,
                self.c_ts,
                self.u_ts,
                self.seq,
            ),
        )

    @classmethod
    def from_snapshot(cls, snap: OrderSnapshot) -> Order:
        order = cls(
            snap.ord_id,
            snap.inst_id,
            snap.account_id,
            snap.side,
            snap.ord_type,
            snap.tgt_ccy,
            snap.px,
            snap.sz,
            snap.cl_ord_id,
            snap.tag,
            snap.stp_mode,
            snap.c_ts,
        )
        order.filled = snap.filled
        order.filled_notional = snap.filled_notional
        order.state = snap.state
        order.u_ts = snap.u_ts
        order.seq = snap.seq
        return order

    def __repr__(self) -> str:
        return (
            f"Order({self.ord_id}, acct={self.account_id}, {self.side} {self.ord_type} "
            f"{self.filled}/{self.sz}@{self.px}, {self.state})"
        )
