"""`OK-ACCESS-*` request authentication as FastAPI dependencies, one per permission.

Every private endpoint declares what it needs by taking one of the aliases:

    @router.get("/config")
    async def get_config(principal: ReadAuth) -> Response: ...

Authentication (`authenticate_request`) reads the four headers, the raw request target (`raw_path`
+ `?` + `query_string`, exactly as received) and the raw body, lets the auth service run OKX's
checks, then charges the route's rate limit for the authenticated UID. Failures leave as OKX's bare
401 bodies. Each dependency carries `PERMISSION_MARK` (and `IP_BINDING_MARK`), so a test can list
every `/api/v5/` route and fail on any private one that forgot to declare its permission
(`declared_permission`). The OKX routes are not served through FastAPI's dependency solving: the
route table (`routing.py`) reads these marks once and calls `authenticate_request` itself; the
order writes do the same and declare their permission with `requires_permission`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import fastapi.routing
from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from sandex.domain.errors import Rejected
from sandex.domain.keys.model import Permission
from sandex.domain.keys.policy import SignedRequest
from sandex.services.keys.auth import Principal
from sandex.transport.okx.client_ip import client_ip
from sandex.transport.okx.context import OkxContext
from sandex.transport.okx.demo import DEMO_HEADER_RAW, asks_for_demo
from sandex.transport.okx.envelope import OkxRejection
from sandex.transport.okx.rate_checks import check_request

__all__ = [
    "IP_BINDING_MARK",
    "PERMISSION_MARK",
    "Principal",
    "ReadAuth",
    "RouteInfo",
    "TradeAuth",
    "TradeAuthIpBound",
    "WithdrawAuth",
    "WithdrawAuthIpBound",
    "authenticate_request",
    "declared_permission",
    "is_public_path",
    "requires_permission",
    "served_routes",
]

PERMISSION_MARK = "__sandex_permission__"
IP_BINDING_MARK = "__sandex_ip_bound__"  # on auth dependencies that also require an IP-bound key
PUBLIC_PREFIXES = ("/api/v5/public/", "/api/v5/market/", "/api/v5/system/")


async def signed_request(
    request: Request, ip: str, perm: Permission, needs_ip_binding: bool
) -> SignedRequest:
    """What the auth check needs from a request, taken raw (nothing decoded or re-encoded)."""
    scope = request.scope
    # One pass over the raw headers instead of a scan per header; reversed, so that the first of
    # repeated headers wins, as with `request.headers.get`.
    headers: dict[bytes, bytes] = dict(reversed(scope["headers"]))
    raw_path: bytes = scope.get("raw_path") or request.url.path.encode()
    target = raw_path.partition(b"?")[0]  # some servers leave the query on raw_path
    query: bytes = scope.get("query_string", b"")
    if query:
        target += b"?" + query
    return SignedRequest(
        api_key=_latin1(headers.get(b"ok-access-key")),
        sign=_latin1(headers.get(b"ok-access-sign")),
        timestamp=_latin1(headers.get(b"ok-access-timestamp")),
        passphrase=_latin1(headers.get(b"ok-access-passphrase")),
        method=request.method,
        raw_target=target,
        body=await request.body(),
        client_ip=ip,
        demo=asks_for_demo(headers.get(DEMO_HEADER_RAW)),
        required_perm=perm,
        needs_ip_binding=needs_ip_binding,
    )


def _latin1(value: bytes | None) -> str | None:
    return None if value is None else value.decode("latin-1")  # as starlette's Headers decodes


async def authenticate_request(
    request: Request,
    perm: Permission,
    needs_ip_binding: bool = False,
    *,
    ip: str | None = None,
    route_id: str | None = None,
) -> Principal:
    """Authenticate `request` for `perm` and charge its request-level rate limit (or raise
    `OkxRejection`). The auth dependencies call this; so do the plain routes that skip FastAPI's
    dependency solving (the order writes, the OKX route table). `ip`: the client address when the
    caller already has it (it needs it again for its own budgets); `route_id`: the budget's route
    when the caller knows it (`rate_checks.route_id_of` otherwise)."""
    ctx: OkxContext = request.app.state.okx
    auth = ctx.auth
    if auth is None:
        raise RuntimeError("private OKX route served without an auth service")
    if ip is None:
        ip = client_ip(request, ctx.trusted_proxies)
    signed = await signed_request(request, ip, perm, needs_ip_binding)
    if auth.is_warm(signed.api_key):  # microseconds: stay on the event loop
        result = auth.authenticate(signed)
    else:  # database and/or argon2: keep the event loop free
        result = await run_in_threadpool(auth.authenticate, signed)
    if isinstance(result, Rejected):
        raise OkxRejection(result)
    # Budgets per UID (+ instId/ccy from the query); body-dependent trade budgets are the handler's.
    refused = await check_request(request, ctx, uid=result.uid, ip=ip, route_id=route_id)
    if refused is not None:
        raise OkxRejection(refused)
    return result


def _dependency(
    perm: Permission, needs_ip_binding: bool = False
) -> Callable[[Request], Awaitable[Principal]]:
    async def authenticate(request: Request) -> Principal:
        return await authenticate_request(request, perm, needs_ip_binding)

    setattr(authenticate, PERMISSION_MARK, perm)
    setattr(authenticate, IP_BINDING_MARK, needs_ip_binding)
    authenticate.__name__ = f"require_{perm.value}{'_ip_bound' if needs_ip_binding else ''}"
    return authenticate


E = TypeVar("E", bound=Callable[..., Any])


def requires_permission(perm: Permission) -> Callable[[E], E]:
    """Declare the permission of a plain (non-FastAPI) route endpoint that authenticates itself with
    `authenticate_request(request, perm)`; `declared_permission` reads the mark."""

    def mark(endpoint: E) -> E:
        setattr(endpoint, PERMISSION_MARK, perm)
        return endpoint

    return mark


ReadAuth = Annotated[Principal, Depends(_dependency(Permission.READ_ONLY))]
TradeAuth = Annotated[Principal, Depends(_dependency(Permission.TRADE))]
WithdrawAuth = Annotated[Principal, Depends(_dependency(Permission.WITHDRAW))]
# Trade permission on a key bound to IP addresses (OKX: sub-account key management, 50035).
TradeAuthIpBound = Annotated[Principal, Depends(_dependency(Permission.TRADE, needs_ip_binding=True))]
# Withdraw permission on a key bound to IP addresses (OKX `asset/withdrawal`, 50035 otherwise).
WithdrawAuthIpBound = Annotated[Principal, Depends(_dependency(Permission.WITHDRAW, needs_ip_binding=True))]


@dataclass(frozen=True, slots=True)
class RouteInfo:
    method: str
    path: str  # as served, prefixes included
    dependant: Dependant | None
    endpoint: Callable[..., Any] | None = None  # a plain route declares its permission here


def served_routes(app: FastAPI) -> list[RouteInfo]:
    """Every HTTP route of `app` with its effective dependencies (router-level ones included).

    Newer FastAPI versions keep included routers lazily (`iter_route_contexts` flattens them)."""
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    routes: Iterable[Any] = flatten(app.routes) if flatten is not None else app.routes
    found = []
    for route in routes:
        path, methods = getattr(route, "path", None), getattr(route, "methods", None) or ()
        if isinstance(path, str):
            dependant, endpoint = getattr(route, "dependant", None), getattr(route, "endpoint", None)
            found += [RouteInfo(method, path, dependant, endpoint) for method in sorted(methods)]
    return found


def declared_permission(route: RouteInfo | APIRoute) -> Permission | None:
    """The permission a route's auth dependency requires, found anywhere in its dependency tree, or
    declared on a plain route's endpoint (`requires_permission`)."""
    if route.dependant is None:
        mark = getattr(route.endpoint, PERMISSION_MARK, None)
        return mark if isinstance(mark, Permission) else None
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
