"""When a swap position is liquidated, how much of it, and at which bankruptcy price (pure).

Money is in ledger units of the settlement currency and prices in ticks; one tick x one lot is
`per_notional` units, a position's cost is kept as Σ ticks·lots (so its average price is exact).

* Isolated, per position: liquidated when margin + upl ≤ maintenance margin + liquidation fee.
* Cross, per (account, settlement currency): when cash + cross upl ≤ Σ (mm + liquidation fee).
* The liquidation fee is the taker rate on the position's value at mark (OKX: "Maintenance Margin
  Ratio + Forced-Liquidation Fee Rate").
* A position in tier 3 or above is partly liquidated, down two tiers (to the top of tier − 2);
  the next mark liquidates again if the rest still breaches. Tiers 1 and 2: all of it.
* Bankruptcy price: the price at which the position's margin is used up (long: cost − margin,
  short: cost + margin, per lot), rounded against the position's holder.
* The warning band: a ratio (margin + upl) / (mm + fee) at or below `WARNING_RATIO` but above 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from sandex.domain.derivatives.contracts import ContractSpec

WARNING_RATIO = Decimal(3)  # OKX warns "when a position is at risk"; sandex: at 300 % and below


@dataclass(frozen=True, slots=True)
class Risk:
    """What backs positions (equity: margin + upl, or cash + cross upl) against what they need
    (maintenance margin + liquidation fee), in ledger units."""

    equity: int
    required: int

    @property
    def breached(self) -> bool:
        return self.equity <= self.required

    @property
    def ratio(self) -> Decimal | None:
        """OKX `mgnRatio` (equity / required); None with nothing required."""
        return None if self.required <= 0 else Decimal(self.equity) / Decimal(self.required)

    @property
    def warned(self) -> bool:
        ratio = self.ratio
        return ratio is not None and 1 < ratio <= WARNING_RATIO


def position_value(lots: int, mark_ticks: int, per_notional: int) -> int:
    return abs(lots) * mark_ticks * per_notional


def upl(lots: int, cost: int, mark_ticks: int, per_notional: int) -> int:
    """Unrealised PnL at mark: `lots` signed (+ long), `cost` = Σ ticks·lots (positive)."""
    sign = 1 if lots > 0 else -1
    return sign * (abs(lots) * mark_ticks - cost) * per_notional


def requirement(value: int, mmr: Decimal, fee_rate: Decimal) -> int:
    """Maintenance margin plus liquidation fee on `value`, rounded up (a breach is never missed)."""
    return int((Decimal(value) * (mmr + fee_rate)).to_integral_value(ROUND_CEILING))


def isolated_risk(
    margin: int, lots: int, cost: int, mark_ticks: int, per_notional: int, mmr: Decimal, fee_rate: Decimal
) -> Risk:
    value = position_value(lots, mark_ticks, per_notional)
    return Risk(margin + upl(lots, cost, mark_ticks, per_notional), requirement(value, mmr, fee_rate))


def partial_close_lots(spec: ContractSpec, lots: int, lot_sz: Decimal) -> int | None:
    """How many lots a partial liquidation closes (down two tiers), or None for a full one."""
    contracts = abs(lots) * lot_sz
    tier = spec.tier_for(contracts)
    if tier.tier < 3:
        return None
    target = next(t for t in spec.tiers if t.tier == tier.tier - 2)
    keep = int(target.max_sz / lot_sz)
    return abs(lots) - keep if keep > 0 else None


def bankruptcy_ticks(lots: int, cost: int, margin: int, per_notional: int) -> int:
    """The price (ticks) where `margin` is used up: a long's rounded up, a short's down; ≥ 1 tick."""
    n = abs(lots) * per_notional
    if lots > 0:
        return max(1, -((margin - cost * per_notional) // n))
    return (cost * per_notional + margin) // n
