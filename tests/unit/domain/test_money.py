from __future__ import annotations

from decimal import Context, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandex.domain.money import (
    decimals_of,
    format_decimal,
    parse_decimal,
    ratio,
    to_units,
    whole_steps,
)


def format_fixed(value: Decimal, places: int) -> str:
    """Exactly `places` fractional digits (was sandex.domain.money's; nothing in src uses it)."""
    return format(value.quantize(Decimal(1).scaleb(-places)), "f")


def from_units(units: int, step: Decimal) -> Decimal:
    """Back from `to_units`: the round trip below checks `to_units` against it."""
    return units * step


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", Decimal(1)),
        ("0.00001112", Decimal("0.00001112")),
        (" 2.5 ", Decimal("2.5")),
        ("-3", Decimal(-3)),
    ],
)
def test_parse_accepts_plain_decimals(text: str, expected: Decimal) -> None:
    assert parse_decimal(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "NaN", "inf", "-Infinity", "0x10", "1,5", "1.2.3", "１"])
def test_parse_refuses_what_is_not_a_finite_decimal(text: str) -> None:
    assert parse_decimal(text) is None


SPELLINGS_OF_1000 = ["1000", "1e3", "1E3", "+1000", " 1000", "1000 ", "1000.", "1000.000", "10e2"]


@pytest.mark.parametrize("text", SPELLINGS_OF_1000)
def test_every_spelling_of_a_number_is_the_same_number(text: str) -> None:
    assert parse_decimal(text) == Decimal(1000)


def test_a_bare_leading_point_is_a_fraction() -> None:
    assert parse_decimal(".5") == Decimal("0.5") and parse_decimal("-.5") == Decimal("-0.5")


@pytest.mark.parametrize(
    "text",
    [
        "1e20",  # 10**20 and up: no order, price or transfer is that large
        "1e308",
        "-1e28",
        "123456789012345678901",
        "1e-31",  # more than 30 significant decimals
        "0.0100000000000000000000000000000000000001",
        "1" * 65,  # longer than any number sandex reads
    ],
)
def test_parse_refuses_magnitudes_out_of_bounds(text: str) -> None:
    assert parse_decimal(text) is None


def test_trailing_zeros_and_zeros_do_not_count_against_the_bounds() -> None:
    assert parse_decimal("0.0100000000000000000000000000000000000000") == Decimal("0.01")
    assert str(parse_decimal("0e-99999")) == "0" and str(parse_decimal("-0")) == "0"
    assert parse_decimal("99999999999999999999.999999999999999999999999999999") is not None


@given(st.decimals(allow_nan=True, allow_infinity=True), st.sampled_from(["0.1", "0.00000001", "1e-18"]))
def test_units_never_raise_whatever_the_value(value: Decimal, step_text: str) -> None:
    units = to_units(value, Decimal(step_text))
    assert units is None or Context(prec=200).multiply(units, Decimal(step_text)) == value


def test_whole_steps_and_ratios_hold_for_any_bounded_value() -> None:
    assert whole_steps(Decimal("99999999999999999999.9"), Decimal("1e-30")) == 999999999999999999999 * 10**29
    assert whole_steps(Decimal("0.35"), Decimal("0.1")) == 3
    assert ratio(Decimal(1000), Decimal("1e-30")) == Decimal("1e33")
    assert whole_steps(Decimal("1e999999"), Decimal("1e-999999")) == 0  # far out of bounds: no exception


def test_tiny_prices_never_use_scientific_notation() -> None:
    assert format_decimal(Decimal("1.112E-5")) == "0.00001112"
    assert format_decimal(Decimal("8.994e-6")) == "0.000008994"
    assert format_decimal(Decimal("100.000")) == "100"
    assert format_decimal(Decimal("1E+3")) == "1000"
    assert format_decimal(Decimal("0E-8")) == "0"
    assert format_fixed(Decimal("1.5"), 4) == "1.5000"


def test_units_are_exact_multiples_only() -> None:
    assert to_units(Decimal("106684.2"), Decimal("0.1")) == 1066842
    assert to_units(Decimal("0.00001112"), Decimal("0.00000001")) == 1112
    assert to_units(Decimal("0.15"), Decimal("0.1")) is None
    assert decimals_of(Decimal("0.001")) == 3 and decimals_of(Decimal("10")) == 0


@given(
    st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["0.1", "0.00000001", "1", "0.25"])
)
def test_units_round_trip(units: int, step_text: str) -> None:
    step = Decimal(step_text)
    assert to_units(from_units(units, step), step) == units
    assert parse_decimal(format_decimal(from_units(units, step))) == from_units(units, step)
