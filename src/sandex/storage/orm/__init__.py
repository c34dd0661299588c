"""ORM models, one module per feature; importing this package registers every table."""

from sandex.storage.orm import (
    accounts,
    base,
    console,
    convert,
    funding,
    funding_rates,
    keys,
    market,
    meta,
    swaps,
    trading,
)

Base = base.Base

__all__ = [
    "Base",
    "accounts",
    "base",
    "console",
    "convert",
    "funding",
    "funding_rates",
    "keys",
    "market",
    "meta",
    "swaps",
    "trading",
]
