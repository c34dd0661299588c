"""The order book of one instrument: price levels holding FIFO queues of resting orders.

Each side keeps a dict of levels by price and a sorted list of *keys*, where a key is the price
times the side's sign (+1 bids, -1 asks). With that trick the best price of both sides sits at the
end of its list, so taking or emptying the best level is an O(1) `pop()` and "does this price
cross?" is a single comparison in key space. Orders in a level form an intrusive doubly-linked
list, so cancel and amend unlink in O(1) without searching the queue.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator
from typing import NamedTuple

from sandex.domain.matching.queue import Level, Order

BID_SIGN = 1
ASK_SIGN = -1
_MAX_SPARE = 64


class LevelView(NamedTuple):
    px: int  # ticks
    lots: int  # total open size
    order_count: int


class BookSide:
    __slots__ = ("_spare", "keys", "levels", "sign")

    def __init__(self, sign: int) -> None:
        self.sign = sign
        self.levels: dict[int, Level] = {}
        self.keys: list[int] = []  # sign * px, ascending: the best level is last
        self._spare: list[Level] = []  # emptied levels kept for reuse: moves create one per command

    def __len__(self) -> int:
        return len(self.keys)

    def best_px(self) -> int | None:
        return self.sign * self.keys[-1] if self.keys else None

    def add(self, order: Order) -> None:
        """Append at the back of its price level's queue (creating the level if needed)."""
        px = order.px
        level = self.levels.get(px)
        if level is None:
            if self._spare:
                level = self._spare.pop()
                level.px = px
            else:
                level = Level(px)
            self.levels[px] = level
            insort(self.keys, self.sign * px)
        tail = level.tail
        order.level = level
        order.prev = tail
        order.next = None
        if tail is None:
            level.head = order
        else:
            tail.next = order
        level.tail = order
        level.lots += order.sz - order.filled
        level.count += 1

    def remove(self, order: Order) -> None:
        """Unlink from its level; drop the level when it empties."""
        level = order.level
        assert level is not None, "order is not resting"
        prev = order.prev
        nxt = order.next
        if prev is None:
            level.head = nxt
        else:
            prev.next = nxt
        if nxt is None:
            level.tail = prev
        else:
            nxt.prev = prev
        order.prev = order.next = order.level = None
        level.lots -= order.sz - order.filled
        level.count -= 1
        if not level.count:
            self._drop(level.px)

    def _drop(self, px: int) -> None:
        spare = self._spare
        if len(spare) < _MAX_SPARE:
            spare.append(self.levels[px])  # empty: head/tail None, lots and count 0
        del self.levels[px]
        key = self.sign * px
        keys = self.keys
        if keys[-1] == key:
            keys.pop()
        else:
            del keys[bisect_left(keys, key)]

    def depth(self, n: int) -> list[LevelView]:
        """The best `n` levels, best first."""
        levels = self.levels
        sign = self.sign
        out: list[LevelView] = []
        for key in reversed(self.keys[-n:] if n > 0 else []):
            level = levels[sign * key]
            out.append(LevelView(level.px, level.lots, level.count))
        return out

    def orders(self) -> Iterator[Order]:
        """Every resting order, best level first, FIFO within a level."""
        for key in reversed(self.keys):
            yield from self.levels[self.sign * key].orders()
