"""Fee rounding and the ledger's fixed 10**-18 scale."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.domain.ledger import DEFAULT_TIER, FeeSchedule, FeeTier, fee_on, from_amount, to_amount, units_per


def test_default_rates_are_okx_regular_tier() -> None:
    assert (DEFAULT_TIER.maker, DEFAULT_TIER.taker) == (Decimal("0.0008"), Decimal("0.001"))


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(1_000_000, 1000), (1_000_001, 1001), (999, 1), (1, 1), (0, 0)],
)
def test_fee_is_rounded_up_to_a_whole_unit(amount: int, expected: int) -> None:
    assert fee_on(amount, DEFAULT_TIER.taker_ratio) == expected


def test_fee_never_exceeds_the_amount() -> None:
    tier = FeeTier(maker=Decimal("0.9999"), taker=Decimal(0))
    assert all(fee_on(a, tier.maker_ratio) <= a for a in range(200))
    assert fee_on(12345, tier.taker_ratio) == 0


@pytest.mark.parametrize("rate", [Decimal("-0.0001"), Decimal(1), Decimal(2)])
def test_rates_outside_zero_to_one_are_refused(rate: Decimal) -> None:
    with pytest.raises(ValueError, match="fee rate"):
        FeeTier(maker=rate)


def test_schedule_has_per_account_tiers() -> None:
    vip = FeeTier(maker=Decimal("0.0002"), taker=Decimal("0.0005"))
    schedule = FeeSchedule(tiers={7: vip})
    assert schedule.tier_for(7) is vip and schedule.tier_for(8) is DEFAULT_TIER
    schedule.set_tier(8, vip)
    schedule.set_tier(7, None)
    assert schedule.tier_for(8) is vip and schedule.tier_for(7) is DEFAULT_TIER


def test_amounts_are_exact_at_1e_18() -> None:
    assert to_amount(Decimal("1.5")) == 1_500_000_000_000_000_000
    assert to_amount(Decimal("0.000000000000000001")) == 1
    assert to_amount(Decimal("0.0000000000000000001")) is None
    big = 123_456_789_012_345_678_901_234_567_890_123
    assert to_amount(from_amount(big)) == big
    assert str(from_amount(1)) == "1E-18"
    assert from_amount(2_500_000_000_000_000_000) == Decimal("2.5")


def test_units_per_step() -> None:
    assert units_per(Decimal("0.00000001")) == 10**10
    assert units_per(Decimal("0.1") * Decimal("0.00000001")) == 10**9
    with pytest.raises(ValueError, match="not a positive multiple"):
        units_per(Decimal("1e-19"))
