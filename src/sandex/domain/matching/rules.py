"""Exchange limits and the conversion of decimal request values into engine units.

Everything here is a pure function of an `Instrument`: a decimal price becomes whole ticks, a
decimal size whole lots, a quote amount whole notional units (one tick x one lot), or a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Instrument
from sandex.domain.money import to_units


@dataclass(frozen=True, slots=True)
class TradingLimits:
    """OKX's exchange-wide limits (reference §4.4)."""

    max_pending_per_instrument: int = 500  # per account
    max_pending_per_account: int = 4000
    max_makers_per_taker: int = 1000


DEFAULT_LIMITS = TradingLimits()


def price_ticks(inst: Instrument, px: Decimal | None, field: str = "px") -> int | Rejected:
    if px is None:
        return Rejected(Reason.PRICE_EMPTY)
    if px <= 0:
        return Rejected.of(Reason.PARAM_ERROR, field=field)
    ticks = to_units(px, inst.tick_sz)
    return Rejected.of(Reason.TICK_SIZE, field=field) if ticks is None else ticks


def size_lots(inst: Instrument, sz: Decimal, field: str = "sz") -> int | Rejected:
    """A base-currency size in lots: positive, a multiple of `lot_sz`, at least `min_sz`."""
    if sz <= 0:
        return Rejected.of(Reason.PARAM_ERROR, field=field)
    lots = to_units(sz, inst.lot_sz)
    if lots is None:
        return Rejected(Reason.LOT_SIZE)
    return Rejected(Reason.ORDER_BELOW_MIN) if sz < inst.min_sz else lots


def quote_notional(inst: Instrument, amount: Decimal, field: str = "sz") -> int | Rejected:
    """A quote-currency amount in notional units (tick_sz x lot_sz of quote currency).

    Any amount with more decimals than a tick times a lot could not be spent exactly, so it is
    refused rather than silently rounded.
    """
    if amount <= 0:
        return Rejected.of(Reason.PARAM_ERROR, field=field)
    units = to_units(amount, inst.tick_sz * inst.lot_sz)
    return Rejected.of(Reason.PARAM_ERROR, field=field) if units is None else units


def notional_step(inst: Instrument) -> Decimal:
    """The quote amount of one notional unit: one tick times one lot."""
    return inst.tick_sz * inst.lot_sz
