"""What console handlers may use, handed over by the composition root (`sandex.app`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from sandex.domain.clock import Clock
from sandex.domain.instruments import Catalogue
from sandex.services.accounts import AccountsService
from sandex.services.console_sessions import ConsoleSessions
from sandex.services.funding import FundingService
from sandex.services.funding_allowlist import WithdrawAddressService
from sandex.services.keys import KeysService
from sandex.services.keys_maintenance import KeyMaintenance
from sandex.services.market_data import MarketData
from sandex.services.trading import TradingService


@dataclass(slots=True)
class ConsoleContext:
    accounts: AccountsService
    keys: KeysService
    maintenance: KeyMaintenance
    sessions: ConsoleSessions
    clock: Clock
    csrf_key: bytes  # signs CSRF tokens; the same in every process sharing the master key
    dev_mail: bool  # the embedded outbox is readable at /dev/mail (no SMTP configured)
    trusted_proxies: tuple[str, ...] = ()
    # Markets, balances, orders (console part 2); None: those pages answer 404.
    market: MarketData | None = None
    trading: TradingService | None = None
    catalogue: Catalogue | None = None
    funding: FundingService | None = None  # deposit addresses, transfers
    addresses: WithdrawAddressService | None = None  # the withdrawal-address allow-list


def console_of(request: Request) -> ConsoleContext:
    context: ConsoleContext = request.app.state.console
    return context


Console = Annotated[ConsoleContext, Depends(console_of)]
