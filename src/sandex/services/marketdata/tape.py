"""One instrument's market data in one environment, as committed trades arrive.

A `Tape` keeps, for every bar but `1s`, the candle now open; the last 24 h as 1-minute candles
(tickers); the last trade. Candles changed since the last write wait in `pending`; while a
write runs they sit in `inflight`, so a reader always finds every candle in memory or in storage.
"""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.instruments import Instrument
from sandex.domain.marketdata.bars import BARS, TRADE_BARS
from sandex.domain.marketdata.candles import Candle, CandleValues
from sandex.domain.marketdata.rolling import DayWindow
from sandex.services.exchange.records import TradeRecord

Key = tuple[str, int]  # (bar name, open ts)


class Tape:
    __slots__ = ("current", "day", "inflight", "inst", "last", "pending")

    def __init__(self, inst: Instrument) -> None:
        self.inst = inst
        self.current: dict[str, Candle] = {}  # bar name -> its newest candle
        self.pending: dict[Key, Candle] = {}  # changed since the last write
        self.inflight: dict[Key, CandleValues] = {}  # being written right now
        self.day = DayWindow()
        self.last: TradeRecord | None = None

    def fold(self, trade: TradeRecord) -> None:
        """One committed trade, in commit order."""
        ts, px, sz = trade.ts, trade.px, trade.sz
        current, pending = self.current, self.pending
        for bar in TRADE_BARS:
            name = bar.name
            candle = current.get(name)
            if candle is None or ts >= candle.end:  # a clock moved back folds into the open bar
                candle = current[name] = Candle.of(bar, ts, px)
            candle.fold(px, sz)
            pending[(name, candle.ts)] = candle
        self.day.add(ts, px, sz)
        self.last = trade

    def absorb(self, run: Candle) -> None:
        """A run of committed trades that `fold` would put into the same candle of every bar (they
        all fall in one minute, `run`, or a clock moved back into it): the same candles as folding
        them one by one, for the cost of one (the start-up's replay; it sets `last` itself)."""
        current, pending = self.current, self.pending
        for bar in TRADE_BARS:
            name = bar.name
            candle = current.get(name)
            if candle is None or run.ts >= candle.end:  # bar ends are whole minutes: as `fold` decides
                candle = current[name] = Candle.of(bar, run.ts, run.o)
            candle.absorb(run)
            pending[(name, candle.ts)] = candle
        self.day.absorb(run)

    def overlay(self, bar: str) -> dict[int, CandleValues]:
        """Every candle of `bar` newer than what storage surely has, by open time."""
        out = {ts: values for (name, ts), values in self.inflight.items() if name == bar}
        out.update((ts, candle.values()) for (name, ts), candle in self.pending.items() if name == bar)
        candle = self.current.get(bar)
        if candle is not None:
            out[candle.ts] = candle.values()
        return out

    def take(self) -> dict[Key, CandleValues]:
        """What to write now (it moves to `inflight` until `written`)."""
        taken = {key: candle.values() for key, candle in self.pending.items()}
        self.pending = {}
        self.inflight.update(taken)
        return taken

    def written(self, taken: dict[Key, CandleValues], ok: bool) -> None:
        for key, values in taken.items():
            if self.inflight.get(key) is values:
                del self.inflight[key]
            if not ok and key not in self.pending:  # retried by the next write
                self.pending[key] = values.candle(BARS[key[0]])

    def price(self) -> Decimal | None:
        return self.day.last() if self.last is None else self.last.px
