"""Taker flow: now and then someone crosses the spread, so trades, tickers and candles move.

Each step a book gets a taker with probability `dt / mean_interval` (a Poisson process). Its side
is a coin toss and its size log-normal around `notional` (quote currency). It is an IOC limit
order a few grid steps through the reference, so it takes one or two levels, never the whole book.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.instruments import Instrument
from sandex.domain.matching.order import Side
from sandex.domain.simulation.quoting import Grid, max_lots, min_lots, unit_value
from sandex.domain.simulation.walk import RandomStream


@dataclass(frozen=True, slots=True)
class FlowParams:
    mean_interval_ms: int = 12_000  # per book
    notional: Decimal = Decimal(600)  # median taker size, quote currency
    spread: float = 0.8  # sigma of the log-normal size
    reach: int = 3  # grid steps through the reference: the IOC's limit


@dataclass(frozen=True, slots=True)
class Taker:
    side: Side
    px: int  # limit, ticks
    lots: int


def next_taker(
    rng: RandomStream, params: FlowParams, inst: Instrument, grid: Grid, ref_ticks: int, dt_ms: int
) -> Taker | None:
    """This step's taker order for one book, or None. Draws from `rng` in a fixed order."""
    if params.mean_interval_ms <= 0 or rng.random() >= dt_ms / params.mean_interval_ms:
        return None
    side = Side.BUY if rng.random() < 0.5 else Side.SELL
    notional = float(params.notional) * math.exp(rng.gauss(0.0, params.spread))
    lot_value = ref_ticks * float(inst.tick_sz * inst.lot_sz * unit_value(inst))
    lots = min(max_lots(inst), max(min_lots(inst), int(notional / lot_value)))
    reach = params.reach * grid.step
    px = ref_ticks + reach if side is Side.BUY else max(1, ref_ticks - reach)
    return Taker(side, px, lots)
