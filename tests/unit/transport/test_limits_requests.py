"""Request-level checks: the route id and dimensions come from the request, the UID from auth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import cast

import httpx
import pytest
from fastapi import FastAPI, Request
from starlette.responses import Response

from sandex.runtime.ratelimit import MemoryLimiter
from sandex.services.catalogue import CatalogueService
from sandex.testing.clock import ManualClock
from sandex.transport.okx.context import Ctx, OkxContext
from sandex.transport.okx.envelope import fail, ok
from sandex.transport.okx.handlers import install_error_handlers
from sandex.transport.okx.rate_checks import check_request, checked_by_handler, route_id_of
from sandex.transport.okx.ratelimits.budgets import RateLimits


def build_app() -> FastAPI:
    """Private-looking routes whose "auth" takes the UID from a header, then checks the budget."""
    app = FastAPI()
    clock = ManualClock()
    limits = RateLimits(MemoryLimiter(), clock)
    app.state.okx = OkxContext(clock=clock, catalogue=cast(CatalogueService, None), rate_limits=limits)
    install_error_handlers(app)

    async def handle(request: Request, ctx: Ctx) -> Response:
        refused = await check_request(request, ctx, uid=request.headers.get("uid"))
        return fail(refused) if refused else ok([{"route": route_id_of(request)}])

    for path in ("/api/v5/trade/order", "/api/v5/account/config"):
        app.add_api_route(path, handle, methods=["GET", "POST"])
    return app


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(), client=("192.0.2.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://sandex.test") as client:
        yield client


async def codes(http: httpx.AsyncClient, n: int, method: str, url: str, uid: str = "7") -> list[int]:
    return [(await http.request(method, url, headers={"uid": uid})).status_code for _ in range(n)]


async def test_route_id_is_method_and_path_template(http: httpx.AsyncClient) -> None:
    body = (await http.get("/api/v5/account/config?x=1", headers={"uid": "7"})).json()
    assert body["data"] == [{"route": "GET /api/v5/account/config"}]


async def test_per_uid_budget_ignores_the_ip_and_separates_users(http: httpx.AsyncClient) -> None:
    assert await codes(http, 6, "GET", "/api/v5/account/config") == [200] * 5 + [429]
    assert await codes(http, 5, "GET", "/api/v5/account/config", uid="8") == [200] * 5


async def test_get_order_details_is_budgeted_per_instrument_from_the_query(http: httpx.AsyncClient) -> None:
    assert await codes(http, 61, "GET", "/api/v5/trade/order?instId=BTC-USDT") == [200] * 60 + [429]
    assert await codes(http, 1, "GET", "/api/v5/trade/order?instId=ETH-USDT") == [200]


async def test_body_scoped_trading_routes_are_left_to_the_handler(http: httpx.AsyncClient) -> None:
    assert checked_by_handler("POST /api/v5/trade/order")
    assert checked_by_handler("POST /api/v5/asset/transfer")
    assert not checked_by_handler("GET /api/v5/trade/order")
    assert not checked_by_handler("POST /api/v5/trade/mass-cancel")
    assert await codes(http, 100, "POST", "/api/v5/trade/order") == [200] * 100
