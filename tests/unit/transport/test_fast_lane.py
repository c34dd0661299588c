"""The order writes' fast lane answers exactly as the app's normal way would: the endpoint's
response, OKX envelopes for refusals and crashes, the lane's middleware (fault injection) around
it, and every other method on the same path left to the router."""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sandex.domain.errors import Reason, Rejected
from sandex.transport.okx.envelope import OkxRejection
from sandex.transport.okx.errors import ERRORS
from sandex.transport.okx.fastlane import OkxApp
from sandex.transport.okx.handlers import install_error_handlers

PATH = "/api/v5/trade/order"


async def endpoint(request: Request) -> Response:
    body = await request.json()
    if body.get("refuse"):
        raise OkxRejection(Rejected.of(Reason.PARAM_ERROR, field="sz"))
    if body.get("crash"):
        raise RuntimeError("boom")
    return JSONResponse({"code": "0", "app": request.app.title, "echo": body})


class Tagging:
    """Stands for the fault middleware: marks what passed through it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def tagged(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))  # type: ignore[call-overload]
                message = {**message, "headers": [*headers, (b"x-lane", b"1")]}
            await send(message)

        await self.app(scope, receive, tagged)


def make_app() -> OkxApp:
    app = OkxApp(title="lane-test")
    install_error_handlers(app)

    @app.get(PATH)
    async def read() -> dict[str, str]:
        return {"code": "0", "via": "router"}

    app.add_fast_lane(PATH, endpoint, Tagging)
    return app


@pytest.fixture
def client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=make_app(), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_a_post_runs_the_endpoint_inside_the_lane_middleware(client: httpx.AsyncClient) -> None:
    reply = await client.post(PATH, json={"sz": "1"})
    assert reply.status_code == 200 and reply.headers["x-lane"] == "1"
    assert reply.json() == {"code": "0", "app": "lane-test", "echo": {"sz": "1"}}


async def test_a_refusal_is_the_okx_envelope(client: httpx.AsyncClient) -> None:
    reply = await client.post(PATH, json={"refuse": True})
    assert reply.json()["code"] == "51000" and "sz" in reply.json()["msg"]


async def test_a_crash_is_logged_and_answered_with_a_system_error(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="sandex.http"):
        reply = await client.post(PATH, json={"crash": True})
    system_error = ERRORS[Reason.SYSTEM_ERROR]
    assert (reply.status_code, reply.json()["code"]) == (system_error.http_status, system_error.code)
    assert any("unhandled error on POST" in r.getMessage() for r in caplog.records)


async def test_other_methods_and_paths_take_the_normal_way(client: httpx.AsyncClient) -> None:
    read = await client.get(PATH)
    assert read.json() == {"code": "0", "via": "router"} and "x-lane" not in read.headers
    other = await client.post(PATH + "/", json={})
    assert "x-lane" not in other.headers
