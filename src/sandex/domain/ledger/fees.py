"""Maker/taker fee rates and the one rounding rule for fees.

A fee is charged in the currency the payer *receives* (base for a buyer, quote for a seller) and
rounded **up** to the ledger unit (10**-18): deterministic, never understated, and since a rate is
below 1 a fee never exceeds what it is taken from, so no balance goes negative. Negative rates
(maker rebates) are refused: the fee account would have to pay them and could go negative.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

DEFAULT_MAKER_RATE = Decimal("0.0008")  # 0.08%
DEFAULT_TAKER_RATE = Decimal("0.001")  # 0.10%
DEFAULT_LEVEL = "Lv1"


@dataclass(frozen=True, slots=True)
class FeeTier:
    maker: Decimal = DEFAULT_MAKER_RATE
    taker: Decimal = DEFAULT_TAKER_RATE
    level: str = DEFAULT_LEVEL  # what OKX calls the fee level (`account/trade-fee`): "Lv1", "VIP1"…
    maker_ratio: tuple[int, int] = field(init=False, repr=False, compare=False)
    taker_ratio: tuple[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for rate in (self.maker, self.taker):
            if not Decimal(0) <= rate < Decimal(1):
                raise ValueError(f"fee rate {rate} must be in [0, 1)")
        object.__setattr__(self, "maker_ratio", self.maker.as_integer_ratio())
        object.__setattr__(self, "taker_ratio", self.taker.as_integer_ratio())


DEFAULT_TIER = FeeTier()


def fee_on(amount: int, ratio: tuple[int, int]) -> int:
    """`amount * rate`, rounded up to a whole ledger unit."""
    num, den = ratio
    return -((-amount * num) // den)


class FeeSchedule:
    """The tier of each account: a default plus per-account overrides (e.g. VIP levels)."""

    def __init__(self, default: FeeTier = DEFAULT_TIER, tiers: Mapping[int, FeeTier] | None = None) -> None:
        self.default = default
        self._tiers: dict[int, FeeTier] = dict(tiers or {})

    def tier_for(self, account_id: int) -> FeeTier:
        return self._tiers.get(account_id, self.default)

    @property
    def tiers(self) -> Mapping[int, FeeTier]:
        """The per-account overrides (read-only view: audits and the state digest)."""
        return MappingProxyType(self._tiers)

    def set_tier(self, account_id: int, tier: FeeTier | None) -> None:
        """Give an account its own tier; None puts it back on the default."""
        if tier is None:
            self._tiers.pop(account_id, None)
        else:
            self._tiers[account_id] = tier
