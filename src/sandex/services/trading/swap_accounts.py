"""The swap side of a trading account for the OKX handlers (`transport/okx/swap_port.SwapAccounts`):
settings, leverage rows, positions and their history from committed state, the swap commands
through the sequencer. Marking positions (upl, imr, mmr, liqPx... at the current mark) is the
position reader's (`PositionMarking`); without one, positions are not shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import MgnMode, PosMode, PosSide
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Catalogue
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.commands import CommandBus, CommandError
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.store import ExchangeStore, PositionQuery
from sandex.services.exchange.swap_commands import SwapCommand
from sandex.services.exchange.swap_records import (
    AccountSettingsRecord,
    LeverageRecord,
    MarginSummary,
    PositionRecord,
    PositionView,
)
from sandex.services.trading.views import Trader

_TRADING = LedgerAccountKind.TRADING
DEFAULT_LEVER = Decimal(10)  # OKX's initial leverage of a swap (capped by the instrument's maximum)


class PositionMarking(Protocol):
    """Positions at the current mark (`services.trading.positions.PositionReader`)."""

    def view_of(self, record: PositionRecord) -> PositionView: ...

    def margin(self, environment: Environment, account_id: int) -> Mapping[str, MarginSummary]: ...


class SwapAccountsService:
    def __init__(
        self,
        store: ExchangeStore,
        bus: CommandBus,
        catalogue: Catalogue,
        accounts: LedgerAccounts,
        marking: PositionMarking | None = None,
    ) -> None:
        self._store = store
        self._bus = bus
        self._catalogue = catalogue
        self._accounts = accounts
        self.marking = marking

    def account_id(self, trader: Trader) -> int:
        return self._accounts.ensure(trader.user_id, trader.environment, _TRADING)

    def settings(self, trader: Trader) -> AccountSettingsRecord:
        return self._store.account_settings(trader.environment, self.account_id(trader))

    def leverages(self, trader: Trader, inst_ids: Sequence[str], mgn_mode: MgnMode) -> list[LeverageRecord]:
        """One row per swap and side: net in net mode, long and short in long/short mode (OKX shows
        both sides there); a side never set shows the default, min(10, the swap's maximum)."""
        account = self.account_id(trader)
        settings = self._store.account_settings(trader.environment, account)
        stored = {(r.inst_id, r.pos_side): r for r in self._store.leverages(account, inst_ids, mgn_mode)}
        sides = (PosSide.NET,) if settings.pos_mode is PosMode.NET else (PosSide.LONG, PosSide.SHORT)
        rows = []
        for inst_id in inst_ids:
            for side in sides:
                found = stored.get((inst_id, side)) or stored.get((inst_id, PosSide.NET))
                lever = found.lever if found is not None else self._default_lever(inst_id)
                rows.append(LeverageRecord(trader.environment, account, inst_id, mgn_mode, side, lever))
        return rows

    def _default_lever(self, inst_id: str) -> Decimal:
        inst = self._catalogue.instrument(inst_id)
        top = inst.contract.max_lever if inst is not None and inst.contract is not None else DEFAULT_LEVER
        return min(DEFAULT_LEVER, top)

    def positions(
        self, trader: Trader, inst_ids: Sequence[str], pos_ids: Sequence[int]
    ) -> list[PositionView]:
        account = self._accounts.find(trader.user_id, trader.environment, _TRADING)
        if account is None or self.marking is None:
            return []
        records = self._store.positions(account, inst_ids or None, pos_ids or None)
        records.sort(key=lambda r: r.c_time, reverse=True)  # OKX: newest cTime first
        return [self.marking.view_of(record) for record in records]

    def positions_history(
        self,
        trader: Trader,
        *,
        inst_id: str | None,
        mgn_mode: MgnMode | None,
        close_type: int | None,
        pos_id: int | None,
        after: int | None,
        before: int | None,
        limit: int,
    ) -> list[PositionRecord]:
        account = self._accounts.find(trader.user_id, trader.environment, _TRADING)
        if account is None:
            return []
        query = PositionQuery(
            inst_id=inst_id,
            mgn_mode=mgn_mode,
            close_type=close_type,
            pos_id=pos_id,
            after=after,
            before=before,
            limit=limit,
        )
        return self._store.positions_history(account, query)

    def margin(self, trader: Trader) -> Mapping[str, MarginSummary]:
        account = self._accounts.find(trader.user_id, trader.environment, _TRADING)
        if account is None or self.marking is None:
            return {}
        return self.marking.margin(trader.environment, account)

    async def apply(self, command: SwapCommand) -> object:
        try:
            return await self._bus.submit(command)
        except CommandError:
            return Rejected(Reason.SYSTEM_ERROR)
