"""The rate-limit checks of REST requests: what auth calls after authenticating, and what public routes
run first (public routers declare it with the `PublicRateLimit` dependency; the route table serves
it). A breach is HTTP 429 `{"msg":"Too Many Requests","code":"50011"}` and the handler never runs.
The budgets themselves are in `ratelimits/`; this module reads them from the `OkxContext`.
"""

from __future__ import annotations

from fastapi import Depends, Request

from sandex.domain.errors import Rejected
from sandex.transport.okx.client_ip import client_ip
from sandex.transport.okx.context import Ctx, OkxContext
from sandex.transport.okx.envelope import OkxRejection
from sandex.transport.okx.ratelimits.rules import rule_for


def route_id_of(request: Request) -> str:
    """`"GET /api/v5/public/time"`: the method and the path template of the matched route."""
    route = request.scope.get("route")
    path = getattr(route, "path", None) or request.url.path
    return f"{request.method} {path}"


def checked_by_handler(route_id: str) -> bool:
    """POST routes budgeted per instId/ccy/tag: only the handler knows those values (JSON body), so
    it makes the check (`check_orders` for orders) and request-level checks skip the route."""
    return route_id.startswith("POST ") and rule_for(route_id).per is not None


async def check_request(
    request: Request, ctx: OkxContext, uid: str | None, ip: str | None = None, route_id: str | None = None
) -> Rejected | None:
    """The route's budget for one REST request: per IP when `uid` is None, else per UID.

    Auth calls this right after authenticating (`uid=principal.uid`, with the `ip` it already
    worked out); dimensions come from the query. `route_id`: given by routes that know theirs.
    """
    limits = ctx.rate_limits
    if limits is None or not limits.enabled:
        return None
    if route_id is None:
        route_id = route_id_of(request)
    if uid is not None and checked_by_handler(route_id):
        return None
    query = request.query_params
    return await limits.check(
        route_id,
        ip=client_ip(request, ctx.trusted_proxies) if ip is None else ip,
        uid=uid,
        inst_id=query.get("instId"),
        inst_type=query.get("instType"),
        ccy=query.get("ccy"),
    )


async def _public_rate_limit(request: Request, ctx: Ctx) -> None:
    refused = await check_request(request, ctx, uid=None)
    if refused is not None:
        raise OkxRejection(refused)


# Router-level dependency for unauthenticated routers: `APIRouter(..., dependencies=[PublicRateLimit])`.
PublicRateLimit = Depends(_public_rate_limit)
