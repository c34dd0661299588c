"""DNS rebinding: a request naming a host sandex does not serve is refused before anything runs."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from sandex.app import create_app
from sandex.config import Settings
from sandex.process import open_runtime
from sandex.testing.inprocess import SandexApp
from sandex.testing.server import serve_in_thread
from tests.support.db import migrated_data_dir

EVIL = {"Host": "evil.example:8000"}


async def test_the_okx_api_refuses_a_foreign_host_with_an_okx_error(sandex_app: SandexApp) -> None:
    response = await sandex_app.http.get("/api/v5/public/time", headers=EVIL)
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["data"]) == ("70301", [])
    assert "evil.example" in body["msg"] and "--allowed-host" in body["msg"]
    served = await sandex_app.http.get("/api/v5/public/time", headers={"Host": "localhost:8000"})
    assert served.status_code == 200


async def test_an_order_write_on_the_fast_lane_is_refused_and_changes_nothing(sandex_app: SandexApp) -> None:
    account = await sandex_app.create_account(funds={"USDT": "1000"})
    okx = sandex_app.okx(account.trade)
    body = {
        "instId": "BTC-USDT",
        "tdMode": "cash",
        "side": "buy",
        "ordType": "limit",
        "sz": "0.01",
        "px": "100",
    }
    response = await sandex_app.http.post("/api/v5/trade/order", json=body, headers=EVIL)
    assert (response.status_code, response.json()["code"]) == (400, "70301")
    assert await okx.pending_orders() == []


async def test_the_control_api_and_the_console_refuse_a_foreign_host(sandex_app: SandexApp) -> None:
    admin = {"Authorization": f"Bearer {sandex_app.runtime.admin_token}", **EVIL}
    control = await sandex_app.http.post("/sandex/v1/users", json={"email": "x@example.test"}, headers=admin)
    assert control.status_code == 400
    assert control.json()["error"]["reason"] == "host_not_served"
    assert [u.email for u in await sandex_app.control.list_users()] == []
    page = await sandex_app.http.get("/signup", headers=EVIL)
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "evil.example" in page.text


async def test_a_foreign_websocket_handshake_is_closed_before_it_is_accepted(tmp_path: Path) -> None:
    settings = Settings(data_dir=migrated_data_dir(tmp_path / "data"), rate_limits="off", market=False)
    app = create_app(settings, open_runtime(settings, fast_hashing=True))
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "websocket",
        "path": "/ws/v5/public",
        "raw_path": b"/ws/v5/public",
        "query_string": b"",
        "headers": [(b"host", b"evil.example")],
        "scheme": "ws",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "subprotocols": [],
        "asgi": {"version": "3.0"},
    }
    async with app.router.lifespan_context(app):
        await app(scope, receive, send)
    assert [m["type"] for m in sent] == ["websocket.close"]


@pytest.mark.parametrize(("host", "status"), [("evil.example", b"403"), ("127.0.0.1", b"101")])
def test_a_real_server_refuses_a_foreign_websocket_handshake(
    tmp_path: Path, host: str, status: bytes
) -> None:
    settings = Settings(data_dir=migrated_data_dir(tmp_path / "data"), rate_limits="off", market=False)
    with (
        serve_in_thread(settings) as server,
        socket.create_connection(("127.0.0.1", server.port), 30) as sock,
    ):
        sock.sendall(
            f"GET /ws/v5/public HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        assert sock.recv(1024).split(b" ")[1] == status
