"""Swap positions and the account settings around them, per environment (pure, integer state).

A `Position` is keyed by (account, instrument, margin mode, position side). In net mode the side
is `net` and `pos` is signed lots (+ long, - short); in long/short mode each side is its own
position with a positive `pos`. Money is in ledger units of the settlement currency; `cost` is
ticks x lots of the open size, so the average open price is exactly `cost / |pos|` ticks.
A position gets a new `pos_id` each time it opens from zero; a closed one is reported once (for
positions-history) and leaves the book.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import NamedTuple

from sandex.domain.derivatives.contracts import AcctLv, MgnMode, PosMode, PosSide
from sandex.domain.ids import IdGenerator

LIVE = "live"
CLOSED = "closed"
DEFAULT_LEVER = Decimal(10)  # OKX's default leverage (capped by the instrument's maximum)


class PosKey(NamedTuple):
    account_id: int
    inst_id: str
    mgn_mode: MgnMode
    pos_side: PosSide


class AccountSettings(NamedTuple):
    acct_lv: AcctLv = AcctLv.SPOT
    pos_mode: PosMode = PosMode.NET


DEFAULT_SETTINGS = AccountSettings()


@dataclass(slots=True)
class Position:
    account_id: int
    inst_id: str
    mgn_mode: MgnMode
    pos_side: PosSide
    pos_id: int
    lever: Decimal
    c_time: int
    u_time: int
    pos: int = 0  # lots; signed in net mode
    cost: int = 0  # ticks x lots of the open |pos|
    margin: int = 0  # held in the clearing account for it (isolated: incl. added margin)
    pnl: int = 0  # closing PnL realised so far
    fee: int = 0  # fees, OKX's sign: negative = paid
    funding_fee: int = 0  # + received, - paid
    liq_penalty: int = 0  # negative
    trade_id: int | None = None
    open_max_pos: int = 0  # lots
    close_lots: int = 0
    close_cost: int = 0  # ticks x lots of what was closed (closeAvgPx)
    state: str = LIVE
    close_type: int | None = None  # 1 partial close, 2 close, 3 liquidation, 4 partial liquidation
    trigger_px: int | None = None  # ticks: the mark that liquidated it

    @property
    def key(self) -> PosKey:
        return PosKey(self.account_id, self.inst_id, self.mgn_mode, self.pos_side)

    @property
    def size(self) -> int:
        return abs(self.pos)

    @property
    def long(self) -> bool:
        """Whether it gains when the price rises."""
        return self.pos_side is PosSide.LONG or (self.pos_side is PosSide.NET and self.pos > 0)

    @property
    def realized_pnl(self) -> int:
        return self.pnl + self.fee + self.funding_fee + self.liq_penalty

    def copy(self) -> Position:
        return replace(self)


def lever_side(mgn_mode: MgnMode, pos_side: PosSide, pos_mode: PosMode) -> PosSide:
    """Which side a leverage setting is kept for: per side only for isolated in long/short mode."""
    if mgn_mode is MgnMode.ISOLATED and pos_mode is PosMode.LONG_SHORT and pos_side is not PosSide.NET:
        return pos_side
    return PosSide.NET


class PositionBook:
    """One environment's live positions, account settings and leverage settings."""

    def __init__(self, pos_ids: IdGenerator) -> None:
        self.pos_ids = pos_ids
        self.positions: dict[PosKey, Position] = {}
        self.settings: dict[int, AccountSettings] = {}
        self.levers: dict[tuple[int, str, MgnMode, PosSide], Decimal] = {}

    # --- settings ------------------------------------------------------------------------------
    def settings_of(self, account_id: int) -> AccountSettings:
        return self.settings.get(account_id, DEFAULT_SETTINGS)

    def lever(
        self, account_id: int, inst_id: str, mgn_mode: MgnMode, pos_side: PosSide, max_lever: Decimal
    ) -> Decimal:
        side = lever_side(mgn_mode, pos_side, self.settings_of(account_id).pos_mode)
        found = self.levers.get((account_id, inst_id, mgn_mode, side))
        return found if found is not None else min(DEFAULT_LEVER, max_lever)

    # --- positions -----------------------------------------------------------------------------
    def get(self, key: PosKey) -> Position | None:
        return self.positions.get(key)

    def of_account(self, account_id: int, inst_id: str | None = None) -> list[Position]:
        return [
            p
            for p in self.positions.values()
            if p.account_id == account_id and (inst_id is None or p.inst_id == inst_id)
        ]

    def open(self, key: PosKey, lever: Decimal, ts: int) -> Position:
        """A new (empty) live position under `key` with a fresh pos_id."""
        pos = Position(*key, pos_id=self.pos_ids.next_id(), lever=lever, c_time=ts, u_time=ts)
        self.positions[key] = pos
        return pos

    def close(self, pos: Position) -> None:
        """`pos` is flat: it leaves the book (its last state was reported by the caller)."""
        pos.state = CLOSED
        if self.positions.get(pos.key) is pos:
            del self.positions[pos.key]

    def restore(
        self,
        positions: Iterable[Position],
        settings: Iterable[tuple[int, AccountSettings]],
        levers: Iterable[tuple[tuple[int, str, MgnMode, PosSide], Decimal]],
    ) -> None:
        for pos in positions:
            if pos.state == LIVE:
                self.positions[pos.key] = pos
        self.settings.update(settings)
        self.levers.update(levers)
