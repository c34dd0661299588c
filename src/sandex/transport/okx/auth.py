"""`OK-ACCESS-*` request authentication as FastAPI dependencies, one per permission.

Every private endpoint declares what it needs by taking one of the aliases:

    @router.get("/config")
    async def get_config(principal: ReadAuth) -> Response: ...

The dependency reads the four headers, the raw request target (`raw_path` + `?` + `query_string`,
exactly as received) and the raw body, lets the auth service run OKX's checks, then charges the
route's rate limit for the authenticated UID. Failures leave as OKX's bare 401 bodies. Each
dependency carries `PERMISSION_MARK`, so a test can list every `/api/v5/` route and fail on any
private one that forgot to declare its permission (`declared_permission`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

import fastapi.routing
from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from sandex.domain.errors import Rejected
from sandex.domain.keys.model import Permission
from sandex.domain.keys.policy import SignedRequest
from sandex.services.auth import Principal
from sandex.transport.okx.client_ip import client_ip
from sandex.transport.okx.context import OkxContext
from sandex.transport.okx.envelope import OkxRejection
from sandex.transport.okx.limits import check_request

__all__ = [
    "PERMISSION_MARK",
    "Principal",
    "ReadAuth",
    "RouteInfo",
    "TradeAuth",
    "TradeAuthIpBound",
    "WithdrawAuth",
    "declared_permission",
    "is_public_path",
    "served_routes",
]

PERMISSION_MARK = "__sandex_permission__"
PUBLIC_PREFIXES = ("/api/v5/public/", "/api/v5/market/")


async def signed_request(
    request: Request, ip: str, perm: Permission, needs_ip_binding: bool
) -> SignedRequest:
    """What the auth check needs from a request, taken raw (nothing decoded or re-encoded)."""
    headers = request.headers
    scope = request.scope
    raw_path: bytes = scope.get("raw_path") or request.url.path.encode()
    target = raw_path.partition(b"?")[0]  # some servers leave the query on raw_path
    query: bytes = scope.get("query_string", b"")
    if query:
        target += b"?" + query
    return SignedRequest(
        api_key=headers.get("ok-access-key"),
        sign=headers.get("ok-access-sign"),
        timestamp=headers.get("ok-access-timestamp"),
        passphrase=headers.get("ok-access-passphrase"),
        method=request.method,
        raw_target=target,
        body=await request.body(),
        client_ip=ip,
        demo=headers.get("x-simulated-trading") == "1",  # "0" or absent: live
        required_perm=perm,
        needs_ip_binding=needs_ip_binding,
    )


def _dependency(
    perm: Permission, needs_ip_binding: bool = False
) -> Callable[[Request], Awaitable[Principal]]:
    async def authenticate(request: Request) -> Principal:
        ctx: OkxContext = request.app.state.okx
        auth = ctx.auth
        if auth is None:
            raise RuntimeError("private OKX route served without an auth service")
        ip = client_ip(request, ctx.trusted_proxies)
        signed = await signed_request(request, ip, perm, needs_ip_binding)
        if auth.is_warm(signed.api_key):  # microseconds: stay on the event loop
            result = auth.authenticate(signed)
        else:  # database and/or argon2: keep the event loop free
            result = await run_in_threadpool(auth.authenticate, signed)
        if isinstance(result, Rejected):
            raise OkxRejection(result)
        # Budgets per UID (+ instId/ccy from the query); body-dependent trade budgets are the handler's.
        refused = await check_request(request, ctx, uid=result.uid)
        if refused is not None:
            raise OkxRejection(refused)
        return result

    setattr(authenticate, PERMISSION_MARK, perm)
    authenticate.__name__ = f"require_{perm.value}{'_ip_bound' if needs_ip_binding else ''}"
    return authenticate


ReadAuth = Annotated[Principal, Depends(_dependency(Permission.READ_ONLY))]
TradeAuth = Annotated[Principal, Depends(_dependency(Permission.TRADE))]
WithdrawAuth = Annotated[Principal, Depends(_dependency(Permission.WITHDRAW))]
# Trade permission on a key bound to IP addresses (OKX: sub-account key management, 50035).
TradeAuthIpBound = Annotated[Principal, Depends(_dependency(Permission.TRADE, needs_ip_binding=True))]


@dataclass(frozen=True, slots=True)
class RouteInfo:
    method: str
    path: str  # as served, prefixes included
    dependant: Dependant | None


def served_routes(app: FastAPI) -> list[RouteInfo]:
    """Every HTTP route of `app` with its effective dependencies (router-level ones included).

    Newer FastAPI versions keep included routers lazily (`iter_route_contexts` flattens them)."""
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    routes: Iterable[Any] = flatten(app.routes) if flatten is not None else app.routes
    found = []
    for route in routes:
        path, methods = getattr(route, "path", None), getattr(route, "methods", None) or ()
        if isinstance(path, str):
            dependant = getattr(route, "dependant", None)
            found += [RouteInfo(method, path, dependant) for method in sorted(methods)]
    return found


def declared_permission(route: RouteInfo | APIRoute) -> Permission | None:
    """The permission a route's auth dependency requires, found anywhere in its dependency tree."""
    if route.dependant is None:
        return None
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        mark = getattr(dependency.call, PERMISSION_MARK, None)
        if isinstance(mark, Permission):
            return mark
        pending.extend(dependency.dependencies)
    return None


def is_public_path(path: str) -> bool:
    return path.startswith(PUBLIC_PREFIXES)
