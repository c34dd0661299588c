"""What console handlers may use, handed over by the composition root (`sandex.app`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from sandex.domain.clock import Clock
from sandex.domain.instruments import Catalogue
from sandex.services.accounts.service import AccountsService
from sandex.services.console.sessions import ConsoleSessions
from sandex.services.console.swaps import SwapReads
from sandex.services.control.swaps import SwapControls
from sandex.services.convert.service import ConvertService
from sandex.services.funding.allowlist import WithdrawAddressService
from sandex.services.funding.service import FundingService
from sandex.services.funding.web_withdrawal import WebWithdrawals
from sandex.services.keys.maintenance import KeyMaintenance
from sandex.services.keys.service import KeysService
from sandex.services.marketdata.service import MarketData
from sandex.services.trading.service import TradingService


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
    withdrawals: WebWithdrawals | None = None  # withdrawals confirmed with codes
    convert: ConvertService | None = None  # firm quotes and convert trades (the Convert page)
    swaps: SwapControls | None = None  # account mode, position mode, leverage (Positions, Account mode)
    swap_reads: SwapReads | None = None  # positions, closed positions, leverage, funding fees


def console_of(request: Request) -> ConsoleContext:
    context: ConsoleContext = request.app.state.console
    return context


Console = Annotated[ConsoleContext, Depends(console_of)]
