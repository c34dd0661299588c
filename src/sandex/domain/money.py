"""Exact amounts: `Decimal` at the edges, integer units (ticks, lots, minor units) inside.

Every number leaves sandex as a plain decimal string ("0.00001112"), never scientific notation.

The one rule for numbers coming in (`parse_decimal`), whatever carries them (a JSON string, a JSON
number, a query value, a form field): surrounding blanks are ignored, a sign, an exponent and a
bare leading or trailing point are fine ("+1000", "1e3", ".5", "5."), and the value must be finite,
below 10**20 in size and have at most 30 decimal places (trailing zeros do not count). Anything
else is not a number sandex takes (51000 at the edge): the bounds keep every product the engine
computes and stores (ticks x lots, ledger units of 10**-18) far inside what the database holds,
and no decimal operation ever runs out of precision on a value a client chose.
"""

from __future__ import annotations

from decimal import Context, Decimal, InvalidOperation

ZERO = Decimal(0)
MAX_INTEGER_DIGITS = 20  # |value| < 10**20: far above any order, transfer or price OKX takes
MAX_DECIMALS = 30  # decimal places (trailing zeros do not count)
MAX_TEXT = 64  # characters, blanks excluded: no 10,000-digit number reaches Decimal
_WIDE = Context(prec=MAX_INTEGER_DIGITS + MAX_DECIMALS + 40)  # exact for any bounded value / step


_NUMBER_CHARS = "0123456789.-+eE"


def parse_decimal(text: str) -> Decimal | None:
    """A number sandex takes from wire text, or None (see the module docstring for the rule)."""
    candidate = text.strip()
    # strip() with a character set leaves nothing exactly when every character is in the set
    if not candidate or len(candidate) > MAX_TEXT or candidate.strip(_NUMBER_CHARS):
        return None
    try:
        value = Decimal(candidate)
    except InvalidOperation:
        return None
    if len(candidate) <= MAX_INTEGER_DIGITS and "e" not in candidate and "E" not in candidate:
        return value if value else ZERO  # the common case: plain digits this short are in bounds
    return bounded(value)


def bounded(value: Decimal) -> Decimal | None:
    """`value` if it is finite, below 10**20 in size and has at most 30 decimal places (with
    more trailing zeros than that it comes back without them, and any zero as plain 0); else None."""
    if not value.is_finite():
        return None
    if value.is_zero():
        return ZERO  # "0E-99999", "-0", "0e99999": plain 0
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < -MAX_DECIMALS:  # maybe only trailing zeros: "0.0100000…000"
        value = value.normalize(_WIDE)
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)
    if exponent < -MAX_DECIMALS or value.adjusted() >= MAX_INTEGER_DIGITS:
        return None
    return value


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


def to_units(value: Decimal, step: Decimal) -> int | None:
    """`value` as a whole number of `step`s, or None when it is not an exact multiple (or too far
    out of bounds to tell: callers check magnitudes first, this only never raises)."""
    try:
        units, remainder = _WIDE.divmod(value, step)
    except InvalidOperation:
        return None
    if remainder != 0:
        return None
    return int(units)


def whole_steps(value: Decimal, step: Decimal) -> int:
    """How many whole `step`s fit in `value` (rounded toward zero), for values within the bounds of
    `parse_decimal` and steps of at least 10**-30; exact there, 0 rather than an exception beyond."""
    try:
        return int(_WIDE.divide_int(value, step))
    except InvalidOperation:
        return 0


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    """`numerator / denominator` to 90 significant digits: no client-chosen divisor makes it raise
    (a non-zero finite one; the caller checks that)."""
    return _WIDE.divide(numerator, denominator)
