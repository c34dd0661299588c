"""Exact amounts: `Decimal` at the edges, integer units (ticks, lots, minor units) inside.

Every number leaves sandex as a plain decimal string ("0.00001112"), never scientific notation.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

ZERO = Decimal(0)


def parse_decimal(text: str) -> Decimal | None:
    """A finite decimal from wire text, or None when the text is not one (no NaN, no inf, no hex)."""
    candidate = text.strip()
    if not candidate or any(ch not in "0123456789.-+eE" for ch in candidate):
        return None
    try:
        value = Decimal(candidate)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def format_decimal(value: Decimal) -> str:
    """Plain notation without trailing zeros: Decimal('1.10E-5') -> '0.000011', 100 -> '100'."""
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text


def decimals_of(step: Decimal) -> int:
    """How many fractional digits a step such as a tick size carries: 0.001 -> 3, 5 -> 0."""
    exponent = step.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def format_fixed(value: Decimal, places: int) -> str:
    """Exactly `places` fractional digits: how prices are shown at their tick precision."""
    return format(value.quantize(Decimal(1).scaleb(-places)), "f")


def to_units(value: Decimal, step: Decimal) -> int | None:
    """`value` as a whole number of `step`s, or None when it is not an exact multiple."""
    units, remainder = divmod(value, step)
    if remainder != 0:
        return None
    return int(units)


def from_units(units: int, step: Decimal) -> Decimal:
    return units * step
