"""Order-book streams: `books` (snapshot, then increments chained by `seqId`), `books5`, `bbo-tbt`.

One `BookStream` per (environment, instrument) somebody watches keeps the book *as last pushed*
(400 levels per side, aggregated per price). After every commit that touched the instrument, the
engine's committed depth is diffed against it: changed levels go out with their new size, vanished
ones with size "0", and the stream's `seqId` moves on by one. Every subscriber shares the chain, so
a new subscriber's snapshot (`prevSeqId` -1, taken from the mirror, never from the live engine) is
followed by exactly the update whose `prevSeqId` is its `seqId`; ccxt.pro raises on any gap. A book
that does not change for `HEARTBEAT_S` gets an empty update with `seqId == prevSeqId` (OKX's
heartbeat). `books5` and `bbo-tbt` are full snapshots without `action`, sent when they change.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Protocol

from sandex.domain.accounts.model import Environment
from sandex.domain.instruments import Instrument
from sandex.domain.matching.book import LevelView
from sandex.domain.money import format_decimal

DEPTH = 400  # OKX `books`: 400 levels per side
TOP5 = 5
HEARTBEAT_S = 60.0
SNAPSHOT, UPDATE = "snapshot", "update"
Depth = tuple[list[LevelView], list[LevelView]]  # (bids, asks), best first
WireLevel = list[str]  # [px, sz, "0", numOrders]


class BookSource(Protocol):
    def depth(self, environment: Environment, inst_id: str, levels: int) -> Depth | None:
        """The committed book's best `levels` per side, or None when the instrument has no book."""
        ...


class LevelFormat:
    """Ticks and lots as OKX strings, plain decimals as REST `market/books` shows them."""

    def __init__(self, inst: Instrument) -> None:
        self._tick, self._lot = inst.tick_sz, inst.lot_sz

    def level(self, px: int, lots: int, count: int) -> WireLevel:
        size = "0" if lots == 0 else format_decimal(lots * self._lot)
        return [format_decimal(px * self._tick), size, "0", str(count)]

    def levels(self, views: Sequence[LevelView]) -> list[WireLevel]:
        return [self.level(v.px, v.lots, v.order_count) for v in views]

    def price(self, px: int) -> Decimal:
        return px * self._tick


class BookStream:
    """One instrument's book as last pushed, and the `seqId` chain of its `books` channel."""

    def __init__(self, inst: Instrument, depth: Depth, seq: int, now_s: float) -> None:
        self.inst_id = inst.inst_id
        self.fmt = LevelFormat(inst)
        self.bids = {v.px: v for v in depth[0]}
        self.asks = {v.px: v for v in depth[1]}
        self.seq = seq
        self.changed_s = now_s  # monotonic time of the last update or heartbeat
        self.top5_sent: tuple[Any, ...] | None = None
        self.bbo_sent: tuple[Any, ...] | None = None

    def snapshot(self, ts: int) -> dict[str, Any]:
        """`books` snapshot item: every level of the mirror, `prevSeqId` -1."""
        return self._item(self._sorted_bids(), self._sorted_asks(), ts, -1, self.seq)

    def apply(self, depth: Depth, ts: int, now_s: float) -> dict[str, Any] | None:
        """Move the mirror to `depth`; the `books` update item, or None when nothing changed."""
        bids, asks = _diff(self.bids, depth[0]), _diff(self.asks, depth[1])
        if not bids and not asks:
            return None
        self.bids = {v.px: v for v in depth[0]}
        self.asks = {v.px: v for v in depth[1]}
        prev, self.seq = self.seq, self.seq + 1
        self.changed_s = now_s
        bids.sort(key=lambda v: -v.px)
        asks.sort(key=lambda v: v.px)
        return self._item(bids, asks, ts, prev, self.seq)

    def heartbeat(self, ts: int, now_s: float) -> dict[str, Any]:
        """An empty update keeping the chain: `seqId == prevSeqId`."""
        self.changed_s = now_s
        return self._item([], [], ts, self.seq, self.seq)

    def top(self, n: int) -> tuple[list[LevelView], list[LevelView]]:
        bids = heapq.nlargest(n, self.bids.values(), key=_px)
        return bids, heapq.nsmallest(n, self.asks.values(), key=_px)

    def _item(
        self, bids: Sequence[LevelView], asks: Sequence[LevelView], ts: int, prev: int, seq: int
    ) -> dict[str, Any]:
        fmt = self.fmt
        return {
            "asks": fmt.levels(asks),
            "bids": fmt.levels(bids),
            "ts": str(ts),
            "checksum": 0,  # OKX: deprecated, always 0; clients follow seqId
            "prevSeqId": prev,
            "seqId": seq,
        }

    def _sorted_bids(self) -> list[LevelView]:
        return sorted(self.bids.values(), key=lambda v: -v.px)

    def _sorted_asks(self) -> list[LevelView]:
        return sorted(self.asks.values(), key=lambda v: v.px)


def _px(level: LevelView) -> int:
    return level.px


def _diff(old: dict[int, LevelView], new: Sequence[LevelView]) -> list[LevelView]:
    """Levels whose size or order count changed, and levels gone (size 0)."""
    changed = [v for v in new if old.get(v.px) != v]
    present = {v.px for v in new}
    changed += [LevelView(px, 0, 0) for px in old if px not in present]
    return changed


def top5_item(stream: BookStream, ts: int) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """`books5` item (and its content key: pushed only when the content changed)."""
    bids, asks = stream.top(TOP5)
    key = (tuple(bids), tuple(asks))
    fmt = stream.fmt
    item = {
        "asks": fmt.levels(asks),
        "bids": fmt.levels(bids),
        "instId": stream.inst_id,
        "ts": str(ts),
        "seqId": stream.seq,
    }
    return key, item


def bbo_item(stream: BookStream, ts: int) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """`bbo-tbt` item: the best level of each side."""
    bids, asks = stream.top(1)
    key = (tuple(bids), tuple(asks))
    fmt = stream.fmt
    return key, {"asks": fmt.levels(asks), "bids": fmt.levels(bids), "ts": str(ts), "seqId": stream.seq}


class CoreBooks:
    """`BookSource` over the exchanges' in-memory engines (read while their state is committed)."""

    def __init__(self, exchange_of: Callable[[Environment], Any]) -> None:
        self._exchange_of = exchange_of

    def depth(self, environment: Environment, inst_id: str, levels: int) -> Depth | None:
        try:
            exchange = self._exchange_of(environment)
        except KeyError:  # not loaded yet (the sequencer has not started)
            return None
        engine = exchange.engine(inst_id)
        return None if engine is None else engine.depth(levels)
