"""What OKX handlers may use, handed over by the composition root (`sandex.app`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from sandex.domain.clock import Clock
from sandex.domain.faults import FaultInjector
from sandex.services.accounts.service import AccountsService
from sandex.services.catalogue import CatalogueService
from sandex.services.convert.service import ConvertService
from sandex.services.funding.service import FundingService
from sandex.services.keys.auth import AuthService
from sandex.services.keys.subaccounts import SubAccountKeysService
from sandex.services.marketdata.service import MarketData
from sandex.services.swap_funding.insurance import InsuranceReader
from sandex.services.swap_funding.liquidation_orders import LiquidationReader
from sandex.services.swap_funding.service import FundingRateService
from sandex.services.trading.service import TradingService
from sandex.transport.okx.ratelimits.budgets import RateLimits
from sandex.transport.okx.swap_port import SwapAccounts


@dataclass(slots=True)
class OkxContext:
    clock: Clock
    catalogue: CatalogueService
    rate_limits: RateLimits | None = None  # None: no limits (e.g. a bare context in a unit test)
    trusted_proxies: tuple[str, ...] = ()  # peers whose X-Forwarded-For is believed (client_ip)
    # API keys: request authentication, and the master's keys for its sub-accounts
    auth: AuthService | None = None
    accounts: AccountsService | None = None
    subaccount_keys: SubAccountKeysService | None = None
    trading: TradingService | None = None  # the exchange core: orders, fills, balances, bills
    market: MarketData | None = None  # public market data: tickers, books, candles, trades
    funding: FundingService | None = None  # transfers, deposits, withdrawals (asset/*)
    convert: ConvertService | None = None  # firm quotes and convert trades (asset/convert/*)
    faults: FaultInjector | None = None  # injected outages show in `system/status`
    funding_rates: FundingRateService | None = None  # swaps' funding rates (public/funding-rate*)
    swaps: SwapAccounts | None = None  # swap settings, positions, margin (None: Spot mode only)
    liquidations: LiquidationReader | None = None  # public/liquidation-orders
    insurance: InsuranceReader | None = None  # public/insurance-fund


async def _context(request: Request) -> OkxContext:
    # async on purpose: FastAPI runs a plain `def` dependency in its thread pool, a thread hop on
    # every request that costs more than the whole dependency.
    context: OkxContext = request.app.state.okx
    return context


Ctx = Annotated[OkxContext, Depends(_context)]
