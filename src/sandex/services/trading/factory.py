"""The trading use cases of one process, built on the exchange core with the command bus that
sequences every write (the composition root picks both)."""

from __future__ import annotations

from sandex.services.exchange.commands import CommandBus
from sandex.services.exchange.factory import Exchange
from sandex.services.exchange.prices import CatalogueUsdPrices
from sandex.services.trading.service import TradingService


def build(exchange: Exchange, bus: CommandBus) -> TradingService:
    """Order values are priced in USD from the catalogue's reference prices."""
    catalogue, prices = exchange.catalogue, CatalogueUsdPrices(exchange.catalogue)
    return TradingService(
        exchange.core, exchange.store, bus, exchange.clock, catalogue, prices, exchange.accounts
    )
