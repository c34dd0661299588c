"""When a position breaches, how much is liquidated, and at which bankruptcy price."""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.derivatives.contracts import ContractSpec, CtType, Tier
from sandex.domain.derivatives.liquidation import (
    Risk,
    bankruptcy_ticks,
    isolated_risk,
    partial_close_lots,
    requirement,
    upl,
)

D = Decimal

PN = 10**13  # BTC-USDT-SWAP: one tick (0.1) x one lot (0.01 contracts of 0.01 BTC) = 1e-5 USDT
USDT = 10**18


def spec() -> ContractSpec:
    tiers = tuple(
        Tier(i, D(lo), D(hi), D(mmr), 1 / D(lv), D(lv))
        for i, (lo, hi, mmr, lv) in enumerate(
            [("0", "100", "0.004", "100"), ("101", "200", "0.005", "75"), ("201", "300", "0.01", "50"),
             ("301", "400", "0.015", "20")],
            start=1,
        )
    )  # fmt: skip
    return ContractSpec("BTC-USDT", D("0.01"), D(1), "BTC", "USDT", CtType.LINEAR, D(100), tiers, "BTC-USDT")


def test_upl_of_a_long_and_a_short_at_mark() -> None:
    # 1 contract (100 lots) bought at 40,000 (400,000 ticks): mark 39,000 → −10 USDT (1 × 0.01 × 1,000)
    cost = 100 * 400_000
    assert upl(100, cost, 390_000, PN) == -10 * USDT
    assert upl(-100, cost, 390_000, PN) == 10 * USDT


def test_isolated_risk_breaches_at_margin_plus_upl_equal_to_maintenance_plus_fee() -> None:
    # 1 contract long at 40,000 with 10x: margin 40 USDT. At mark 36,400: upl −36, equity 4;
    # value 364 × (0.004 mmr + 0.0005 fee) = 1.638 → not yet; at 36,100: equity 1 ≤ 1.6245 → breach
    cost, margin = 100 * 400_000, 40 * USDT
    assert not isolated_risk(margin, 100, cost, 364_000, PN, D("0.004"), D("0.0005")).breached
    assert isolated_risk(margin, 100, cost, 361_000, PN, D("0.004"), D("0.0005")).breached


def test_margin_ratio_and_the_warning_band() -> None:
    assert Risk(300, 100).ratio == 3 and Risk(300, 100).warned
    assert not Risk(301, 100).warned
    assert Risk(100, 100).breached and not Risk(100, 100).warned
    assert Risk(5, 0).ratio is None and not Risk(5, 0).breached


def test_requirement_rounds_up() -> None:
    assert requirement(1000, D("0.004"), D("0.0005")) == 5  # 4.5 → 5


def test_positions_in_tier_three_and_up_are_partly_liquidated_two_tiers_down() -> None:
    lot = D("0.01")
    assert partial_close_lots(spec(), 25_000, lot) == 25_000 - 10_000  # 250 contracts (tier 3) → 100
    assert partial_close_lots(spec(), -35_000, lot) == 35_000 - 20_000  # tier 4 → tier 2's top: 200
    assert partial_close_lots(spec(), 15_000, lot) is None  # tier 2: all of it
    assert partial_close_lots(spec(), 100, lot) is None


def test_bankruptcy_price_is_where_the_margin_is_used_up() -> None:
    # 1 contract long at 40,000 with 40 USDT margin (10x): bankrupt at 36,000; short at 44,000
    cost, margin = 100 * 400_000, 40 * USDT
    assert bankruptcy_ticks(100, cost, margin, PN) == 360_000
    assert bankruptcy_ticks(-100, cost, margin, PN) == 440_000
    # a margin that does not divide evenly: the long's price rounds up, the short's down
    assert bankruptcy_ticks(100, cost, margin + 1, PN) == 360_000
    assert bankruptcy_ticks(100, cost, margin - 1, PN) == 360_001
    assert bankruptcy_ticks(-100, cost, margin - 1, PN) == 439_999
    assert bankruptcy_ticks(100, cost, 10**9 * USDT, PN) == 1
