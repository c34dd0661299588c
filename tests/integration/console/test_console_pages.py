"""Console URLs answer with pages, whatever goes wrong: unknown paths (404), wrong methods (405),
malformed addresses (400) and crashes (500); the APIs beside them keep their JSON answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from starlette.routing import Mount, Route, WebSocketRoute

from sandex.transport.console import ROUTERS, error_pages
from sandex.transport.console.paths import is_console_path
from tests.support.console import Console, Visitor


def _is_page(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html"), response.headers
    assert "content-security-policy" in response.headers
    assert 'class="btn btn-primary" href="/' in response.text  # the way back


def _is_json(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body: dict[str, object] = response.json()
    return body


@asynccontextmanager
async def _crash_tolerant(app: Console) -> AsyncIterator[httpx.AsyncClient]:
    """A client that gets the 500 answer instead of the re-raised exception (as a browser would)."""
    transport = httpx.ASGITransport(app=app.app, raise_app_exceptions=False, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url=app.base_url) as http:
        yield http


async def test_an_unknown_console_path_is_a_404_page(app: Console, alice: Visitor) -> None:
    async with app.visitor() as visitor:
        for path in ("/no/such/page", "/account/no-such-page", "/markets/BTC-USDT/no/such/part"):
            page = await visitor.http.get(path)
            _is_page(page, 404)
            assert "This page does not exist." in page.text, path
    signed_in = await alice.get("/nope")
    _is_page(signed_in, 404)
    assert 'aria-label="Main"' in signed_in.text and "Back to your account" in signed_in.text


async def test_a_visit_to_a_form_only_url_is_a_405_page_that_names_the_method(alice: Visitor) -> None:
    for path in ("/logout", "/account/2fa/setup", "/account/email-code"):
        page = await alice.get(path)
        _is_page(page, 405)
        assert page.headers["allow"] == "POST", path
    wrong = await alice.http.post("/markets", data={})
    _is_page(wrong, 405)
    assert wrong.headers["allow"] == "GET"


async def test_a_malformed_address_is_a_400_page(alice: Visitor) -> None:
    await alice.get("/assets/withdraw-addresses")
    page = await alice.post("/assets/withdraw-addresses/not-a-number/remove/start")
    _is_page(page, 400)


def _broken(*_args: object, **_kw: object) -> None:
    raise RuntimeError("boom")


async def _sign_up_crashing(app: Console) -> httpx.Response:
    """A sign-up whose account service crashes, answered as a browser would see it."""
    async with app.visitor() as visitor, _crash_tolerant(app) as http:
        await visitor.get("/signup")
        http.cookies = visitor.http.cookies
        fields = {
            "email": "a@example.com",
            "password": "x",
            "password_repeat": "x",
            "csrf_token": visitor.csrf(),
        }
        return await http.post("/signup", data=fields)


async def test_a_crash_on_a_console_page_is_a_500_page(app: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.context.accounts, "register", _broken)
    page = await _sign_up_crashing(app)
    _is_page(page, 500)
    assert "Something went wrong" in page.text and "boom" not in page.text


async def test_a_crash_while_rendering_the_error_page_is_still_a_page(
    app: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.context.accounts, "register", _broken)
    monkeypatch.setattr(error_pages, "render", _broken)
    page = await _sign_up_crashing(app)
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "Something went wrong" in page.text and "content-security-policy" in page.headers


async def test_a_crash_on_an_api_path_stays_okx_json(app: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.runtime.clock, "now_ms", _broken)
    async with _crash_tolerant(app) as http:
        body = _is_json(await http.get("/api/v5/public/time"), 500)
        assert body["code"] == "50026"  # OKX: system error


async def test_the_apis_beside_the_console_keep_their_json_answers(app: Console) -> None:
    async with app.visitor() as visitor:
        http = visitor.http
        assert _is_json(await http.get("/api/v5/no/such/endpoint"), 401)["code"] == "50103"  # OKX: auth first
        assert _is_json(await http.post("/api/v5/public/time"), 405)["code"] == "50115"
        assert _is_json(await http.get("/api/v5/trade/cancel-order"), 405)["code"] == "50115"
        assert _is_json(await http.get("/api/v5/public/instruments?instType=PERP"), 400)["code"] == "51000"
        assert _is_json(await http.get("/sandex/no-such-document"), 404) == {"msg": "Not Found"}
        assert _is_json(await http.get("/ws/v5/public"), 404) == {"msg": "Not Found"}  # a WebSocket URL
        assert _is_json(await http.get("/sandex/v1/no-such-route"), 404) == {
            "error": {"reason": "not_found", "message": "Not Found"}
        }
        missing_file = await http.get("/static/no-such-file.css")
        assert missing_file.status_code == 404 and not missing_file.headers["content-type"].startswith(
            "text/html"
        )


def test_console_paths_are_the_console_routes_and_nothing_the_app_mounts_beside_them(app: Console) -> None:
    console_paths = {route.path for router in ROUTERS for route in router.routes if isinstance(route, Route)}
    assert console_paths and all(is_console_path(path) for path in console_paths)
    others = [
        route.path
        for route in app.app.routes
        if isinstance(route, (Route, WebSocketRoute, Mount)) and route.path not in console_paths
    ]
    assert "/sandex/v1" in others and "/static" in others and "/ws/v5/public" in others
    assert not any(is_console_path(path) for path in others), others
    assert is_console_path("/") and is_console_path("/apiary") and not is_console_path("/api")
