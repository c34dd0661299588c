"""Ledger amounts: every currency as an integer count of 10**-18 units.

Why one fixed scale rather than a per-currency one from the catalogue:
* Trade amounts are exact by construction. A fill's quote amount is ticks x lots x tick_sz x
  lot_sz; with tick_sz=0.1 and lot_sz=1e-8 that is a multiple of 1e-9, and no listed pair comes
  near 1e-18 (the check in `units_per` refuses one that would), so fills never round.
* Fees (a rate times an amount) are rounded exactly once, to 1e-18, far below anything displayed.
* No lookups, no cross-currency scale mix-ups, no migration when a currency's display precision
  changes. ETH-style 18-decimal currencies fit natively. Python ints never overflow.
"""

from __future__ import annotations

from decimal import Context, Decimal, InvalidOperation

AMOUNT_DECIMALS = 18
AMOUNT_STEP = Decimal(1).scaleb(-AMOUNT_DECIMALS)
_EXACT = Context(prec=100)  # wide enough that no conversion below ever rounds


def to_amount(value: Decimal) -> int | None:
    """`value` in ledger units, or None when it has more than 18 decimals (or is too large to count:
    the edges refuse such values first, this only never raises)."""
    try:
        units, remainder = _EXACT.divmod(value, AMOUNT_STEP)
    except InvalidOperation:
        return None
    return None if remainder else int(units)


def from_amount(units: int) -> Decimal:
    """Ledger units back to a decimal (exact, however large)."""
    return Decimal(f"{units}E-{AMOUNT_DECIMALS}")


def units_per(step: Decimal) -> int:
    """Ledger units in one `step` (a lot, a tick x lot); a step finer than 1e-18 is a config bug."""
    units = to_amount(step)
    if units is None or units <= 0:
        raise ValueError(f"step {step} is not a positive multiple of {AMOUNT_STEP}")
    return units
