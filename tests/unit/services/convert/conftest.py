"""Convert service fixtures: the service on the in-memory exchange, its trades kept as the group
commit hands them over, fixed reference prices, and alice and bob with money in their trading accounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.instruments import Catalogue
from sandex.services.convert.ports import HistoryQuery
from sandex.services.convert.service import DESK_ROLE, ConvertService
from sandex.services.convert.views import Converter
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.commands import DepositView
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.records import ChangeSet, ConvertTradeRecord
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import Trader
from sandex.testing.clock import ManualClock


class MemoryConvertStore:
    """`ConvertStore` over what the bus commits (newest first, like the SQL store)."""

    def __init__(self) -> None:
        self.rows: list[ConvertTradeRecord] = []

    def committed(self, changes: ChangeSet) -> None:
        self.rows.extend(changes.convert_trades)

    def convert_trades(
        self, environment: Environment, user_id: int, query: HistoryQuery
    ) -> list[ConvertTradeRecord]:
        mine = [r for r in self.rows if (r.environment, r.user_id) == (environment, user_id)]
        return sorted(mine, key=lambda r: (r.ts, r.trade_no), reverse=True)[: query.limit]

    def convert_trade_by_client(
        self, environment: Environment, user_id: int, cl_t_req_id: str
    ) -> ConvertTradeRecord | None:
        wanted = (environment, user_id, cl_t_req_id)
        return next((r for r in self.rows if (r.environment, r.user_id, r.cl_t_req_id) == wanted), None)

    def max_convert_no(self) -> int:
        return max((r.trade_no for r in self.rows), default=0)


class FixedPrices:
    def __init__(self, catalogue: Catalogue) -> None:
        self.px: dict[str, Decimal | None] = {i.inst_id: i.ref_px for i in catalogue.instruments.values()}

    def reference_px(self, inst_id: str) -> Decimal | None:
        return self.px.get(inst_id)


@pytest.fixture
def prices(catalogue: Catalogue) -> FixedPrices:
    return FixedPrices(catalogue)


@pytest.fixture
def convert_store(bus: Any) -> MemoryConvertStore:
    """Fed by the bus (`SyncBus`) after each commit, as the repository reads what was written."""
    found = MemoryConvertStore()
    bus.listeners.append(found.committed)
    return found


@pytest.fixture
def convert(
    core: ExchangeCore,
    convert_store: MemoryConvertStore,
    store: Any,
    bus: Any,
    clock: ManualClock,
    catalogue: Catalogue,
    prices: FixedPrices,
    ledger_accounts: LedgerAccounts,
) -> ConvertService:
    # the exchange store's system users (a real one with SANDEX_UNIT_STORE=sqlite: the desk's account
    # then needs its user row)
    return ConvertService(core, convert_store, store, bus, clock, catalogue, prices, ledger_accounts)


@pytest.fixture
def ann(alice: Trader) -> Converter:
    return Converter(alice.user_id, alice.environment)


@pytest.fixture
def desk(store: Any, alice: Trader) -> Converter:
    """The convert desk's user, in alice's environment."""
    return Converter(store.system_user(DESK_ROLE, 0), alice.environment)


@pytest.fixture
async def funded(trading: TradingService, alice: Trader, bob: Trader) -> None:
    """alice holds 1,000 USDT, bob 10 BTC (he sells on the book)."""
    for who, ccy, amount in ((alice, "USDT", "1000"), (bob, "BTC", "10")):
        done = await trading.deposit(who.user_id, who.environment, ccy, Decimal(amount))
        assert isinstance(done, DepositView)
