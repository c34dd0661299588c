"""OKX's funding-rate formula ("withRate"), its schedule and the funding fee, with worked examples."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sandex.domain.derivatives.funding_rate import (
    Level,
    average_premium,
    funding_fee,
    funding_fee_units,
    funding_rate,
    funding_time_after,
    impact_price,
    interest_rate,
    premium_index,
)

D = Decimal

CAP, FLOOR = D("0.00375"), D("-0.00375")  # BTC-USDT-SWAP's bounds


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def test_interest_is_a_hundredth_percent_per_eight_hours_and_scales_with_the_interval() -> None:
    assert interest_rate(8) == D("0.0001")
    assert interest_rate(4) == D("0.00005")
    assert interest_rate(1) == D("0.0000125")


def test_a_premium_near_the_interest_gives_the_interest_rate() -> None:
    # avg premium 0.02 %: interest − premium = −0.01 % (inside ±0.05 %) → 0.02 % − 0.01 % = 0.01 %
    assert funding_rate(D("0.0002"), D("0.0001"), FLOOR, CAP) == D("0.0001")
    assert funding_rate(D("-0.0003"), D("0.0001"), FLOOR, CAP) == D("0.0001")


def test_a_premium_far_from_the_interest_moves_the_rate_by_at_most_the_band() -> None:
    # avg premium 0.1 %: interest − premium = −0.09 % → clamped to −0.05 % → 0.1 % − 0.05 % = 0.05 %
    assert funding_rate(D("0.001"), D("0.0001"), FLOOR, CAP) == D("0.0005")
    # avg premium −0.2 %: +0.21 % → +0.05 % → −0.15 %
    assert funding_rate(D("-0.002"), D("0.0001"), FLOOR, CAP) == D("-0.0015")


def test_the_rate_stays_within_the_instruments_floor_and_cap() -> None:
    assert funding_rate(D("0.02"), D("0.0001"), FLOOR, CAP) == CAP
    assert funding_rate(D("-0.02"), D("0.0001"), FLOOR, CAP) == FLOOR


def test_premium_counts_only_an_impact_price_beyond_the_index() -> None:
    assert premium_index(D("100.1"), D("100.2"), D("100")) == D("0.001")
    assert premium_index(D("99.8"), D("99.9"), D("100")) == D("-0.001")
    assert premium_index(D("99.9"), D("100.1"), D("100")) == 0  # index inside the impact spread
    assert premium_index(None, None, D("100")) == 0  # an empty book


def test_impact_price_walks_the_book_for_the_impact_value() -> None:
    bids = [Level(D("100"), D("1")), Level(D("99"), D("2"))]
    # 199 USDT: 100 at 100 (1 coin) and 99 at 99 (1 coin) → 199 / 2 coins = 99.5
    assert impact_price(bids, D("199"), D("1")) == D("99.5")
    assert impact_price(bids, D("50"), D("1")) == D("100")
    assert impact_price(bids, D("1000"), D("1")) is None  # the side is too thin
    # BTC contracts of 0.01 BTC: 100 contracts at 50,000 = 50,000 USDT of depth
    assert impact_price([Level(D("50000"), D("100"))], D("20000"), D("0.01")) == D("50000")


def test_average_premium_weighs_newer_samples_more() -> None:
    # (1·0.001 + 2·0.002 + 3·0.003) / 6 = 0.014 / 6
    assert average_premium([D("0.001"), D("0.002"), D("0.003")]) == D("0.014") / 6
    assert average_premium([]) == 0


def test_eight_hour_settlements_fall_at_00_08_16_utc() -> None:
    assert funding_time_after(ms("2026-01-01T05:00:00"), 8) == ms("2026-01-01T08:00:00")
    assert funding_time_after(ms("2026-01-01T08:00:00"), 8) == ms("2026-01-01T16:00:00")
    assert funding_time_after(ms("2026-01-01T23:59:59"), 8) == ms("2026-01-02T00:00:00")
    assert funding_time_after(ms("2026-01-01T05:00:00"), 4) == ms("2026-01-01T08:00:00")
    assert funding_time_after(ms("2026-01-01T05:00:00"), 1) == ms("2026-01-01T06:00:00")


def test_funding_fee_is_position_value_times_rate_and_longs_pay_a_positive_rate() -> None:
    # 100 BTC-USDT-SWAP contracts (ctVal 0.01) at mark 40,000 = 40,000 USDT; 0.01 % → 4 USDT
    assert funding_fee(D("100"), D("0.01"), D("40000"), D("0.0001")) == D("-4")
    assert funding_fee(D("-100"), D("0.01"), D("40000"), D("0.0001")) == D("4")
    assert funding_fee(D("100"), D("0.01"), D("40000"), D("-0.0001")) == D("4")


def test_funding_fee_in_ledger_units_matches_the_decimal_formula() -> None:
    # BTC: tick 0.1, lot 0.01 contracts → one tick x one lot = 0.1·0.01·0.01 USDT = 1e-5 USDT
    per_notional = 10**13  # 1e-5 USDT in 1e-18 units
    lots, ticks = 10_000, 400_000  # 100 contracts at 40,000
    assert funding_fee_units(lots, ticks, per_notional, D("0.0001")) == -4 * 10**18
    assert funding_fee_units(-lots, ticks, per_notional, D("0.0001")) == 4 * 10**18
