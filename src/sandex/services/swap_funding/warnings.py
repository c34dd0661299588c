"""Liquidation warnings (WS private `liquidation-warning`): a user's swap positions whose margin
ratio is at or below `WARNING_RATIO` (300 %) but not yet liquidated, read from the exchange's
in-memory positions and the last marks (on the event loop, like the sequencer's own steps).

Isolated positions are judged one by one; cross positions by their account and settlement
currency together (OKX: "when all the positions are at risk"), each showing that shared ratio.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import MgnMode
from sandex.domain.derivatives.liquidation import Risk
from sandex.domain.derivatives.positions import Position
from sandex.domain.trading import Exchange
from sandex.domain.trading.swap_liquidation import cross_risk, position_risk
from sandex.domain.trading.swap_listing import SwapListing
from sandex.services.exchange.records import LedgerAccountKind


@dataclass(frozen=True, slots=True)
class PositionWarning:
    inst_id: str
    inst_family: str
    mgn_mode: MgnMode
    pos_id: int
    pos_side: str
    pos: Decimal  # contracts, signed in net mode
    lever: Decimal
    mark_px: Decimal
    mgn_ratio: Decimal
    ccy: str
    c_time: int
    u_time: int


class AccountIds(Protocol):
    def find(self, user_id: int, environment: Environment, kind: LedgerAccountKind) -> int | None: ...


class LiquidationWarnings:
    def __init__(self, exchange: Callable[[Environment], Exchange], accounts: AccountIds) -> None:
        self._exchange = exchange
        self._accounts = accounts

    def at_risk(self, environment: Environment, user_id: int) -> list[PositionWarning]:
        account = self._accounts.find(user_id, environment, LedgerAccountKind.TRADING)
        if account is None:
            return []
        try:
            x = self._exchange(environment)
        except KeyError:  # the exchange is not loaded yet
            return []
        out = []
        cross: dict[str, Risk | None] = {}
        for pos in sorted(x.swaps.book.of_account(account), key=lambda p: p.pos_id):
            m = x.listing(pos.inst_id)
            if type(m) is not SwapListing or pos.size == 0 or pos.inst_id not in x.swaps.marks:
                continue
            if pos.mgn_mode is MgnMode.ISOLATED:
                risk = position_risk(x, pos)
            else:
                if m.settle_ccy not in cross:
                    cross[m.settle_ccy] = cross_risk(x, account, m.settle_ccy)
                risk = cross[m.settle_ccy]
            if risk is not None and risk.warned and risk.ratio is not None:
                out.append(_warning(x, m, pos, risk.ratio))
        return out


def _warning(x: Exchange, m: SwapListing, pos: Position, ratio: Decimal) -> PositionWarning:
    inst = m.inst
    signed = pos.pos if pos.pos_side.value == "net" else pos.size
    return PositionWarning(
        pos.inst_id,
        m.spec.inst_family,
        pos.mgn_mode,
        pos.pos_id,
        pos.pos_side.value,
        signed * inst.lot_sz,
        pos.lever,
        x.swaps.marks[pos.inst_id].mark * inst.tick_sz,
        ratio.quantize(Decimal("0.0001")),
        m.settle_ccy,
        pos.c_time,
        pos.u_time,
    )
