"""Swap funding and liquidation inside the sequencer (swap-funding-liq): one function each.

The core calls them with the environment's `Exchange` (ledger, positions in `x.swaps.book`, marks
in `x.swaps.marks`, clearing/insurance accounts on `x`). They return the events they caused
(postings, `PositionChanged`, `PositionBill`, order events, `Liquidated`: the commit writes them
like any other).
"""

from __future__ import annotations

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.trading import Exchange
from sandex.domain.trading.events import Event
from sandex.domain.trading.swap_funding import settle_funding as book_funding
from sandex.domain.trading.swap_liquidation import force_liquidate, liquidate_breaches
from sandex.domain.trading.swap_listing import SwapListing
from sandex.services.exchange.swap_commands import ForceLiquidation, SettleFundingFee


def on_marks(x: Exchange, environment: Environment, inst_ids: tuple[str, ...], ts: int) -> list[Event]:
    """After new marks of `inst_ids` are in `x.swaps.marks`: liquidate what breached."""
    return liquidate_breaches(x, inst_ids, ts).events


def settle_funding(
    x: Exchange, environment: Environment, cmd: SettleFundingFee, ts: int
) -> list[Event] | Rejected:
    """Book one funding settlement of `cmd.inst_id` on every open position of this environment, at
    the last mark (no mark yet: no position can be valued, nothing moves)."""
    m = x.listing(cmd.inst_id)
    if type(m) is not SwapListing or not cmd.rate.is_finite():
        return Rejected.of(Reason.PARAM_ERROR, field="instId" if type(m) is not SwapListing else "rate")
    marks = x.swaps.marks.get(cmd.inst_id)
    if marks is None:
        return []
    held = [
        p
        for p in x.swaps.book.positions.values()
        if p.inst_id == cmd.inst_id and p.account_id != x.insurance_account
    ]
    ccy, mark = m.settle_ccy, marks.mark
    return book_funding(x.ledger, held, x.clearing_account, ccy, mark, m.per_notional, cmd.rate, ts)


def force_liquidation(x: Exchange, cmd: ForceLiquidation, ts: int) -> list[Event] | Rejected:
    """Liquidate `cmd.account_id`'s position(s) now, as if its margin had breached."""
    if cmd.inst_id and type(x.listing(cmd.inst_id)) is not SwapListing:
        return Rejected.of(Reason.INSTRUMENT_NOT_FOUND, field="instId")
    held = [p for p in x.swaps.book.of_account(cmd.account_id, cmd.inst_id or None) if p.size]
    if not held:
        return Rejected(Reason.SWAP_POSITION_NOT_FOUND)
    return force_liquidate(x, cmd.account_id, cmd.inst_id, ts).events
