"""The trading use cases of one process, wired from their collaborators (the composition root picks
them): the exchange core, its store, the command bus that sequences every write, the clock."""

from __future__ import annotations

from sandex.domain.clock import Clock
from sandex.domain.instruments import Catalogue
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.commands import CommandBus
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.prices import CatalogueUsdPrices
from sandex.services.exchange.store import ExchangeStore
from sandex.services.trading.service import TradingService


def build(
    core: ExchangeCore,
    store: ExchangeStore,
    bus: CommandBus,
    accounts: LedgerAccounts,
    clock: Clock,
    catalogue: Catalogue,
) -> TradingService:
    """Order values are priced in USD from the catalogue's reference prices."""
    return TradingService(core, store, bus, clock, catalogue, CatalogueUsdPrices(catalogue), accounts)
