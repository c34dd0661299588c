"""What the WebSocket gateway uses, handed over by the composition root (`sandex.app`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sandex.domain.clock import Clock
from sandex.domain.faults import FaultInjector
from sandex.domain.instruments import Catalogue
from sandex.services.accounts.service import AccountsService
from sandex.services.keys.auth import AuthService
from sandex.services.keys.service import KeysService
from sandex.services.marketdata.service import MarketData
from sandex.services.swap_funding.service import FundingRateService
from sandex.services.swap_funding.warnings import LiquidationWarnings
from sandex.services.trading.service import TradingService
from sandex.transport.okx.ratelimits.budgets import RateLimits
from sandex.transport.okx.swap_port import SwapAccounts
from sandex.transport.okx.ws.books import BookSource
from sandex.transport.okx.ws.positions_feed import PositionReads

E = TypeVar("E")


class EventSource(Protocol):
    """The process's event hub (`sandex.runtime.hub.Hub`): events published after each commit."""

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> Callable[[], None]: ...

    def demand(self, event_type: type[Any], wants: Callable[[], bool]) -> Callable[[], None]: ...


class ConnectionSlots(Protocol):
    """Private-channel connection slots counted across processes (`sandex.runtime.conn_slots`):
    OKX's cap is per sub-account, whichever server a connection reaches."""

    async def take(self, key: str, conn_id: str, limit: int) -> int | None: ...

    async def give_back(self, key: str, conn_id: str) -> None: ...

    async def refresh(self, held: Iterable[tuple[str, str]]) -> None: ...

    async def aclose(self) -> None: ...


@dataclass(slots=True)
class WsContext:
    clock: Clock
    catalogue: Catalogue
    auth: AuthService
    trading: TradingService
    events: EventSource
    books: BookSource
    rate_limits: RateLimits | None = None
    trusted_proxies: tuple[str, ...] = ()
    faults: FaultInjector | None = None
    settled: Callable[[], bool] | None = None  # True when the engines hold only committed state
    market: MarketData | None = None  # tickers and candles (None: those channels stay silent)
    keys: KeysService | None = None  # re-reads keys changed by another process (4007)
    accounts: AccountsService | None = None
    positions: PositionReads | None = None  # swap positions (None: `positions` pushes nothing)
    swaps: SwapAccounts | None = None  # account settings and margin (the `account` channel's fields)
    funding_rates: FundingRateService | None = None  # `funding-rate` (None: that channel stays silent)
    warnings: LiquidationWarnings | None = None  # `liquidation-warning` (None: silent)
    slots: ConnectionSlots | None = None  # shared connection caps (None: this process's sessions count)
