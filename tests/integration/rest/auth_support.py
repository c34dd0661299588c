"""A sandex app with users, keys and correctly signed requests, for the REST auth tests.

Imported by module name. Besides the real routes it mounts three test-only private routes
(`/api/v5/test/...`) that need read, trade and withdraw, and echo what they were called with.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request
from starlette.responses import Response

from sandex.app import Runtime, create_app, open_runtime
from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.keys import signing
from sandex.domain.keys.rules import CreateKeyRequest
from sandex.domain.keys.timestamps import format_rest_timestamp
from sandex.services.accounts.views import UserView
from sandex.services.keys.views import CreatedKey
from sandex.transport.okx.auth import ReadAuth, TradeAuth, WithdrawAuth
from sandex.transport.okx.envelope import ok

PASSWORD = "Correct-Horse-9"
PASSPHRASE = "Sandex#2026"
PEER = "127.0.0.1"

test_router = APIRouter(prefix="/api/v5/test")


@test_router.api_route("/read/{tail:path}", methods=["GET", "POST"])
async def read_echo(request: Request, principal: ReadAuth) -> Response:
    return ok([{"uid": principal.uid, "body": (await request.body()).decode(), "query": request.url.query}])


@test_router.post("/trade")
async def trade_echo(principal: TradeAuth) -> Response:
    return ok([{"uid": principal.uid}])


@test_router.post("/withdraw")
async def withdraw_echo(principal: WithdrawAuth) -> Response:
    return ok([{"uid": principal.uid}])


@dataclass
class Sandbox:
    app: FastAPI
    runtime: Runtime
    stack: AsyncExitStack

    def user(self, email: str = "alice@example.com") -> UserView:
        user = self.runtime.accounts.register(email, PASSWORD)
        assert not isinstance(user, Rejected), user
        return user

    def sub(self, master: UserView, name: str = "botdesk01") -> UserView:
        sub = self.runtime.accounts.create_subaccount(master.id, name)
        assert not isinstance(sub, Rejected), sub
        return sub

    def key(
        self,
        user_id: int,
        label: str = "bot",
        perm: str = "read_only,trade",
        ip: str = PEER,
        demo: bool = False,
        **fields: Any,
    ) -> CreatedKey:
        environment = Environment.DEMO if demo else Environment.LIVE
        request = CreateKeyRequest(label, PASSPHRASE, perm, ip, **fields)
        created = self.runtime.keys.keys.create(user_id, request, environment=environment)
        assert not isinstance(created, Rejected), created
        return created

    def client(self, ip: str = PEER) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(ip, 50000))
        http = httpx.AsyncClient(transport=transport, base_url="http://sandex.test")
        self.stack.push_async_callback(http.aclose)
        return http

    def now_ms(self) -> int:
        return self.runtime.clock.now_ms()


def headers_for(
    created: CreatedKey,
    method: str,
    target: str,
    body: str | bytes = b"",
    *,
    now_ms: int,
    timestamp: str | None = None,
    passphrase: str | None = None,
    secret: str | None = None,
    demo: bool | None = None,
) -> dict[str, str]:
    """OK-ACCESS-* headers signing exactly `method`, `target` (path + raw query) and `body`."""
    ts = timestamp if timestamp is not None else format_rest_timestamp(now_ms)
    sign = signing.sign(secret or created.secret, signing.prehash(ts, method, target, body))
    headers = {
        "OK-ACCESS-KEY": created.info.api_key,
        "OK-ACCESS-SIGN": sign,
        "OK-ACCESS-TIMESTAMP": ts,
        "OK-ACCESS-PASSPHRASE": passphrase if passphrase is not None else created.passphrase,
    }
    is_demo = created.info.environment is Environment.DEMO if demo is None else demo
    if is_demo:
        headers["x-simulated-trading"] = "1"
    return headers


@asynccontextmanager
async def sandbox(tmp_path: Path, **settings: Any) -> AsyncIterator[Sandbox]:
    config = Settings(data_dir=tmp_path / "data", **{"rate_limits": "off", **settings})
    runtime = open_runtime(config, fast_hashing=True)
    app = create_app(config, runtime)
    app.include_router(test_router)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        yield Sandbox(app, runtime, stack)
