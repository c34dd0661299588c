"""What control routes use, and the admin-token check every one of them passes first."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from sandex.services.control.service import ControlService
from sandex.services.control.swaps import SwapControls
from sandex.services.swap_funding.force import ForcedLiquidations
from sandex.services.swap_funding.service import FundingRateService
from sandex.transport.control.errors import ControlFailure


@dataclass(slots=True)
class ControlContext:
    service: ControlService
    admin_token: str
    funding_rates: FundingRateService | None = None  # swaps' funding (`/funding-rates`)
    swaps: SwapControls | None = None  # account/position mode, leverage, forced liquidation
    liquidations: ForcedLiquidations | None = None  # `/users/{uid}/liquidate`


def _context(request: Request) -> ControlContext:
    context: ControlContext = request.app.state.control
    return context


ControlCtx = Annotated[ControlContext, Depends(_context)]
ADMIN_TOKEN_SCHEME = HTTPBearer(
    auto_error=False, scheme_name="AdminToken", description="the admin token (data dir's admin-token file)"
)


async def require_admin(request: Request) -> None:
    """`Authorization: Bearer <admin token>`, compared in constant time. OKX API keys (OK-ACCESS-*
    headers) are never looked at: no key, however privileged, reaches the control plane."""
    context = _context(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    given = token.strip().encode("utf-8", "surrogatepass")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given, context.admin_token.encode()):
        raise ControlFailure(401, "unauthorized", "a valid admin token is required (Authorization: Bearer …)")
