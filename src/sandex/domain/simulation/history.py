"""Synthetic history: public trades drawn from the random walk, and the candles those trades make.

Every minute has one to `max_per_minute` trades, evenly spread (each at a random instant of its own
slot of the minute); before each the walk moves on to that instant and the trade is at its price.
The taker buys on an uptick, sells on a downtick, tosses a coin when the price did not move; its
size is log-normal around `notional` (quote currency), as the live taker flow's. The candles are
folded from exactly these trades, so they agree with the tape; the path ends where the live market
starts, so history and live trading join without a gap.

The inner loop works in whole ticks and lots (a minute's candle as integers) and turns them into
`Decimal` once per trade and once per candle: a day of history for every instrument is built at
start-up and must stay cheap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.clock import MINUTE_MS
from sandex.domain.instruments import Instrument
from sandex.domain.marketdata.bars import MINUTE, Bar, nests
from sandex.domain.marketdata.candles import Candle, merge
from sandex.domain.matching.order import Side
from sandex.domain.simulation.quoting import max_lots, min_lots, unit_value
from sandex.domain.simulation.walk import RandomStream, ReferencePath


@dataclass(frozen=True, slots=True)
class HistoryParams:
    max_per_minute: int = 2  # trades in a minute: 1 to this many, uniformly (1.5 on average)
    notional: float = 600.0  # median trade size, quote currency (the live taker flow's)
    spread: float = 0.8  # sigma of the log-normal size


@dataclass(frozen=True, slots=True)
class SyntheticTrade:
    ts: int
    px: Decimal
    sz: Decimal
    side: Side  # the taker's


@dataclass(slots=True)
class History:
    """One instrument's synthetic past: its trades (oldest first) and its 1-minute candles."""

    trades: list[SyntheticTrade]
    minutes: list[Candle]


def synthetic_history(
    path: ReferencePath,
    inst: Instrument,
    start_ms: int,
    minutes: int,
    rng: RandomStream,
    params: HistoryParams = HistoryParams(),
) -> History:
    """`minutes` minutes of trades from the minute containing `start_ms`, walking `path` forward.
    Draws from `rng` in a fixed order: same path, stream and start, same history."""
    out = History([], [])
    ts = MINUTE.open_of(start_ms)
    sizes, tick, lot = _Sizes(inst, params), inst.tick_sz, inst.lot_sz
    prev, walked = path.ticks, ts  # the last trade's price; where the walk is in time
    for _ in range(minutes):
        n = 1 + int(rng.random() * params.max_per_minute)
        slot = MINUTE_MS // n
        o = h = lo = lots_sum = quote_sum = 0
        for k in range(n):
            at = ts + k * slot + int(rng.random() * slot)
            path.step(at - walked, at)
            walked = at
            ticks = path.ticks
            lots = sizes.draw(rng, ticks)
            out.trades.append(SyntheticTrade(at, ticks * tick, lots * lot, _side(ticks, prev, rng)))
            if k == 0:
                o = h = lo = ticks
            h, lo, prev = max(h, ticks), min(lo, ticks), ticks
            lots_sum += lots
            quote_sum += ticks * lots
        out.minutes.append(_candle(inst, ts, (o, h, lo, prev), lots_sum, quote_sum, n))
        ts += MINUTE_MS
    return out


def candles_of(minutes: list[Candle], bars: tuple[Bar, ...]) -> dict[Bar, list[Candle]]:
    """The candles of every bar in `bars` (finest first) from 1-minute candles in time order.

    Each bar is merged from the coarsest bar already built whose candles nest in it (a day from
    half days, a quarter from months), which gives the same candles as folding the trades."""
    built: dict[Bar, list[Candle]] = {MINUTE: minutes}
    for bar in bars:
        if bar in built:
            continue
        source = min((b for b in built if nests(b, bar)), key=lambda b: len(built[b]))
        built[bar] = merge(built[source], bar)
    return {bar: built[bar] for bar in bars}


class _Sizes:
    """Trade sizes in lots: log-normal around a notional, within what the exchange accepts."""

    def __init__(self, inst: Instrument, params: HistoryParams) -> None:
        self._lot_value = float(inst.tick_sz * inst.lot_sz * unit_value(inst))  # one lot at one tick
        self._min, self._max = min_lots(inst), max_lots(inst)
        self._notional, self._spread = params.notional, params.spread

    def draw(self, rng: RandomStream, ticks: int) -> int:
        notional = self._notional * math.exp(rng.gauss(0.0, self._spread))
        return min(self._max, max(self._min, int(notional / (ticks * self._lot_value))))


def _side(ticks: int, prev: int, rng: RandomStream) -> Side:
    if ticks == prev:
        return Side.BUY if rng.random() < 0.5 else Side.SELL
    return Side.BUY if ticks > prev else Side.SELL


def _candle(
    inst: Instrument, ts: int, ohlc: tuple[int, int, int, int], lots: int, quote: int, n: int
) -> Candle:
    tick, lot = inst.tick_sz, inst.lot_sz
    o, h, lo, c = ohlc
    candle = Candle(ts, ts + MINUTE_MS, o * tick, lots * lot, quote * (tick * lot), n)
    candle.h, candle.l, candle.c = h * tick, lo * tick, c * tick
    return candle
