"""Mark price and price limits of a swap (domain/derivatives/marks.py), with worked examples."""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.derivatives.marks import (
    BASIS_EMA_STEPS,
    PriceLimit,
    limit_band,
    mark_px,
    mid_of,
    next_basis,
    price_limit,
)
from sandex.storage.catalogue_file import load_catalogue

D = Decimal


def test_the_mid_needs_both_sides_of_the_book() -> None:
    assert mid_of(D("100.1"), D("100.3")) == D("100.2")
    assert mid_of(None, D("100.3")) is None
    assert mid_of(D("100.1"), None) is None


def test_the_basis_average_starts_at_the_first_sample_and_moves_a_sixtieth_per_step() -> None:
    # index 100 000, mid 100 060: basis 60; the next step's mid 100 000 (basis 0) moves it by 60/60
    assert BASIS_EMA_STEPS == 60
    first = next_basis(None, D(100_060), D(100_000))
    assert first == D(60)
    assert next_basis(first, D(100_000), D(100_000)) == D(59)


def test_a_step_without_a_two_sided_book_keeps_the_average() -> None:
    assert next_basis(D(12), None, D(100_000)) == D(12)
    assert next_basis(None, None, D(100_000)) == D(0)


def test_mark_is_index_plus_basis_rounded_half_up_to_the_tick() -> None:
    # BTC-USDT-SWAP, tick 0.1: 106 684.2 + 3.25 = 106 687.45 -> 106 687.5
    assert mark_px(D("106684.2"), D("3.25"), D("0.1")) == D("106687.5")


def test_the_basis_is_clamped_to_half_a_percent_of_the_index() -> None:
    # index 100 000: the mark stays within 99 500 .. 100 500 whatever the book does
    assert mark_px(D(100_000), D(2_000), D("0.1")) == D(100_500)
    assert mark_px(D(100_000), D(-2_000), D("0.1")) == D(99_500)


def test_price_limits_are_the_band_around_the_mark_on_the_tick_grid() -> None:
    # mark 100 000.3, band 2 %: buy <= 102 000.306 -> 102 000.3; sell >= 98 000.294 -> 98 000.3
    assert price_limit(D("100000.3"), D("0.02"), D("0.1")) == PriceLimit(D("102000.3"), D("98000.3"))
    # DOGE, tick 0.00001: mark 0.1588 with 3 %: 0.163564 -> 0.16356; 0.154036 -> 0.15404
    assert price_limit(D("0.1588"), D("0.03"), D("0.00001")) == PriceLimit(D("0.16356"), D("0.15404"))


def test_the_band_is_narrower_for_the_deepest_contracts() -> None:
    catalogue = load_catalogue()
    btc = catalogue.instruments["BTC-USDT-SWAP"].contract
    doge = catalogue.instruments["DOGE-USDT-SWAP"].contract
    assert btc is not None and doge is not None
    assert (limit_band(btc), limit_band(doge)) == (D("0.02"), D("0.03"))
