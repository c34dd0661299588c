"""Synthetic history: 1-minute candles drawn from the same random walk, so charts have data at once.

Each minute walks `sub_steps` times; open, high, low and close are the prices seen, the volume a
log-normal draw around `notional` (quote currency) per minute. The path ends where the live
market starts, so history and live trading join without a gap.
"""

from __future__ import annotations

import math
from decimal import Decimal

from sandex.domain.clock import MINUTE_MS
from sandex.domain.instruments import Instrument
from sandex.domain.marketdata.bars import MINUTE
from sandex.domain.marketdata.candles import Candle
from sandex.domain.simulation.walk import RandomStream, ReferencePath

SUB_STEPS = 6


def synthetic_minutes(
    path: ReferencePath,
    inst: Instrument,
    start_ms: int,
    minutes: int,
    rng: RandomStream,
    notional: Decimal = Decimal(20_000),
) -> list[Candle]:
    """`minutes` candles from the minute containing `start_ms`, walking `path` forward."""
    out: list[Candle] = []
    ts = MINUTE.open_of(start_ms)
    dt = MINUTE_MS // SUB_STEPS
    for _ in range(minutes):
        candle = Candle(ts, ts + MINUTE_MS, path.px)
        high = low = path.px
        for k in range(SUB_STEPS):
            path.step(dt, ts + (k + 1) * dt)
            high, low = max(high, path.px), min(low, path.px)
        candle.h, candle.l, candle.c = high, low, path.px
        _fill_volume(candle, inst, rng, notional)
        out.append(candle)
        ts += MINUTE_MS
    return out


def _fill_volume(candle: Candle, inst: Instrument, rng: RandomStream, notional: Decimal) -> None:
    quote = float(notional) * math.exp(rng.gauss(0.0, 0.6))
    mid = (candle.o + candle.c) / 2
    base = (Decimal(str(round(quote, 2))) / mid) // inst.lot_sz * inst.lot_sz
    candle.vol = max(base, inst.lot_sz)
    candle.vol_ccy = candle.vol * mid
    candle.n = max(1, round(quote / 400))
