"""sandex in the test's own event loop: runtimes and apps on a copied template database, reached over
the ASGI transport (no sockets).

* `sandbox` - an app plus three test-only private routes (`/api/v5/test/...`) that need read, trade and
  withdraw, and echo what they were called with (the REST auth tests).
* `funding_box` - an app whose clock is frozen: deposits and withdrawals move only when a test moves
  time (`Box.travel`).
* `rig` - a runtime whose sequencer and market data run, whose market maker steps on demand.
* `open_rig_runtime` - a runtime alone, for the exchange-core tests (they start its sequencer).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request
from starlette.responses import Response

from sandex.app import create_app
from sandex.config import Settings
from sandex.domain.errors import Rejected
from sandex.domain.funding.withdrawals import Limits
from sandex.process import Runtime, open_runtime
from sandex.runtime.marketmaker import MarketMaker
from sandex.services.accounts.views import UserView
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.funding.views import AllowListView
from sandex.services.keys.views import CreatedKey
from sandex.transport.okx.auth import ReadAuth, TradeAuth, WithdrawAuth
from sandex.transport.okx.envelope import ok
from tests.support.db import migrated_data_dir
from tests.support.factories import LOOPBACK, api_key, environment_of, register, subaccount
from tests.support.okx import DEMO_HEADERS

PEER = LOOPBACK
BASE_URL = "http://sandex.test"


def asgi_client(app: FastAPI, ip: str = PEER, base_url: str = BASE_URL) -> httpx.AsyncClient:
    """A client of `app` that the app sees coming from `ip`."""
    transport = httpx.ASGITransport(app=app, client=(ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


def open_test_runtime(data_dir: Path, **kw: Any) -> tuple[Settings, Runtime]:
    """Settings (no rate limits unless asked) and a runtime with fast argon2, on a copied template.

    `kw`: `Settings` fields, plus `funding_limits` for `open_runtime`."""
    limits: Limits | None = kw.pop("funding_limits", None)
    settings = Settings(data_dir=migrated_data_dir(data_dir), **{"rate_limits": "off", **kw})
    return settings, open_runtime(settings, fast_hashing=True, funding_limits=limits)


# --- sandbox: the REST auth tests ----------------------------------------------------------------
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
        return register(self.runtime.accounts, email)

    def sub(self, master: UserView, name: str = "botdesk01") -> UserView:
        return subaccount(self.runtime.accounts, master, name)

    def key(
        self,
        user_id: int,
        label: str = "bot",
        perm: str = "read_only,trade",
        ip: str = PEER,
        demo: bool = False,
        **fields: Any,
    ) -> CreatedKey:
        return api_key(self.runtime.keys.keys, user_id, label, perm, ip, environment_of(demo=demo), **fields)

    def client(self, ip: str = PEER) -> httpx.AsyncClient:
        http = asgi_client(self.app, ip)
        self.stack.push_async_callback(http.aclose)
        return http

    def now_ms(self) -> int:
        return self.runtime.clock.now_ms()


@asynccontextmanager
async def sandbox(tmp_path: Path, **settings: Any) -> AsyncIterator[Sandbox]:
    config, runtime = open_test_runtime(tmp_path / "data", **settings)
    app = create_app(config, runtime)
    app.include_router(test_router)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        yield Sandbox(app, runtime, stack)


# --- funding_box: the funding tests ----------------------------------------------------------------
@dataclass
class Box(Sandbox):
    """A sandbox whose clock is frozen: only `travel` moves time, deposits and withdrawals."""

    def key(  # type: ignore[override]  # the funding tests pass the permissions second
        self, user_id: int, perm: str = "read_only,trade", *, demo: bool = False, label: str = "bot"
    ) -> CreatedKey:
        return api_key(self.runtime.keys.keys, user_id, label, perm, PEER, environment_of(demo=demo))

    async def travel(self, ms: int) -> int:
        """Move the server clock on and let the funding clock act on it; answers state changes."""
        self.runtime.clock.advance(ms)
        return await self.runtime.funding.service.advance()

    async def credit(self, user: UserView, ccy: str, amount: str, *, demo: bool = False) -> None:
        """An operator credit (instant, to the funding account: what deposits into funding look like)."""
        done = await self.runtime.trading.service.deposit(
            user.id, environment_of(demo=demo), ccy, Decimal(amount), LedgerAccountKind.FUNDING
        )
        assert not isinstance(done, Rejected), done

    def allow(self, user: UserView, chain: str, addr: str, tag: str = "") -> AllowListView:
        """Add an allow-list entry the way the console will: email code (from the outbox), then add."""
        book = self.runtime.funding.addresses
        assert book.send_add_code(user.id, chain=chain, addr=addr, tag=tag) is None
        code = self.runtime.accounts.list_mail(user.email or "")[0].code
        added = book.add(user.id, chain=chain, addr=addr, tag=tag, totp_code=None, email_code=code)
        assert not isinstance(added, Rejected), added
        return added


@asynccontextmanager
async def funding_box(tmp_path: Path, *, limits: Limits | None = None, **settings: Any) -> AsyncIterator[Box]:
    config, runtime = open_test_runtime(tmp_path / "data", funding_limits=limits, **settings)
    app = create_app(config, runtime)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        runtime.clock.freeze()  # only tests move time from here on
        await runtime.funding.clock.stop()  # and only `travel` advances deposits and withdrawals
        yield Box(app, runtime, stack)


# --- rig: the market tests -------------------------------------------------------------------------
@dataclass
class Rig:
    rt: Runtime
    http: httpx.AsyncClient
    app: FastAPI

    @property
    def maker(self) -> MarketMaker:
        assert self.rt.market.maker is not None, "this rig runs without the market maker"
        return self.rt.market.maker

    async def step(self, n: int = 1) -> None:
        for _ in range(n):
            await self.maker.step()

    async def get(self, path: str, **params: Any) -> Any:
        headers = DEMO_HEADERS if params.pop("demo", False) else {}
        response = await self.http.get(f"/api/v5/market/{path}", params=params, headers=headers)
        body = response.json()
        return body if body.get("code") != "0" else body["data"]

    async def flush(self) -> None:
        assert await self.rt.market.writer.flush()


def settings_for(data_dir: Path, **kw: Any) -> Settings:
    """Market-test settings on a copied template database: no simulated market and no backfilled
    history unless asked (`backfill_hours=None`: the default, a day when the market runs)."""
    defaults = {"market": False, "backfill_hours": 0}
    return Settings(data_dir=migrated_data_dir(data_dir), rate_limits="off", **{**defaults, **kw})


@contextlib.asynccontextmanager
async def rig(data_dir: Path, **kw: Any) -> AsyncIterator[Rig]:
    """Sequencer and market data running; the market maker (if `market=True`) steps on demand."""
    settings = settings_for(data_dir, **kw)
    rt = open_runtime(settings, fast_hashing=True)
    app = create_app(settings, rt)
    await rt.market.start()
    await rt.trading.sequencer.start()
    try:
        async with asgi_client(app) as http:
            yield Rig(rt, http, app)
    finally:
        await rt.market.stop()
        await rt.trading.sequencer.stop()
        rt.engine.dispose()


# --- the exchange-core tests -----------------------------------------------------------------------
def open_rig_runtime(data_dir: Path, database_url: str | None = None) -> Runtime:
    """A runtime on `database_url` (already migrated), or on a copied template in `data_dir`."""
    if database_url is None:
        migrated_data_dir(data_dir)
    settings = Settings(data_dir=data_dir, database_url=database_url, rate_limits="off")
    return open_runtime(settings, fast_hashing=True)
