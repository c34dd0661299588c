"""Mark prices and price limits of a perpetual swap (pure).

OKX: "mark price = index + moving average of basis", basis = (best bid + best ask) / 2 − index
(derivatives-research §2.7; OKX publishes neither the window nor the clamps). sandex's choice:

* the basis is an exponential moving average, updated once per market step:
  `ema' = ema + (basis − ema) / BASIS_EMA_STEPS` (60 steps: about a minute at the default 1 s step);
  a step without a two-sided book keeps the average as it was;
* the averaged basis is clamped to ±`BASIS_BAND` (0.5 %) of the index, so a thin or pushed book
  cannot drag the mark (and with it every liquidation) far from the index;
* the mark is rounded to the instrument's tick, half up.

Price limits (OKX `public/price-limit`, order check 51006): `buyLmt` = mark × (1 + band) rounded
down to the tick, `sellLmt` = mark × (1 − band) rounded up, band 2 % for instruments allowing 100x
or more, 3 % for 50x and more, 5 % below (OKX bands are of this size and wider for smaller coins).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from sandex.domain.derivatives.contracts import ContractSpec

BASIS_EMA_STEPS = 60
BASIS_BAND = Decimal("0.005")


@dataclass(frozen=True, slots=True)
class PriceLimit:
    buy_lmt: Decimal  # the highest price a buy may carry
    sell_lmt: Decimal  # the lowest price a sell may carry


def mid_of(best_bid: Decimal | None, best_ask: Decimal | None) -> Decimal | None:
    """The book's mid, or None unless both sides are quoted."""
    if best_bid is None or best_ask is None:
        return None
    return (best_bid + best_ask) / 2


def next_basis(ema: Decimal | None, mid: Decimal | None, index: Decimal) -> Decimal:
    """The averaged basis after one step: the first sample starts the average; no mid keeps it."""
    if mid is None:
        return Decimal(0) if ema is None else ema
    basis = mid - index
    if ema is None:
        return basis
    return ema + (basis - ema) / BASIS_EMA_STEPS


def mark_px(index: Decimal, basis: Decimal, tick: Decimal) -> Decimal:
    """index + basis, the basis clamped to ±BASIS_BAND of the index, rounded half up to `tick`
    (never below one tick)."""
    bound = index * BASIS_BAND
    clamped = min(max(basis, -bound), bound)
    return max(tick, to_tick(index + clamped, tick, ROUND_HALF_UP))


def limit_band(spec: ContractSpec) -> Decimal:
    """How far from the mark an order's price may be (a fraction)."""
    if spec.max_lever >= 100:
        return Decimal("0.02")
    if spec.max_lever >= 50:
        return Decimal("0.03")
    return Decimal("0.05")


def price_limit(mark: Decimal, band: Decimal, tick: Decimal) -> PriceLimit:
    """[sellLmt, buyLmt] around `mark`, both inside the band and on the tick grid."""
    buy = to_tick(mark * (1 + band), tick, ROUND_FLOOR)
    sell = max(tick, to_tick(mark * (1 - band), tick, ROUND_CEILING))
    return PriceLimit(buy, sell)


def to_tick(px: Decimal, tick: Decimal, rounding: str) -> Decimal:
    return (px / tick).to_integral_value(rounding=rounding) * tick
