"""What OKX handlers may use, handed over by the composition root (`sandex.app`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from sandex.domain.clock import Clock
from sandex.services.accounts import AccountsService
from sandex.services.auth import AuthService
from sandex.services.catalogue import CatalogueService
from sandex.services.keys_subaccounts import SubAccountKeysService

if TYPE_CHECKING:  # limits.py imports Ctx from here
    from sandex.transport.okx.limits import RateLimits


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


def _context(request: Request) -> OkxContext:
    context: OkxContext = request.app.state.okx
    return context


Ctx = Annotated[OkxContext, Depends(_context)]
