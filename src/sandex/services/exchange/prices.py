"""USD prices for balance valuation (`eqUsd`, `totalEq`): stablecoins at 1, others by reference."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from sandex.domain.instruments import Catalogue

USD_STABLE = frozenset({"USDT", "USDC", "USD"})  # valued at exactly 1 USD


class UsdPrices(Protocol):
    def usd_price(self, ccy: str) -> Decimal | None:
        """The USD value of one unit of `ccy`; None when sandex has no price for it."""
        ...


class CatalogueUsdPrices:
    """The catalogue's reference prices of `CCY-USDT` (market data may later supply live ones)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue

    def usd_price(self, ccy: str) -> Decimal | None:
        if ccy in USD_STABLE:
            return Decimal(1)
        for quote in ("USDT", "USDC"):
            inst = self._catalogue.instrument(f"{ccy}-{quote}")
            if inst is not None:
                return inst.ref_px
        return None
