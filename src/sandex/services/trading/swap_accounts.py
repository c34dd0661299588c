"""The swap side of a trading account for the OKX handlers (`transport/okx/swap_port.SwapAccounts`):
settings, leverage rows, positions and their history from committed state, the swap commands
through the sequencer. Marking positions (upl, imr, mmr, liqPx... at the current mark) is the
`PositionReader`'s. It also serves the WS position pushes (`PositionReads`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import MgnMode, PosMode, PosSide
from sandex.domain.derivatives.order_size import max_open_contracts
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
from sandex.services.trading.positions import PositionReader
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import MaxAvailView, MaxSizeView, Trader

_TRADING = LedgerAccountKind.TRADING
DEFAULT_LEVER = Decimal(10)  # OKX's initial leverage of a swap (capped by the instrument's maximum)


class SwapAccountsService:
    def __init__(
        self,
        store: ExchangeStore,
        bus: CommandBus,
        catalogue: Catalogue,
        accounts: LedgerAccounts,
        trading: TradingService,
        reader: PositionReader,
    ) -> None:
        self._trading = trading
        self._store = store
        self._bus = bus
        self._catalogue = catalogue
        self._accounts = accounts
        self._reader = reader

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
        if account is None:
            return []
        views = self._reader.positions(account, inst_ids or None, pos_ids or None)
        return sorted(views, key=lambda v: v.record.c_time, reverse=True)  # OKX: newest cTime first

    # --- pushes (`transport/okx/ws/positions_feed.PositionReads`) --------------------------------
    def open_positions(self, environment: Environment, user_id: int) -> list[PositionView]:
        views = self.positions(Trader(user_id, environment), (), ())
        return [view for view in views if view.record.pos != 0]

    def view_of(self, record: PositionRecord) -> PositionView:
        return self._reader.view(record)

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
        if account is None:
            return {}
        return {row.ccy: row for row in self._reader.margin_summary(trader.environment, account)}

    # --- order sizes ------------------------------------------------------------------------------
    def max_size(
        self,
        trader: Trader,
        inst_id: str,
        mgn_mode: MgnMode,
        prices: tuple[Decimal, Decimal],
        lever: Decimal | None,
    ) -> MaxSizeView | Rejected:
        """Contracts a buy at `prices[0]` and a sell at `prices[1]` could open with the settlement
        currency available (its margin at the leverage, `lever` or the one set, and the taker fee),
        at most the largest limit order."""
        inst = self._catalogue.instrument(inst_id)
        if inst is None or inst.contract is None:
            return Rejected(Reason.INSTRUMENT_NOT_FOUND)
        fee = self._trading.trade_fee(trader, inst_id)
        if isinstance(fee, Rejected):
            return fee
        spec, available = inst.contract, self._available(trader, inst.contract.settle_ccy)
        lever = lever or self.leverages(trader, [inst_id], mgn_mode)[0].lever
        size = spec.ct_val * spec.ct_mult
        buy, sell = (
            min(inst.max_lmt_sz, max_open_contracts(available, px, size, lever, fee.taker, inst.lot_sz))
            for px in prices
        )
        return MaxSizeView(inst_id, spec.settle_ccy, buy, sell)

    def max_avail_size(self, trader: Trader, inst_id: str) -> MaxAvailView | Rejected:
        """What an order opening either way may spend: the settlement currency available."""
        inst = self._catalogue.instrument(inst_id)
        if inst is None or inst.contract is None:
            return Rejected(Reason.INSTRUMENT_NOT_FOUND)
        available = self._available(trader, inst.contract.settle_ccy)
        return MaxAvailView(inst_id, available, available)

    def _available(self, trader: Trader, ccy: str) -> Decimal:
        view = self._trading.balances(trader, [ccy])
        return next((row.available for row in view.details if row.ccy == ccy), Decimal(0))

    async def apply(self, command: SwapCommand) -> object:
        try:
            return await self._bus.submit(command)
        except CommandError:
            return Rejected(Reason.SYSTEM_ERROR)
