"""Rebuilding one environment's swap state from storage: positions, settings, leverage, the
terms of pending swap orders (their reservations are then exact again) and the last marks."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal

from sandex.domain.derivatives.marks import limit_band
from sandex.domain.derivatives.positions import AccountSettings
from sandex.domain.instruments import Instrument
from sandex.domain.trading import Exchange
from sandex.domain.trading.swap_listing import SwapListing
from sandex.services.exchange.records import StoredState
from sandex.services.exchange.swap_units import position_of, terms_of


def restore_swaps(
    x: Exchange,
    state: StoredState,
    instruments: Mapping[str, Instrument],
    marks: Mapping[str, tuple[Decimal, Decimal]],
) -> None:
    book = x.swaps.book
    book.restore(
        [position_of(r, instruments[r.inst_id]) for r in state.positions if r.inst_id in instruments],
        [(r.account_id, AccountSettings(r.acct_lv, r.pos_mode)) for r in state.settings],
        [((r.account_id, r.inst_id, r.mgn_mode, r.pos_side), r.lever) for r in state.leverages],
    )
    for record in state.pending_orders:
        m = x.listing(record.inst_id)
        if type(m) is SwapListing:
            m.terms[record.ord_id] = terms_of(record)
    mark_swaps(x, instruments, marks)


def mark_swaps(
    x: Exchange, instruments: Mapping[str, Instrument], marks: Mapping[str, tuple[Decimal, Decimal]]
) -> None:
    """Exactly these marks on the exchange's swaps (as a rebuild leaves them)."""
    x.swaps.marks.clear()
    for inst_id, (mark, index) in marks.items():
        inst = instruments.get(inst_id)
        if inst is not None and inst.contract is not None:
            ticks = int((mark / inst.tick_sz).to_integral_value(ROUND_HALF_EVEN))
            x.swaps.set_mark(inst_id, ticks, index, limit_band(inst.contract))
