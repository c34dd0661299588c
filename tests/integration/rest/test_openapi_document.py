"""/sandex/openapi.json describes every OKX route sandex serves; /sandex/v1/openapi.json the control API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from openapi_spec_validator import validate
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandex.app import create_app
from sandex.config import Settings
from sandex.process import open_runtime
from sandex.transport.okx.auth import declared_permission, is_public_path, served_routes
from sandex.transport.okx.openapi import OKX_ROUTES, okx_routes, route_key
from sandex.transport.okx.rest.trade import WRITE_ROUTES

SIGNING_HEADERS = {"OK-ACCESS-KEY", "OK-ACCESS-SIGN", "OK-ACCESS-TIMESTAMP", "OK-ACCESS-PASSPHRASE"}


@dataclass(frozen=True, slots=True)
class Served:
    app: FastAPI
    http: httpx.AsyncClient


@pytest.fixture
async def served(settings: Settings) -> AsyncIterator[Served]:
    app = create_app(settings, open_runtime(settings, fast_hashing=True))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://sandex.test") as http:
            yield Served(app, http)


def _operations(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {route_key(m.upper(), path): op for path, ops in doc["paths"].items() for m, op in ops.items()}


def undescribed(app: FastAPI, doc: dict[str, Any]) -> list[str]:
    """OKX routes `app` serves that its document leaves out."""
    described = _operations(doc)
    return [key for key in (route_key(r.method, r.path) for r in okx_routes(app)) if key not in described]


async def _document(client: httpx.AsyncClient, path: str = "/sandex/openapi.json") -> dict[str, Any]:
    answer = await client.get(path)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    doc: dict[str, Any] = answer.json()
    return doc


async def test_every_served_okx_route_is_in_the_document_with_its_auth(served: Served) -> None:
    app, client = served.app, served.http
    doc = await _document(client)
    assert undescribed(app, doc) == []
    routes = {route_key(r.method, r.path): r for r in okx_routes(app)}
    assert set(OKX_ROUTES) == set(routes), "the table describes only routes sandex serves"
    assert {route.path for route in WRITE_ROUTES} <= set(doc["paths"])  # the fast lane's too
    for key, op in _operations(doc).items():
        route = routes[key]
        if is_public_path(route.path):
            assert "security" not in op, key
            continue
        permission = declared_permission(route)
        assert permission is not None and op["x-okx-permission"] == permission.value, key
        schemes = doc["components"]["securitySchemes"]
        assert {schemes[name]["name"] for name in op["security"][0]} == SIGNING_HEADERS, key


async def test_both_documents_are_valid_openapi(served: Served) -> None:
    for path in ("/sandex/openapi.json", "/sandex/v1/openapi.json"):
        validate(await _document(served.http, path))  # raises, naming the part that is not


async def test_parameters_and_bodies_are_described_as_okx_sends_them(served: Served) -> None:
    ops = _operations(await _document(served.http))
    candles = {p["name"]: p for p in ops["GET /api/v5/market/candles"]["parameters"]}
    assert candles["instId"]["required"] is True and candles["limit"]["schema"]["type"] == "string"
    assert {"1m", "1H", "1Dutc"} <= set(candles["bar"]["schema"]["enum"])
    assert candles["x-simulated-trading"]["in"] == "header"
    place = ops["POST /api/v5/trade/order"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(place["required"]) == {"instId", "tdMode", "side", "ordType", "sz"}
    assert place["properties"]["sz"] == {
        "type": "string",
        "examples": ["0.001"],
        "description": "size (decimal string)",
    }
    assert place["properties"]["side"]["enum"] == ["buy", "sell"]
    batch = ops["POST /api/v5/trade/batch-orders"]["requestBody"]["content"]["application/json"]["schema"]
    assert (
        batch["type"] == "array"
        and batch["maxItems"] == 20
        and batch["items"]["properties"] == place["properties"]
    )
    balance = ops["GET /api/v5/account/balance"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert balance == {"$ref": "#/components/schemas/OkxEnvelope"}


async def test_a_route_missing_from_the_table_is_reported(served: Served) -> None:
    async def extra(_request: Request) -> Response:
        return Response()

    app = served.app
    app.router.routes.append(Route("/api/v5/public/not-in-the-table", extra, methods=["POST"]))
    app.openapi_schema = None  # built again, with the new route
    assert undescribed(app, await _document(served.http)) == ["POST /api/v5/public/not-in-the-table"]


async def test_the_control_document_lists_every_route_behind_the_admin_token(served: Served) -> None:
    app, client = served.app, served.http
    doc = await _document(client, "/sandex/v1/openapi.json")
    ops = _operations(doc)
    control = next(r for r in app.routes if getattr(r, "path", "") == "/sandex/v1").app  # type: ignore[attr-defined]
    routes = {route_key(r.method, r.path) for r in served_routes(control) if r.dependant is not None}
    assert routes == set(ops) and len(ops) > 30
    assert doc["components"]["securitySchemes"]["AdminToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "the admin token (data dir's admin-token file)",
    }
    for key, op in ops.items():
        assert op["security"] == [{"AdminToken": []}], key
        assert "4XX" in op["responses"] and "422" not in op["responses"], key


async def test_control_ids_with_a_newline_still_get_the_control_apis_answer(served: Served) -> None:
    token = served.app.state.runtime.admin_token
    answer = await served.http.get("/sandex/v1/users/no%0Aone", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404 and answer.json()["error"]["reason"] == "user_not_found", answer.text
