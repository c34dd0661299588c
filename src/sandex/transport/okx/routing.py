"""Every OKX REST route served the way the order writes are: a plain Starlette endpoint in the app's
fast lane, with no FastAPI dependency solving per request.

The route modules keep declaring their routes with FastAPI's decorators and signatures (`Ctx`,
`ReadAuth`, `Query(alias=...)`...), which stay the single description of each route. At start-up
`okx_route_table` reads those declarations once into a table (method, path, permission, rate-limit
route id, handler, how to bind its arguments) and `install_okx_routes` serves each entry directly:

1. the route's budget per IP (public routes), or authentication for its permission then the budget
   per UID (private routes): `authenticate_request`, exactly the steps of the order writes;
2. the handler's arguments: the request, the `OkxContext`, the principal, and its query parameters
   (a missing required one is 50014 naming it, as FastAPI's validation answered through
   `handlers.rejection_for_validation`);
3. the handler; an `OkxRejection` or a crash answers as the app's error handlers would.

Each route is also put in the app's router as a plain route (same endpoint, exactly its method: a
HEAD or any other method still answers 405), so listings (OpenAPI, the permission matrix) and
other spellings of the path behave as before. A declaration this table cannot serve (a body, header
or path parameter, another dependency, a sync handler) fails at start-up, not on a request.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, get_args

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIRouter
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys.model import Permission
from sandex.services.keys.auth import Principal
from sandex.transport.okx.auth import IP_BINDING_MARK, PERMISSION_MARK, authenticate_request
from sandex.transport.okx.context import Ctx, OkxContext
from sandex.transport.okx.envelope import OkxRejection, fail
from sandex.transport.okx.fastlane import OkxApp, Wrap
from sandex.transport.okx.rate_checks import PublicRateLimit, check_request

Handler = Callable[..., Awaitable[Response]]
# One argument of a handler, from what every request has at hand.
Source = Callable[[Request, OkxContext, Principal | None], Any]

_CONTEXT = get_args(Ctx)[1].dependency  # the `Depends` inside `Ctx`
_PUBLIC_RATE_LIMIT = PublicRateLimit.dependency
_TEXT_TYPES = (str, str | None)


@dataclass(frozen=True, slots=True)
class Auth:
    permission: Permission
    ip_bound: bool  # the key must be bound to IP addresses (50035 otherwise)


@dataclass(frozen=True, slots=True)
class OkxRoute:
    """One row of the table."""

    method: str
    path: str
    name: str
    auth: Auth | None  # None: a public route, budgeted per IP
    handler: Handler
    arguments: tuple[tuple[str, Source], ...]  # the handler's keyword arguments
    dependant: Dependant  # the declaration it was read from (permission listings read it)

    @property
    def route_id(self) -> str:
        """The rate-limit rule's key (`ratelimits/rules.py`): `"GET /api/v5/public/time"`."""
        return f"{self.method} {self.path}"


def okx_route_table(routers: Iterable[APIRouter]) -> list[OkxRoute]:
    """The routes declared on `routers`, in order, one row per method."""
    table = []
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                raise TypeError(f"{route!r}: only FastAPI routes are read into the OKX table")
            table += [_row(route, method) for method in sorted(route.methods or ())]
    return table


def _row(route: APIRoute, method: str) -> OkxRoute:
    where = f"{method} {route.path}"
    dependant = route.dependant
    if not inspect.iscoroutinefunction(route.endpoint):
        raise TypeError(f"{where}: handlers must be async (the lane never runs one in a thread)")
    unsupported = dependant.path_params or dependant.header_params or dependant.cookie_params
    if unsupported or dependant.body_params:
        raise TypeError(f"{where}: only query parameters are bound (read bodies and headers raw)")
    arguments: list[tuple[str, Source]] = []
    if dependant.request_param_name is not None:
        arguments.append((dependant.request_param_name, _request))
    public, auth = _dependencies(dependant, where, arguments)
    if public == (auth is not None):
        raise TypeError(f"{where}: a route is either public (PublicRateLimit) or authenticated")
    for field in dependant.query_params:
        if field.field_info.annotation not in _TEXT_TYPES:
            raise TypeError(f"{where}: query parameter {field.alias} must be str or str | None")
        arguments.append((field.name, _query(field.alias, field.field_info.is_required(), field.default)))
    return OkxRoute(method, route.path, route.name, auth, route.endpoint, tuple(arguments), dependant)


def _dependencies(
    dependant: Dependant, where: str, arguments: list[tuple[str, Source]]
) -> tuple[bool, Auth | None]:
    """(public?, authentication) from the declared dependencies; their arguments go to `arguments`."""
    public, auth = False, None
    for dependency in dependant.dependencies:
        call = dependency.call
        mark = getattr(call, PERMISSION_MARK, None)
        if call is _PUBLIC_RATE_LIMIT:
            public = True
        elif call is _CONTEXT:
            arguments.append((_named(dependency, where), _context))
        elif isinstance(mark, Permission):
            auth = Auth(mark, bool(getattr(call, IP_BINDING_MARK, False)))
            arguments.append((_named(dependency, where), _principal))
        else:
            raise TypeError(f"{where}: dependency {call!r} is not one the OKX table serves")
    return public, auth


def _named(dependency: Dependant, where: str) -> str:
    if dependency.name is None:
        raise TypeError(f"{where}: {dependency.call!r} must be a handler parameter")
    return dependency.name


def _request(request: Request, _ctx: OkxContext, _principal: Principal | None) -> Request:
    return request


def _context(_request: Request, ctx: OkxContext, _principal: Principal | None) -> OkxContext:
    return ctx


def _principal(_request: Request, _ctx: OkxContext, principal: Principal | None) -> Principal | None:
    return principal


def _query(alias: str, required: bool, default: Any) -> Source:
    def value(request: Request, _ctx: OkxContext, _principal: Principal | None) -> Any:
        found = request.query_params.get(alias)
        if found is not None:
            return found  # "" included: FastAPI passed an empty value on, handlers judge it
        if required:  # what FastAPI's "missing" answered (handlers.rejection_for_validation)
            raise OkxRejection(Rejected.of(Reason.PARAM_EMPTY, field=alias))
        return default

    return value


def endpoint_of(row: OkxRoute) -> Callable[[Request], Awaitable[Response]]:
    """The plain Starlette endpoint serving `row`: its checks, then its handler."""
    handler, arguments, route_id, auth = row.handler, row.arguments, row.route_id, row.auth

    async def public(request: Request) -> Response:
        ctx: OkxContext = request.app.state.okx
        refused = await check_request(request, ctx, uid=None, route_id=route_id)
        if refused is not None:
            return fail(refused)
        return await handler(**{name: value(request, ctx, None) for name, value in arguments})

    async def private(request: Request) -> Response:
        assert auth is not None
        ctx: OkxContext = request.app.state.okx
        principal = await authenticate_request(request, auth.permission, auth.ip_bound, route_id=route_id)
        return await handler(**{name: value(request, ctx, principal) for name, value in arguments})

    if auth is None:
        return public
    setattr(private, PERMISSION_MARK, auth.permission)
    return private


class TableRoute(Route):
    """A table row in the app's router: exactly its method (Starlette would add HEAD to a GET), and
    its declaration, where `auth.served_routes` and `declared_permission` look."""

    def __init__(self, row: OkxRoute, endpoint: Callable[[Request], Awaitable[Response]]) -> None:
        super().__init__(row.path, endpoint, methods=[row.method], name=row.name)
        self.methods = {row.method}
        self.dependant = row.dependant


def install_okx_routes(app: OkxApp, routers: Sequence[APIRouter], wrap: Wrap) -> list[OkxRoute]:
    """Serve every route of `routers` by `app`'s fast lane (inside `wrap`) and list it in its router."""
    table = okx_route_table(routers)
    for row in table:
        endpoint = endpoint_of(row)
        app.router.routes.append(TableRoute(row, endpoint))
        app.add_fast_lane(row.path, endpoint, wrap, method=row.method)
    return table
