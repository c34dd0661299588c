"""Exchange limits and the conversion of decimal request values into engine units.

Everything here is a pure function of an `Instrument`: a decimal price becomes whole ticks, a
decimal size whole lots, a quote amount whole notional units (one tick x one lot), or a refusal.
None of them raises, whatever the value: they run inside the sequencer's group commit, where an
exception would fail every other command of the batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Instrument
from sandex.domain.money import format_decimal, to_units

# Ticks and lots are Python ints, but every one must also fit a signed 64-bit column (BIGINT), as
# OKX's own engine would hold it: a price of more ticks than this cannot be represented.
MAX_UNITS = 2**63 - 1


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
    if not px.is_finite() or px <= 0 or px > MAX_UNITS * inst.tick_sz:
        return Rejected.of(Reason.PARAM_ERROR, field=field)
    ticks = to_units(px, inst.tick_sz)
    return Rejected.of(Reason.TICK_SIZE, field=field) if ticks is None else ticks


def size_lots(inst: Instrument, sz: Decimal, field: str = "sz") -> int | Rejected:
    """A base-currency size in lots: positive, a multiple of `lot_sz`, at least `min_sz`, at most
    the instrument's largest limit order (`maxLmtSz`)."""
    lots = amend_lots(inst, sz, field)
    if isinstance(lots, Rejected):
        return lots
    return Rejected(Reason.ORDER_BELOW_MIN) if sz < inst.min_sz else lots


def amend_lots(inst: Instrument, sz: Decimal, field: str = "new_sz") -> int | Rejected:
    """A size in lots as an amend may set it: as `size_lots`, but below `min_sz` is fine (the new
    size may complete a partly filled order)."""
    if not sz.is_finite() or sz <= 0:
        return Rejected.of(Reason.PARAM_ERROR, field=field)
    if sz > inst.max_lmt_sz:
        return Rejected.of(Reason.ORDER_SIZE_TOO_LARGE, limit=format_decimal(inst.max_lmt_sz))
    lots = to_units(sz, inst.lot_sz)
    return Rejected(Reason.LOT_SIZE) if lots is None or lots > MAX_UNITS else lots


def quote_notional(inst: Instrument, amount: Decimal, field: str = "sz") -> int | Rejected:
    """A quote-currency amount in notional units (tick_sz x lot_sz of quote currency).

    Any amount with more decimals than a tick times a lot could not be spent exactly, so it is
    refused rather than silently rounded.
    """
    if not amount.is_finite() or amount <= 0:
        return Rejected.of(Reason.PARAM_ERROR, field=field)
    units = to_units(amount, inst.tick_sz * inst.lot_sz)
    return Rejected.of(Reason.PARAM_ERROR, field=field) if units is None or units > MAX_UNITS else units


def notional_step(inst: Instrument) -> Decimal:
    """The quote amount of one notional unit: one tick times one lot."""
    return inst.tick_sz * inst.lot_sz
