"""Charts drawn on the server as SVG geometry (no JavaScript library, nothing inline for the CSP).

The templates draw the shapes; this module only turns candles into coordinates. Colours come from
CSS classes (`up`/`down`), never from style attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sandex.services.marketdata.ports import CandleView

SPARK_W, SPARK_H = 120, 32
CHART_W, CHART_H = 720, 300
CHART_PAD = 8
AXIS_W = 80  # room on the right for the price labels


@dataclass(frozen=True, slots=True)
class Sparkline:
    points: str  # SVG polyline points, oldest first
    direction: str  # "up" / "down" / "flat"


def sparkline(closes: Sequence[Decimal]) -> Sparkline | None:
    """`closes` oldest first; None without at least one price."""
    if not closes:
        return None
    values = list(closes) if len(closes) > 1 else [closes[0], closes[0]]
    low, high = min(values), max(values)
    span = high - low
    step = Decimal(SPARK_W - 2) / (len(values) - 1)
    points = []
    for i, v in enumerate(values):
        y = Decimal(SPARK_H) / 2 if span == 0 else 1 + (high - v) / span * (SPARK_H - 2)
        points.append(f"{1 + step * i:.1f},{y:.1f}")
    first, last = values[0], values[-1]
    direction = "up" if last > first else "down" if last < first else "flat"
    return Sparkline(" ".join(points), direction)


@dataclass(frozen=True, slots=True)
class CandleShape:
    x: float  # body left
    width: float
    wick_x: float
    high_y: float
    low_y: float
    body_y: float
    body_h: float
    direction: str  # "up" (close >= open) or "down"
    label: str  # for the element's <title>: time and OHLC


@dataclass(frozen=True, slots=True)
class Gridline:
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class CandleChart:
    width: int
    height: int
    plot_w: int
    candles: list[CandleShape]
    grid: list[Gridline]
    last_y: float | None
    last_label: str


def candle_chart(
    candles: Sequence[CandleView], fmt: Callable[[Decimal], str], when: Callable[[int], str]
) -> CandleChart:
    """`candles` oldest first. `fmt` writes a price, `when` a time (for labels)."""
    plot_w = CHART_W - AXIS_W
    if not candles:
        return CandleChart(CHART_W, CHART_H, plot_w, [], [], None, "")
    low = min(c.l for c in candles)
    high = max(c.h for c in candles)
    if high == low:
        high, low = high * Decimal("1.001") or Decimal(1), low * Decimal("0.999")
    inner_h = Decimal(CHART_H - 2 * CHART_PAD)

    def y_of(px: Decimal) -> float:
        return float(CHART_PAD + (high - px) / (high - low) * inner_h)

    slot = plot_w / max(len(candles), 30)
    width = max(slot * 0.7, 1.0)
    shapes = []
    for i, c in enumerate(candles):
        x = i * slot + (slot - width) / 2
        top, bottom = y_of(max(c.o, c.c)), y_of(min(c.o, c.c))
        label = f"{when(c.ts)} O {fmt(c.o)} H {fmt(c.h)} L {fmt(c.l)} C {fmt(c.c)}"
        shapes.append(
            CandleShape(
                round(x, 2),
                round(width, 2),
                round(x + width / 2, 2),
                round(y_of(c.h), 2),
                round(y_of(c.l), 2),
                round(top, 2),
                round(max(bottom - top, 1.0), 2),
                "up" if c.c >= c.o else "down",
                label,
            )
        )
    grid = [Gridline(round(y_of(px), 2), fmt(px)) for px in _levels(low, high)]
    last = candles[-1].c
    return CandleChart(CHART_W, CHART_H, plot_w, shapes, grid, round(y_of(last), 2), fmt(last))


def _levels(low: Decimal, high: Decimal, count: int = 5) -> list[Decimal]:
    step = (high - low) / (count - 1)
    return [low + step * i for i in range(count)]
