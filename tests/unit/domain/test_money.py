from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandex.domain.money import decimals_of, format_decimal, format_fixed, from_units, parse_decimal, to_units


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
