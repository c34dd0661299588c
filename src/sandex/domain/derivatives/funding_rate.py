"""OKX's perpetual-swap funding rate ("withRate" formula, since April 2025) and its schedule.

    premium index  = [max(0, impact bid − index) − max(0, index − impact ask)] / index
    average        = the interval's minute samples, the newer weighted more (1, 2, … n)
    interest       = 0.03 % a day, per interval (0.01 % for 8 h)
    funding rate   = clamp(average + clamp(interest − average, ±0.05 %), floor, cap)
    funding fee    = |pos| · ctVal · ctMult · mark · rate   (linear; positive rate: longs pay shorts)

The impact bid (ask) is the average price at which `impact_value` of the quote currency sells into
the bids (buys from the asks); a side too thin for it has no impact price, and its term counts 0.
Settlements fall on multiples of the interval since 00:00 UTC (00/08/16 UTC for 8 h).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from sandex.domain.clock import HOUR_MS

DAILY_INTEREST = Decimal("0.0003")  # 0.01 % per 8 h
INTEREST_BAND = Decimal("0.0005")  # interest − premium is clamped to ±0.05 %
RATE_QUANTUM = Decimal("1E-12")  # rates are shown and applied with 12 decimals


@dataclass(frozen=True, slots=True)
class Level:
    """One book level: price and size in contracts."""

    px: Decimal
    sz: Decimal


def clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return max(low, min(high, value))


def impact_price(levels: Iterable[Level], impact_value: Decimal, contract_value: Decimal) -> Decimal | None:
    """The average price of trading `impact_value` (quote currency) against `levels`, best first;
    `contract_value` = ctVal · ctMult. None when the side holds less than that."""
    left, spent_qty = impact_value, Decimal(0)
    for level in levels:
        notional = level.px * level.sz * contract_value
        take = min(notional, left)
        spent_qty += take / level.px
        left -= take
        if left == 0:
            return impact_value / spent_qty
    return None


def premium_index(impact_bid: Decimal | None, impact_ask: Decimal | None, index: Decimal) -> Decimal:
    above = max(Decimal(0), impact_bid - index) if impact_bid is not None else Decimal(0)
    below = max(Decimal(0), index - impact_ask) if impact_ask is not None else Decimal(0)
    return (above - below) / index


def average_premium(samples: Sequence[Decimal]) -> Decimal:
    """The time-weighted average of one interval's minute samples, oldest first (weights 1..n)."""
    if not samples:
        return Decimal(0)
    weighted = sum((Decimal(i) * s for i, s in enumerate(samples, start=1)), Decimal(0))
    return weighted / (Decimal(len(samples)) * (len(samples) + 1) / 2)


def interest_rate(interval_h: int) -> Decimal:
    return DAILY_INTEREST * interval_h / 24


def funding_rate(avg_premium: Decimal, interest: Decimal, floor: Decimal, cap: Decimal) -> Decimal:
    rate = avg_premium + clamp(interest - avg_premium, -INTEREST_BAND, INTEREST_BAND)
    return clamp(rate, floor, cap).quantize(RATE_QUANTUM, ROUND_HALF_EVEN)


def funding_time_after(ts_ms: int, interval_h: int) -> int:
    """The first settlement strictly after `ts_ms` (intervals divide the day, from 00:00 UTC)."""
    step = interval_h * HOUR_MS
    return (ts_ms // step + 1) * step


def funding_fee(pos: Decimal, contract_value: Decimal, mark: Decimal, rate: Decimal) -> Decimal:
    """What a linear position receives (+) or pays (−): `pos` signed contracts (+ long, − short),
    `contract_value` = ctVal · ctMult. A positive rate: longs pay, shorts receive."""
    return -(pos * contract_value * mark * rate)


def funding_fee_units(signed_lots: int, mark_ticks: int, per_notional: int, rate: Decimal) -> int:
    """`funding_fee` in ledger units (one tick x one lot is `per_notional`), rounded toward zero so
    that nobody is charged or paid a fraction of a unit the formula does not give."""
    value = Decimal(signed_lots * mark_ticks * per_notional) * rate
    return -int(value.to_integral_value(ROUND_DOWN))
