"""How the market pages write numbers: prices (tiny ones compacted), changes, volumes. Pure functions.

A price like 0.00001112 is written `0.0₄1112` (as exchanges' price lists do): the zero count after
"0.0" as a small number, so four zeros need not be counted by eye. The full price goes into the
element's `title` and accessible name, so nothing is lost to screen readers or on hover.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

COMPACT_FROM_ZEROS = 4  # 0.0001234 stays as is; 0.00001234 becomes 0.0₄1234
SIGNIFICANT = 4  # digits kept after the zeros of a compacted price
_SUFFIXES = tuple((Decimal(10) ** power, name) for power, name in ((12, "T"), (9, "B"), (6, "M"), (3, "K")))


@dataclass(frozen=True, slots=True)
class PriceText:
    """`full` is the whole price; when `zeros` is set, show `lead` + small `zeros` + `digits`."""

    full: str
    lead: str = ""
    zeros: int = 0
    digits: str = ""

    @property
    def compact(self) -> bool:
        return self.zeros > 0

    def __str__(self) -> str:
        return self.full


def plain(value: Decimal) -> str:
    """No exponent, no trailing zeros, thousands separated: 97123.5, 0.00001112."""
    text = format(value.normalize(), ",f") if value != 0 else "0"
    return text


def price_text(value: Decimal | None, tick: Decimal | None = None) -> PriceText:
    """The price at the instrument's tick (when given), compacted when it starts with many zeros."""
    if value is None:
        return PriceText("—")
    if tick is not None and tick > 0:
        value = value.quantize(tick, rounding=ROUND_HALF_EVEN)
        full = format(value, ",f")
    else:
        full = plain(value)
    if value <= 0 or value >= Decimal("0.001"):
        return PriceText(full)
    fraction = format(value.normalize(), "f").split(".")[1]
    zeros = len(fraction) - len(fraction.lstrip("0"))
    if zeros < COMPACT_FROM_ZEROS:
        return PriceText(full)
    digits = fraction[zeros:][:SIGNIFICANT].rstrip("0") or "0"
    return PriceText(full, "0.0", zeros, digits)


@dataclass(frozen=True, slots=True)
class Change:
    text: str  # "+1.25%", "-0.40%", "0.00%", "—"
    direction: str  # "up", "down" or "flat": the CSS class (green, red, grey)
    label: str  # for screen readers: "up 1.25%"


def change_of(last: Decimal | None, open_: Decimal | None) -> Change:
    if last is None or open_ is None or open_ == 0:
        return Change("—", "flat", "no change data")
    pct = ((last - open_) / open_ * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    if pct > 0:
        return Change(f"+{pct}%", "up", f"up {pct}%")
    if pct < 0:
        return Change(f"{pct}%", "down", f"down {-pct}%")
    return Change("0.00%", "flat", "unchanged")


def volume_text(value: Decimal) -> str:
    """1234567.8 → "1.23M"; below a thousand, two decimals at most."""
    for size, suffix in _SUFFIXES:
        if abs(value) >= size:
            return f"{(value / size).quantize(Decimal('0.01'))}{suffix}"
    return plain(value.quantize(Decimal("0.01"))) if value != value.to_integral_value() else plain(value)
