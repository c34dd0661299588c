"""The app's OpenAPI document: FastAPI's own, with every `/api/v5/` route described by the table.

The OKX handlers read raw query strings and bodies (OKX's rules for `""`, numbers as strings and
per-item batch errors are not FastAPI's), so FastAPI cannot see their parameters. The document takes
the routes actually served (fast lane included) from the app, their parameters and bodies from the
route table (`OKX_ROUTES`), and their authentication from each route's own permission mark. A route
the table does not describe is left out; a test fails on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from sandex.transport.okx.auth import RouteInfo, declared_permission, is_public_path, served_routes
from sandex.transport.okx.demo import DEMO_HEADER
from sandex.transport.okx.openapi.account_routes import ACCOUNT_ROUTES, ASSET_ROUTES, USERS_ROUTES
from sandex.transport.okx.openapi.algo_routes import ALGO_ROUTES
from sandex.transport.okx.openapi.convert_routes import CONVERT_ROUTES
from sandex.transport.okx.openapi.funding_rate_routes import FUNDING_RATE_ROUTES
from sandex.transport.okx.openapi.public_routes import PUBLIC_ROUTES
from sandex.transport.okx.openapi.schemas import (
    ERROR_RESPONSES,
    SCHEMAS,
    SECURITY_SCHEMES,
    SIGNED,
    ok_response,
)
from sandex.transport.okx.openapi.swap_routes import SWAP_ROUTES
from sandex.transport.okx.openapi.trade_routes import TRADE_ROUTES
from sandex.transport.okx.openapi.vocab import Doc, one_of, parameters, request_body

OKX_PREFIX = "/api/v5/"
OKX_ROUTES: Mapping[str, Doc] = {
    **PUBLIC_ROUTES,
    **ACCOUNT_ROUTES,
    **SWAP_ROUTES,
    **ASSET_ROUTES,
    **CONVERT_ROUTES,
    **USERS_ROUTES,
    **TRADE_ROUTES,
    **ALGO_ROUTES,
    **FUNDING_RATE_ROUTES,
}
DEMO = one_of(DEMO_HEADER, ("0", "1"), "1: demo trading (a demo key, the demo market)")
DESCRIPTION = (
    "OKX v5 REST routes sandex serves. Every answer is `{code, msg, data}` (auth failures and rate "
    "limits: `{msg, code}`); private routes are signed with the OK-ACCESS-* headers. The control "
    "API is described at /sandex/v1/openapi.json."
)


def route_key(method: str, path: str) -> str:
    return f"{method} {path}"


def okx_routes(app: FastAPI) -> list[RouteInfo]:
    """The OKX REST routes `app` serves (WebSocket routes are not in OpenAPI's scope)."""
    return [route for route in served_routes(app) if route.path.startswith(OKX_PREFIX)]


def okx_paths(app: FastAPI) -> dict[str, dict[str, Any]]:
    paths: dict[str, dict[str, Any]] = {}
    for route in okx_routes(app):
        doc = OKX_ROUTES.get(route_key(route.method, route.path))
        if doc is not None:
            paths.setdefault(route.path, {})[route.method.lower()] = operation(route, doc)
    return paths


def operation(route: RouteInfo, doc: Doc) -> dict[str, Any]:
    name = route.path.removeprefix(OKX_PREFIX)
    op: dict[str, Any] = {
        "tags": [name.partition("/")[0]],
        "summary": doc.summary,
        "operationId": f"{route.method.lower()}_{name.replace('/', '_').replace('-', '_')}",
        "parameters": parameters(doc, (DEMO,)),
    }
    body = request_body(doc)
    if body is not None:
        op["requestBody"] = body
    if not is_public_path(route.path):
        op["security"] = [SIGNED]
        permission = declared_permission(route)
        op["x-okx-permission"] = None if permission is None else permission.value
    op["responses"] = {"200": ok_response(order_results=doc.order_results), **ERROR_RESPONSES}
    return op


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """Built once per app (FastAPI's own cache), then served as is."""
    if app.openapi_schema is None:
        doc = get_openapi(title=app.title, version=app.version, description=DESCRIPTION, routes=app.routes)
        others = {path: ops for path, ops in doc.get("paths", {}).items() if not path.startswith(OKX_PREFIX)}
        doc["paths"] = {**others, **okx_paths(app)}
        components = doc.setdefault("components", {})
        components["schemas"] = {**_still_used(doc["paths"], components.get("schemas", {})), **SCHEMAS}
        components["securitySchemes"] = SECURITY_SCHEMES
        app.openapi_schema = doc
    return app.openapi_schema


def _still_used(paths: Any, schemas: Mapping[str, Any]) -> dict[str, Any]:
    """FastAPI's schemas that the remaining paths still refer to, directly or through each other
    (those of the replaced OKX operations, such as its 422 answer, go)."""
    used: dict[str, Any] = {}
    pending = [orjson.dumps(paths)]
    while pending:
        text = pending.pop()
        for name, schema in schemas.items():
            if name not in used and f'"#/components/schemas/{name}"'.encode() in text:
                used[name] = schema
                pending.append(orjson.dumps(schema))
    return used


def install_okx_openapi(app: FastAPI) -> None:
    """Serve this document as the app's openapi.json (FastAPI's documented way to replace it)."""
    app.openapi = partial(openapi_document, app)  # type: ignore[method-assign]
