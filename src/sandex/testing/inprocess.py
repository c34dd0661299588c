"""sandex in the test's own event loop (httpx's ASGI transport, no sockets): for fast async tests.

    async def test_balance(sandex_app):
        account = await sandex_app.create_account(funds={"USDT": "100"})
        async with sandex_app.okx(account.trade) as okx: ...

Each test gets a runtime of its own (the plugin copies a migrated data dir), with its lifespan
(sequencer, key cache, market) running in the test's loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal

import httpx
from fastapi import FastAPI

from sandex.app import create_app
from sandex.client.control import AsyncControlClient
from sandex.client.models import ClockState, Credentials
from sandex.client.rest import AsyncOkxClient
from sandex.config import Settings
from sandex.process import Runtime
from sandex.testing.handles import DEFAULT_EMAIL, DEFAULT_FUNDS, Clients, SandexAccount, create_account
from sandex.transport.hosts import IN_PROCESS_HOST

BASE_URL = f"http://{IN_PROCESS_HOST}"  # a name the app always serves (see `transport/hosts.py`)
PEER = ("127.0.0.1", 50000)  # the client address the app sees (IP-bound keys allow 127.0.0.1)


@dataclass(slots=True)
class SandexApp:
    app: FastAPI
    runtime: Runtime
    transport: httpx.ASGITransport
    http: httpx.AsyncClient  # unsigned requests, e.g. `await sandex_app.http.get("/api/v5/public/time")`
    control: AsyncControlClient
    clients: Clients
    base_url: str = BASE_URL

    def okx(self, credentials: Credentials | None = None) -> AsyncOkxClient:
        """sandex's async OKX client over the in-process transport (closed after the test)."""
        client = AsyncOkxClient(self.base_url, credentials, transport=self.transport)
        return self.clients.track_async(client)

    async def create_account(
        self,
        email: str = DEFAULT_EMAIL,
        funds: Mapping[str, str | Decimal] = DEFAULT_FUNDS,
        demo: bool = False,
    ) -> SandexAccount:
        return await create_account(self.control, email=email, funds=funds, demo=demo)

    async def advance_clock(self, *, ms: int = 0, seconds: float = 0, days: float = 0) -> ClockState:
        """Move sandex's clock; this test's clients keep signing with sandex time."""
        state = await self.control.advance_clock(ms=ms, seconds=seconds, days=days)
        self.clients.set_offset(state.offset_ms)
        return state


@asynccontextmanager
async def running_app(
    settings: Settings, runtime: Runtime, *, reset: bool = False
) -> AsyncIterator[SandexApp]:
    """The app of `runtime` in the current event loop, lifespan included; `reset` wipes it first."""
    app = create_app(settings, runtime)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=PEER)
        clients = Clients()
        async with (
            httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http,
            AsyncControlClient(BASE_URL, runtime.admin_token, transport=transport) as control,
        ):
            if reset:
                await control.reset()
            try:
                yield SandexApp(app, runtime, transport, http, control, clients)
            finally:
                for client in clients.async_clients:
                    await client.aclose()
