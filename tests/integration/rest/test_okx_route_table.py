"""The OKX route table: every route read from its declaration (permission, IP binding, public
budget, handler arguments), served by the fast lane, and declarations it cannot serve refused when
the app is built rather than on a request."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Body, Query, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sandex.app import OKX_ROUTERS, create_app
from sandex.config import Settings
from sandex.domain.keys.model import Permission
from sandex.transport.okx.auth import ReadAuth
from sandex.transport.okx.context import Ctx
from sandex.transport.okx.envelope import ok
from sandex.transport.okx.fastlane import OkxApp
from sandex.transport.okx.rate_checks import PublicRateLimit
from sandex.transport.okx.routing import Auth, install_okx_routes, okx_route_table


def _row(method: str, path: str) -> Auth | None:
    rows = {(row.method, row.path): row for row in okx_route_table(OKX_ROUTERS)}
    return rows[(method, path)].auth


def test_the_table_reads_each_routes_permission_from_its_declaration() -> None:
    assert _row("GET", "/api/v5/public/time") is None  # public: budgeted per IP
    assert _row("GET", "/api/v5/market/books") is None
    assert _row("GET", "/api/v5/account/balance") == Auth(Permission.READ_ONLY, ip_bound=False)
    assert _row("POST", "/api/v5/asset/transfer") == Auth(Permission.TRADE, ip_bound=False)
    assert _row("POST", "/api/v5/asset/withdrawal") == Auth(Permission.WITHDRAW, ip_bound=True)
    assert _row("POST", "/api/v5/users/subaccount/apikey") == Auth(Permission.TRADE, ip_bound=True)


class Outermost:
    """A middleware added around the app: what a request taking FastAPI's normal way passes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def tagged(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))  # type: ignore[call-overload]
                message = {**message, "headers": [*headers, (b"x-normal-way", b"1")]}
            await send(message)

        await self.app(scope, receive, tagged)  # type: ignore[arg-type]


async def test_every_okx_route_is_served_by_the_fast_lane(settings: Settings) -> None:
    app = create_app(settings)
    app.add_middleware(Outermost)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://sandex.test") as http:
            for row in okx_route_table(OKX_ROUTERS):
                reply = await http.request(row.method, row.path)
                assert "x-normal-way" not in reply.headers, row.route_id
                assert reply.headers["content-type"].startswith("application/json"), row.route_id
            unknown = await http.get("/api/v5/public/nope")  # not in the table: the normal way
            assert unknown.headers["x-normal-way"] == "1" and unknown.json()["code"] == "50062"


async def test_a_head_request_on_a_read_route_is_still_a_wrong_method(client: httpx.AsyncClient) -> None:
    head = await client.head("/api/v5/public/time")
    assert head.status_code == 405  # Starlette would answer HEAD on a GET route; FastAPI's did not
    get = await client.get("/api/v5/public/time")
    assert get.status_code == 200 and get.json()["code"] == "0"


def _lone(route: object) -> APIRouter:
    router = APIRouter(prefix="/api/v5/test")
    router.add_api_route("/r", route, methods=["POST"])  # type: ignore[arg-type]
    return router


async def _with_body(ctx: Ctx, principal: ReadAuth, body: Annotated[dict[str, str], Body()]) -> Response:
    return ok([])


def _sync(ctx: Ctx, principal: ReadAuth) -> Response:
    return ok([])


async def _unguarded(ctx: Ctx) -> Response:
    return ok([])


async def _number(principal: ReadAuth, limit: Annotated[int, Query()] = 1) -> Response:
    return ok([])


@pytest.mark.parametrize("handler", [_with_body, _sync, _unguarded, _number])
def test_a_declaration_the_table_cannot_serve_fails_when_the_app_is_built(handler: object) -> None:
    app = OkxApp()
    with pytest.raises(TypeError):
        install_okx_routes(app, [_lone(handler)], lambda endpoint: endpoint)


async def _both(request: Request, ctx: Ctx, name: Annotated[str, Query(alias="instId")]) -> Response:
    return ok([{"instId": name, "app": ctx is request.app.state.okx}])


async def test_query_parameters_are_bound_and_a_missing_one_is_okx_50014(settings: Settings) -> None:
    app = create_app(settings)
    assert isinstance(app, OkxApp)
    router = APIRouter(prefix="/api/v5/public", dependencies=[PublicRateLimit])
    router.add_api_route("/both", _both, methods=["GET"])
    install_okx_routes(app, [router], lambda endpoint: endpoint)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://sandex.test") as http:
            found = await http.get("/api/v5/public/both?instId=BTC-USDT")
            assert found.json()["data"] == [{"instId": "BTC-USDT", "app": True}]
            missing = await http.get("/api/v5/public/both")
            empty = {"code": "50014", "msg": "Parameter instId can not be empty.", "data": []}
            assert missing.json() == empty
