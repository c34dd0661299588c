"""The last 24 hours of one instrument: what tickers report as open/high/low/volume and start of day.

The window is kept as 1-minute candles: the 24 h stats cover the minute now running and the 1,439
before it (so the window reaches back between 23 h 59 min and 24 h). When nothing traded in the
window every price is the last price before it, and the volumes are zero. `sod(day_start)` is the
first price at or after `day_start` (OKX `sodUtc0` / `sodUtc8`), or the last one before it when
nothing has traded since.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.clock import MINUTE_MS
from sandex.domain.marketdata.bars import MINUTE
from sandex.domain.marketdata.candles import Candle

WINDOW_MINUTES = 1440
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class DayStats:
    open: Decimal
    high: Decimal
    low: Decimal
    vol: Decimal  # base currency
    vol_ccy: Decimal  # quote currency


class DayWindow:
    def __init__(self, carry: Decimal | None = None) -> None:
        self._closed: deque[Candle] = deque()  # finished minutes in the window, oldest first
        self._current: Candle | None = None  # the newest minute (may have finished: see _settle)
        self._carry = carry  # the last price before the window
        self._vol = self._vol_ccy = _ZERO  # over _closed
        self._high: Decimal | None = None  # over _closed
        self._low: Decimal | None = None
        self._sod: dict[int, Decimal] = {}  # day start -> first price of that day, once known

    # --- feeding -----------------------------------------------------------------------------
    def load(self, minutes: Iterable[Candle], now: int) -> None:
        """Stored 1-minute candles, oldest first (the newest may be the minute still running)."""
        for candle in minutes:
            self._push(candle)
        self._settle(now)

    def add(self, ts: int, px: Decimal, sz: Decimal) -> None:
        """One trade (or price sample with `sz` 0), in time order."""
        current = self._current
        if current is None or ts >= current.end:
            if current is not None:
                self._close(current)
            current = self._current = Candle.of(MINUTE, ts, px)
        current.fold(px, sz)

    def absorb(self, run: Candle) -> None:
        """Trades of one minute at once (a 1m candle of them, in time order): as `add` for each."""
        current = self._current
        if current is None or run.ts >= current.end:
            if current is not None:
                self._close(current)
            current = self._current = Candle.of(MINUTE, run.ts, run.o)
        current.absorb(run)

    # --- reading -----------------------------------------------------------------------------
    def last(self) -> Decimal | None:
        """The latest price: the newest minute's close, else the price before the window."""
        if self._current is not None:
            return self._current.c
        return self._closed[-1].c if self._closed else self._carry

    def stats(self, now: int) -> DayStats | None:
        """Open/high/low/volumes over the window ending now; None when there never was a price."""
        self._settle(now)
        current, closed = self._current, self._closed
        last = self.last()
        if last is None:
            return None
        first = closed[0] if closed else current
        if first is None:
            return DayStats(last, last, last, _ZERO, _ZERO)
        high, low = self._high, self._low
        vol, vol_ccy = self._vol, self._vol_ccy
        if current is not None:
            high = current.h if high is None else max(high, current.h)
            low = current.l if low is None else min(low, current.l)
            vol, vol_ccy = vol + current.vol, vol_ccy + current.vol_ccy
        assert high is not None and low is not None
        return DayStats(first.o, high, low, vol, vol_ccy)

    def minutes(self, now: int) -> list[Candle]:
        """The window's 1-minute candles, oldest first (copies; the newest may still be running)."""
        self._settle(now)
        out = [candle.copy() for candle in self._closed]
        if self._current is not None:
            out.append(self._current.copy())
        return out

    def sod(self, day_start: int, now: int) -> Decimal | None:
        """The first price at or after `day_start` (within the window), else the last before it."""
        found = self._sod.get(day_start)
        if found is not None:
            return found
        self._settle(now)
        first: Candle | None = None
        before: Decimal | None = self._carry
        for candle in self._newest_first():
            if candle.ts < day_start:
                before = candle.c
                break
            first = candle
        if first is None:
            return before
        if len(self._sod) > 4:
            self._sod.clear()
        self._sod[day_start] = first.o
        return first.o

    # --- internals ---------------------------------------------------------------------------
    def _newest_first(self) -> Iterable[Candle]:
        if self._current is not None:
            yield self._current
        yield from reversed(self._closed)

    def _push(self, candle: Candle) -> None:
        if self._current is not None:
            self._close(self._current)
        self._current = candle

    def _close(self, candle: Candle) -> None:
        self._closed.append(candle)
        self._current = None
        self._vol += candle.vol
        self._vol_ccy += candle.vol_ccy
        self._high = candle.h if self._high is None else max(self._high, candle.h)
        self._low = candle.l if self._low is None else min(self._low, candle.l)

    def _settle(self, now: int) -> None:
        """Close a finished newest minute; drop minutes that left the window."""
        start = MINUTE.open_of(now) - (WINDOW_MINUTES - 1) * MINUTE_MS
        current = self._current
        if current is not None and current.end <= now:
            self._close(current)
        closed = self._closed
        recompute = False
        while closed and closed[0].ts < start:
            gone = closed.popleft()
            self._carry = gone.c
            self._vol -= gone.vol
            self._vol_ccy -= gone.vol_ccy
            recompute = recompute or gone.h == self._high or gone.l == self._low
        if recompute:
            self._high = max((c.h for c in closed), default=None)
            self._low = min((c.l for c in closed), default=None)
