"""Candles: open = first trade, close = last, high/low, base and quote volume, for any bar.

A `Candle` is mutable while its bar is open (trades are folded into it) and is keyed by its open
time. `aggregate` builds the candles of a bar from trades in one go; `merge` builds larger candles
from smaller ones (backfilled history). Both give the same result as folding trade by trade,
which is what the tests pin down.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.marketdata.bars import Bar

_ZERO = Decimal(0)


class Candle:
    __slots__ = ("c", "end", "h", "l", "n", "o", "ts", "vol", "vol_ccy")

    def __init__(
        self, ts: int, end: int, px: Decimal, vol: Decimal = _ZERO, vol_ccy: Decimal = _ZERO, n: int = 0
    ) -> None:
        self.ts = ts  # open time (ms)
        self.end = end  # close time: the next bar's open
        self.o = self.h = self.l = self.c = px
        self.vol = vol  # base currency
        self.vol_ccy = vol_ccy  # quote currency
        self.n = n  # trades folded in (a version number: more trades = newer state)

    @classmethod
    def of(cls, bar: Bar, ts: int, px: Decimal) -> Candle:
        """An empty candle of `bar` for the bar containing `ts`, opening at `px`."""
        start = bar.open_of(ts)
        return cls(start, bar.next_open(start), px)

    def fold(self, px: Decimal, sz: Decimal) -> None:
        """One more trade (in time order)."""
        if self.n == 0 and self.vol == 0:
            self.o = self.h = self.l = px
        elif px > self.h:
            self.h = px
        elif px < self.l:
            self.l = px
        self.c = px
        self.vol += sz
        self.vol_ccy += px * sz
        self.n += 1

    def absorb(self, part: Candle) -> None:
        """A smaller candle of the same span (in time order), e.g. a 1m candle into its hour."""
        if self.n == 0 and self.vol == 0:
            self.o, self.h, self.l = part.o, part.h, part.l
        else:
            self.h = max(self.h, part.h)
            self.l = min(self.l, part.l)
        self.c = part.c
        self.vol += part.vol
        self.vol_ccy += part.vol_ccy
        self.n += part.n

    def copy(self) -> Candle:
        out = Candle(self.ts, self.end, self.o, self.vol, self.vol_ccy, self.n)
        out.h, out.l, out.c = self.h, self.l, self.c
        return out

    def values(self) -> CandleValues:
        return CandleValues(self.ts, self.o, self.h, self.l, self.c, self.vol, self.vol_ccy, self.n)

    def __repr__(self) -> str:
        return (
            f"Candle({self.ts}, o={self.o}, h={self.h}, l={self.l}, c={self.c}, vol={self.vol}, n={self.n})"
        )


@dataclass(frozen=True, slots=True)
class CandleValues:
    """A candle's content, immutable (what storage writes and reads)."""

    ts: int
    o: Decimal
    h: Decimal
    l: Decimal  # noqa: E741 - OKX's own letter
    c: Decimal
    vol: Decimal
    vol_ccy: Decimal
    n: int

    def candle(self, bar: Bar) -> Candle:
        out = Candle(self.ts, bar.next_open(self.ts), self.o, self.vol, self.vol_ccy, self.n)
        out.h, out.l, out.c = self.h, self.l, self.c
        return out


def aggregate(trades: Iterable[tuple[int, Decimal, Decimal]], bar: Bar) -> list[Candle]:
    """The candles of `bar` for `(ts, px, sz)` trades given in time order, oldest first."""
    out: list[Candle] = []
    current: Candle | None = None
    for ts, px, sz in trades:
        if current is None or ts >= current.end:
            current = Candle.of(bar, ts, px)
            out.append(current)
        current.fold(px, sz)
    return out


def merge(parts: Iterable[Candle], bar: Bar) -> list[Candle]:
    """The candles of `bar` built from smaller candles given in time order, oldest first."""
    out: list[Candle] = []
    current: Candle | None = None
    for part in parts:
        if current is None or part.ts >= current.end:
            current = Candle.of(bar, part.ts, part.o)
            out.append(current)
        current.absorb(part)
    return out
