"""Rate limits over HTTP: OKX's 429 body, per-IP budgets, `off`, and budgets shared through Redis."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from sandex.app import create_app
from sandex.config import Settings
from sandex.process import open_runtime
from sandex.runtime.clock import SystemClock
from tests.support.db import migrated_data_dir

TIME = "/api/v5/public/time"
INSTRUMENTS = "/api/v5/public/instruments"
TOO_MANY = b'{"msg":"Too Many Requests","code":"50011"}'

ClientFor = Callable[..., httpx.AsyncClient]


@asynccontextmanager
async def sandbox(
    settings: Settings, frozen_at: int | None = None
) -> AsyncIterator[tuple[FastAPI, ClientFor]]:
    """A running app whose clock is frozen (so a window never ends mid-test) and clients per peer IP."""
    runtime = open_runtime(settings)
    runtime.clock.freeze(frozen_at)
    app = create_app(settings, runtime)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))

        def client_for(ip: str = "127.0.0.1", headers: dict[str, str] | None = None) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(ip, 50000))
            http = httpx.AsyncClient(transport=transport, base_url="http://sandex.test", headers=headers)
            stack.push_async_callback(http.aclose)
            return http

        yield app, client_for


def clock_of(app: FastAPI) -> SystemClock:
    clock: SystemClock = app.state.runtime.clock
    return clock


async def statuses(http: httpx.AsyncClient, n: int, path: str = TIME) -> list[int]:
    return [(await http.get(path)).status_code for _ in range(n)]


async def test_the_11th_call_within_2s_gets_okx_429_and_other_ips_are_unaffected(tmp_path: Path) -> None:
    async with sandbox(Settings(data_dir=migrated_data_dir(tmp_path), rate_limits="okx")) as (
        app,
        client_for,
    ):
        first = client_for("192.0.2.1")
        assert await statuses(first, 10) == [200] * 10
        refused = await first.get(TIME)
        assert refused.status_code == 429
        assert refused.content == TOO_MANY
        assert refused.headers["content-type"].startswith("application/json")
        assert await statuses(client_for("192.0.2.2"), 10) == [200] * 10
        clock_of(app).advance(1999)
        assert await statuses(first, 1) == [429]
        clock_of(app).advance(1)
        assert await statuses(first, 11) == [200] * 10 + [429]


async def test_a_refused_request_never_reaches_the_handler(tmp_path: Path) -> None:
    async with sandbox(Settings(data_dir=migrated_data_dir(tmp_path), rate_limits="okx")) as (
        app,
        client_for,
    ):
        calls: list[str] = []
        catalogue = app.state.okx.catalogue
        real = catalogue.list_instruments

        def counting(inst_type: str, inst_id: str | None = None, family: str | None = None) -> object:
            calls.append(inst_type)
            return real(inst_type, inst_id, family)

        catalogue.list_instruments = counting
        http = client_for("192.0.2.1")
        assert await statuses(http, 25, f"{INSTRUMENTS}?instType=SPOT") == [200] * 20 + [429] * 5
        assert len(calls) == 20
        assert await statuses(http, 1, f"{INSTRUMENTS}?instType=SWAP") == [200]  # per IP + instType
        unknown = await http.get(f"{INSTRUMENTS}?instType=SPOT&instId=NOPE-USDT")
        assert unknown.content == TOO_MANY  # limited before the handler could answer 51001
        assert len(calls) == 21


async def test_off_never_limits(tmp_path: Path) -> None:
    async with sandbox(Settings(data_dir=migrated_data_dir(tmp_path), rate_limits="off")) as (
        _app,
        client_for,
    ):
        assert await statuses(client_for(), 60) == [200] * 60


async def test_scaled_limits(tmp_path: Path) -> None:
    async with sandbox(Settings(data_dir=migrated_data_dir(tmp_path), rate_limits="x2")) as (
        _app,
        client_for,
    ):
        assert await statuses(client_for(), 21) == [200] * 20 + [429]


async def test_forwarded_for_counts_only_behind_a_trusted_proxy(tmp_path: Path) -> None:
    trusted = Settings(
        data_dir=migrated_data_dir(tmp_path / "a"), rate_limits="okx", trusted_proxies=("10.0.0.0/8",)
    )
    async with sandbox(trusted) as (_app, client_for):
        assert await statuses(client_for("10.0.0.2", forwarded("198.51.100.1")), 11) == [200] * 10 + [429]
        assert await statuses(client_for("10.0.0.2", forwarded("198.51.100.2")), 10) == [200] * 10
    async with sandbox(Settings(data_dir=migrated_data_dir(tmp_path / "b"), rate_limits="okx")) as (
        _app,
        client_for,
    ):
        assert await statuses(client_for("10.0.0.2", forwarded("198.51.100.1")), 10) == [200] * 10
        # A direct client cannot dodge its budget by inventing a forwarded address.
        assert await statuses(client_for("10.0.0.2", forwarded("198.51.100.3")), 1) == [429]


def forwarded(ip: str) -> dict[str, str]:
    return {"X-Forwarded-For": ip}


@pytest.fixture
async def fresh_ips(redis_url: str) -> AsyncIterator[Callable[[], str]]:
    """Client addresses no other test uses; their Redis buckets are removed afterwards."""
    handed_out: list[str] = []

    def fresh() -> str:
        handed_out.append(f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}")
        return handed_out[-1]

    yield fresh
    client = aioredis.Redis.from_url(redis_url)
    for ip in handed_out:
        keys = [key async for key in client.scan_iter(match=f"sandex:rl:*ip:{ip}")]
        if keys:
            await client.delete(*keys)
    await client.aclose()


async def test_two_processes_sharing_redis_share_the_budget(
    tmp_path: Path, redis_url: str, fresh_ips: Callable[[], str]
) -> None:
    now = SystemClock().now_ms()
    one = Settings(data_dir=migrated_data_dir(tmp_path / "one"), rate_limits="okx", redis_url=redis_url)
    two = Settings(data_dir=migrated_data_dir(tmp_path / "two"), rate_limits="okx", redis_url=redis_url)
    shared_ip, other_ip = fresh_ips(), fresh_ips()
    async with sandbox(one, now) as (_a, client_a), sandbox(two, now) as (_b, client_b):
        a, b = client_a(shared_ip), client_b(shared_ip)
        results = [(await (a if i % 2 else b).get(TIME)).status_code for i in range(10)]
        assert results == [200] * 10
        assert (await a.get(TIME)).content == TOO_MANY
        assert (await b.get(TIME)).content == TOO_MANY
        assert await statuses(client_b(other_ip), 1) == [200]


async def test_an_unreachable_redis_stops_start_up(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=migrated_data_dir(tmp_path), rate_limits="okx", redis_url="redis://127.0.0.1:1/0"
    )
    app = create_app(settings)
    with pytest.raises(RuntimeError, match=r"cannot reach Redis at redis://127\.0\.0\.1:1/0"):
        async with app.router.lifespan_context(app):
            pass


async def test_unmodified_ccxt_reads_our_429_as_rate_limit_exceeded(tmp_path: Path) -> None:
    import ccxt

    async with sandbox(Settings(data_dir=migrated_data_dir(tmp_path), rate_limits="okx")) as (
        _app,
        client_for,
    ):
        http = client_for()
        await statuses(http, 10)
        refused = await http.get(TIME)
    exchange = ccxt.okx()
    body = refused.text
    with pytest.raises(ccxt.RateLimitExceeded):
        exchange.handle_errors(429, "Too Many Requests", TIME, "GET", {}, body, refused.json(), {}, None)
