"""The FIFO queue of one price level: resting `Order`s linked into their `Level`.

The queue is intrusive: each order carries its own `prev`/`next` links and a pointer to the level
that holds it, so cancel and amend unlink in O(1) without searching. `Order` and `Level` refer to
each other, which is why they share a module; `BookSide` (book.py) does the linking.
"""

from __future__ import annotations

from collections.abc import Iterator

from sandex.domain.matching.order import OrderSnapshot, OrdState, OrdType, Side, StpMode, TgtCcy


class Level:
    __slots__ = ("count", "head", "lots", "px", "tail")

    def __init__(self, px: int) -> None:
        self.px = px
        self.head: Order | None = None
        self.tail: Order | None = None
        self.lots = 0
        self.count = 0

    def orders(self) -> Iterator[Order]:
        node = self.head
        while node is not None:
            yield node
            node = node.next


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
