"""The composition root, second half: the ASGI app around one process's `Runtime` (`sandex.process`,
the first half). The two are the only places that pick concrete classes and wire them together."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial

from fastapi import FastAPI
from starlette.types import ASGIApp

from sandex import __version__
from sandex.config import Settings
from sandex.domain.clock import DAY_MS
from sandex.process import Runtime, open_runtime
from sandex.runtime.aio import cancel_and_wait
from sandex.runtime.clock import SystemClock
from sandex.runtime.conn_slots import RedisSlots
from sandex.runtime.keycache import KeyCacheKeeper
from sandex.runtime.lease import LEASE_WAIT_S
from sandex.runtime.ratelimit import MemoryLimiter, RedisLimiter
from sandex.runtime.retention import RetentionKeeper
from sandex.services.catalogue import CatalogueService
from sandex.services.console.sessions import ConsoleSessions
from sandex.services.control.ports import Pausable, Resettable
from sandex.services.control.service import ControlService
from sandex.services.control.swaps import SwapControls
from sandex.services.exchange.swap_marks import CoreMarks
from sandex.services.retention import Retention, RetentionPolicy
from sandex.services.swap_funding.insurance import InsuranceReader
from sandex.services.swap_funding.warnings import LiquidationWarnings
from sandex.services.trading.positions import PositionReader
from sandex.services.trading.swap_accounts import SwapAccountsService
from sandex.storage.repositories.console import SqlConsoleSessions
from sandex.storage.repositories.control import SqlStateStore
from sandex.storage.repositories.retention import SqlRetentionStore
from sandex.transport.body_limit import BodyLimit
from sandex.transport.console import ConsoleContext, install_console
from sandex.transport.console.positions_source import ConsoleSwapReads
from sandex.transport.control import ControlContext, install_control
from sandex.transport.hosts import AllowedHosts, HostGuard
from sandex.transport.okx.context import OkxContext
from sandex.transport.okx.fastlane import OkxApp
from sandex.transport.okx.faults import FaultMiddleware
from sandex.transport.okx.handlers import install_error_handlers
from sandex.transport.okx.openapi import install_okx_openapi
from sandex.transport.okx.ratelimits.budgets import RateLimits
from sandex.transport.okx.rest import (
    account,
    algos,
    asset,
    convert,
    funding_rates,
    public,
    reference,
    swaps,
    system,
    trade,
    users,
)
from sandex.transport.okx.rest import market as market_rest
from sandex.transport.okx.routing import install_okx_routes
from sandex.transport.okx.ws import WsContext, WsGateway, install_ws
from sandex.transport.okx.ws.books import CoreBooks
from sandex.transport.standby import HEALTH_PATH, SERVING, StandbyGate, Standing, health_endpoint

OKX_ROUTERS = (
    public.router,
    market_rest.router,
    reference.router,  # index candles, mark prices, price limits, platform figures
    system.router,
    account.router,
    swaps.router,  # swap settings, leverage, positions (account/*, trade/close-position)
    asset.router,
    convert.router,
    users.router,
    trade.router,
    algos.router,
    funding_rates.router,  # swaps' funding rates and their history
)
GC_THRESHOLDS = (50_000, 20, 100)  # young collections every 50k net allocations, not 700

log = logging.getLogger("sandex")


def create_app(
    settings: Settings,
    runtime: Runtime | None = None,
    *,
    standby: bool = False,
    on_lease_lost: Callable[[], None] | None = None,
) -> FastAPI:
    """A fully wired sandex ASGI app. Tests build as many isolated apps as they like.

    `standby`: the app starts at once but serves only `/sandex/health` until it holds the
    sequencer lease, then starts like any other. `on_lease_lost`: called when another process
    took the lease (the server exits; commands are refused from then on either way)."""
    rt = runtime or open_runtime(settings)
    standing = Standing()
    app_lost = partial(_lease_lost, standing, on_lease_lost)
    rt.trading.sequencer.on_lease_lost = app_lost
    rate_limits = _rate_limits(settings, rt.clock)
    writer = rt.trading.sequencer.exclusive  # key-usage flushes and retention write between commits
    # SQLite has one write lock, so the key-usage write takes its turn between commits; PostgreSQL
    # locks rows, and no commit touches a key's row or its usage log: there it runs beside them.
    key_cache = KeyCacheKeeper(
        rt.keys.auth, rt.keys.maintenance, writer=writer if rt.engine.dialect.name == "sqlite" else None
    )
    policy = RetentionPolicy(trades_ms=settings.tape_days * DAY_MS)  # old market history, idle counters
    retention = RetentionKeeper(Retention(SqlRetentionStore(rt.sessions), policy), rt.clock, writer=writer)
    app = OkxApp(
        title="sandex",
        version=__version__,
        lifespan=_lifespan(
            rt, rate_limits, key_cache, retention, standing, standby=standby, on_failure=on_lease_lost
        ),
        docs_url="/sandex/docs",
        redoc_url=None,
        openapi_url="/sandex/openapi.json",
        swagger_ui_oauth2_redirect_url=None,
        # no FastAPI-native OpenTelemetry: it looks up the global providers on every request (~10 µs)
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.runtime = rt
    app.state.standing = standing
    swaps = _swaps(rt)
    app.state.okx = OkxContext(
        clock=rt.clock,
        catalogue=CatalogueService(rt.catalogue, rt.market.board.halted),
        rate_limits=rate_limits,
        trusted_proxies=settings.trusted_proxies,
        auth=rt.keys.auth,
        accounts=rt.accounts,
        subaccount_keys=rt.keys.subaccounts,
        trading=rt.trading.service,
        market=rt.market.data,
        funding=rt.funding.service,
        convert=rt.convert,
        faults=rt.faults,
        swaps=swaps,
        funding_rates=rt.funding_rates.service,
        liquidations=rt.funding_rates.liquidations,
        insurance=InsuranceReader(rt.catalogue, rt.trading.core.exchange, rt.clock),
    )
    install_error_handlers(app)
    hosts = AllowedHosts(settings.host, settings.allowed_hosts)
    faults = partial(FaultMiddleware, injector=rt.faults, clock=rt.clock)
    # every OKX route: a fast lane past FastAPI's stack, with the same host check and body bound

    def lane(endpoint: ASGIApp) -> ASGIApp:
        guarded = HostGuard(BodyLimit(faults(endpoint)), hosts)
        return StandbyGate(guarded, standing) if standby else guarded

    install_okx_routes(app, OKX_ROUTERS, lane)
    trade.install_write_routes(app, lane)  # the order writes, served by their own endpoints
    install_okx_openapi(app)  # /sandex/openapi.json: every OKX route with its parameters and bodies
    install_ws(app, _ws(settings, rt, rate_limits, swaps))
    swap_controls = SwapControls(rt.trading.sequencer, rt.trading.accounts, rt.trading.store)
    install_console(app, _console(settings, rt, swap_controls))
    health = health_endpoint(standing, settings.role)
    app.add_route(HEALTH_PATH, health, methods=["GET"])  # type: ignore[arg-type]
    _cluster_control(app, rt)  # a cluster's control API is its sequencer's
    app.add_middleware(FaultMiddleware, injector=rt.faults, clock=rt.clock)  # the lane has its own
    if standby:  # a standby serves only its health check (the lane has its own gate)
        app.add_middleware(StandbyGate, standing=standing)
    app.add_middleware(BodyLimit)  # no body is read past its limit, auth or not
    app.add_middleware(HostGuard, allowed=hosts)  # outermost: no DNS-rebound request gets further
    # 1st wraps the rest; funding rates resume after the sequencer (they read what it settled)
    pausing: list[Pausable] = [rt.market, rt.funding_rates.clock, rt.trading.sequencer, key_cache, retention]
    app.state.control = ControlContext(
        _control(rt, pausing, [*rt.resettables, rate_limits]),
        rt.admin_token,
        rt.funding_rates.service,
        swaps=swap_controls,
    )
    install_control(app, app.state.control)
    return app


def _cluster_control(app: OkxApp, rt: Runtime) -> None:
    """`--role api`: control and Convert requests go to the sequencer's process (`--role sequencer`
    serves them)."""
    if rt.settings.role == "all":
        return
    from sandex.runtime.cluster.follower import Follower
    from sandex.runtime.cluster.forwarding import FORWARDED, ForwardedServer, Forwarder

    writer = rt.trading.sequencer
    if isinstance(writer, Follower):
        app.forward(FORWARDED, Forwarder(lambda: writer.nats, writer.subjects.control))
    if rt.leader is not None:
        rt.leader.control = ForwardedServer(app)


def _lease_lost(standing: Standing, then: Callable[[], None] | None) -> None:
    standing.status = "stepped-down"
    if then is not None:
        then()


def _lifespan(
    rt: Runtime,
    rate_limits: RateLimits,
    key_cache: KeyCacheKeeper,
    retention: RetentionKeeper,
    standing: Standing,
    *,
    standby: bool,
    on_failure: Callable[[], None] | None,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The background workers' start and stop, in the order they need each other. The sequencer
    lease comes first: nothing of this process writes to the database before it holds it. A
    standby waits for it in the background, answering only its health check meanwhile."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ws: WsGateway = app.state.ws  # `install_ws` put the gateway there
        reached: list[str] = []  # the steps started, for the shutdown

        async def serve_api() -> None:
            """`--role api`: no writes of its own but key use; a replica instead of the sequencer."""
            await key_cache.start()
            reached.append("keys")
            await rt.market.start_reading()
            await asyncio.to_thread(rt.funding_rates.service.load)  # the sequencer's rates follow
            await rt.trading.sequencer.start()  # waits for a running sequencer, loads, follows it
            await ws.start()
            reached.append("api")
            _collect_then_tune_gc()
            standing.status = SERVING

        async def serve(lease_wait_s: float | None) -> None:
            if rt.settings.role == "api":
                await serve_api()
                return
            steps = await _hold_the_lease(rt, standby=standby, wait_s=lease_wait_s)
            await key_cache.start()
            reached.append("keys")
            await rt.market.start()  # loads market data (and backfills history) before trades flow
            reached.append("market")
            steps.note("market")
            hot = rt.hot_standby if standby else None
            replica_at = hot.kept_at if hot is not None else None  # goes on from it, if the database's
            await rt.trading.sequencer.start(replica_at)  # rebuilds books and balances, applies the inbox
            if rt.leader is not None:
                await rt.leader.start()  # answers API processes' commands from now on
            steps.note("core")
            await rt.funding.clock.start()  # moves deposits and withdrawals on with the app clock
            await rt.funding_rates.clock.start()  # swaps' funding: minute samples, settlements
            await rt.market.start_maker()
            await retention.start()  # old market history goes, by the sandbox clock
            await ws.start()
            reached.append("all")
            steps.note("the rest")
            log.info("sandex %s ready (%s)", __version__, rt.engine.url.render_as_string(hide_password=True))
            log.info("started in %s after holding the lease", steps)
            _collect_then_tune_gc()
            if standing.status != "stepped-down":
                standing.status = SERVING

        await rate_limits.start()
        takeover: asyncio.Task[None] | None = None
        if standby:
            standing.status = "standby"
            gc.enable()  # a standby may wait for hours: collections on until its start-up runs
            log.info("standby: waiting for the sequencer lease (GET %s says when this serves)", HEALTH_PATH)
            takeover = asyncio.create_task(serve(None), name="sandex-standby")
            takeover.add_done_callback(partial(_takeover_done, standing, rt, on_failure))
        else:
            await serve(LEASE_WAIT_S)
        yield
        await cancel_and_wait(takeover)
        await _shut_down(rt, ws, retention, key_cache, rate_limits, reached)

    return lifespan


async def _shut_down(
    rt: Runtime,
    ws: WsGateway,
    retention: RetentionKeeper,
    key_cache: KeyCacheKeeper,
    rate_limits: RateLimits,
    reached: list[str],
) -> None:
    """Stop what `reached` says started, in the reverse order of their needs."""
    if "api" in reached:
        await ws.stop()
    if rt.leader is not None:
        await rt.leader.stop()  # no more commands; the sequencer finishes what it has
    if "all" in reached:
        await ws.stop()
        await retention.stop()
    if "market" in reached:
        await rt.market.stop()
    if "all" in reached:
        await rt.funding_rates.clock.stop()
        await rt.funding.clock.stop()
    if rt.hot_standby is not None:
        await rt.hot_standby.stop()  # a standby that never took over: its replica's connection
    await rt.trading.sequencer.stop()  # releases the lease (if it was taken)
    if rt.leader is not None:
        await rt.leader.close()
    if "keys" in reached:
        await key_cache.stop()
    await rate_limits.close()
    if ws.ctx.slots is not None:
        await ws.ctx.slots.aclose()
    rt.engine.dispose()


async def _hold_the_lease(rt: Runtime, *, standby: bool, wait_s: float | None) -> _Steps:
    """On the bus first (a standby takes over without connecting, ~0.15 s, and follows the
    cluster's clock meanwhile; a hot standby its exchange and market data too), then the lease: a
    standby waits here. The steps after the lease start counting when it is held."""
    if rt.leader is not None:
        await rt.leader.connect()
    hot = rt.hot_standby if standby else None
    if hot is not None:
        hot.follow()
    await rt.trading.sequencer.acquire(wait_s)
    steps = _Steps()
    if hot is not None:  # its market data goes on when it is the database's
        await hot.take_over()
        steps.note("replica (market data kept)" if hot.market_kept else "replica")
    return steps


class _Steps:
    """How long each start-up step took (a takeover's time, in the log)."""

    def __init__(self) -> None:
        self._at = time.monotonic()
        self._taken: list[str] = []

    def note(self, step: str) -> None:
        now = time.monotonic()
        self._taken.append(f"{step} {now - self._at:.3f} s")
        self._at = now

    def __str__(self) -> str:
        return ", ".join(self._taken)


def _collect_then_tune_gc() -> None:
    if not gc.isenabled():  # `sandex serve` starts without collections: start-up's cycles go now
        gc.collect()
    gc.freeze()  # what start-up built lives as long as the app: full collections no longer rescan it
    # A request allocates hundreds of short-lived objects; the default young-generation
    # threshold (700) ran a collection every few requests (~5 % of the order path's CPU).
    gc.set_threshold(*GC_THRESHOLDS)
    gc.enable()


def _takeover_done(
    standing: Standing, rt: Runtime, on_failure: Callable[[], None] | None, task: asyncio.Task[None]
) -> None:
    """A standby whose start after taking the lease failed: it says so and leaves (serving nothing)."""
    if task.cancelled() or task.exception() is None:
        return
    log.critical("standby: starting after taking the lease failed", exc_info=task.exception())
    standing.status = "failed"
    if on_failure is not None:
        on_failure()


def _control(rt: Runtime, pausing: list[Pausable], resetting: list[Resettable]) -> ControlService:
    """The control plane. A wipe or restore runs with every background writer paused (the market's
    pause wraps the others: it reloads once the books are rebuilt), then what mirrored it is reset."""
    return ControlService(
        accounts=rt.accounts,
        keys=rt.keys.keys,
        clock=rt.clock,
        faults=rt.faults,
        store=SqlStateStore(rt.engine, rt.sessions),
        random=rt.random,
        depositor=rt.trading.service,
        publisher=rt.hub,
        market=rt.trading.sequencer,  # applies market commands through `rt.market.control`
        funding=rt.funding.service,
        pausing=pausing,
        resetting=resetting,
    )


def _swaps(rt: Runtime) -> SwapAccountsService:
    """The swap side of trading accounts: settings, positions marked at the market's marks, swap
    commands (REST and WS share one)."""
    parts, market = rt.trading, rt.market
    reader = PositionReader(
        parts.store,
        rt.catalogue.instruments,
        market.board,
        last_px=lambda inst_id: market.data.last_price(inst_id),
    )
    return SwapAccountsService(
        parts.store, parts.sequencer, rt.catalogue, parts.accounts, parts.service, reader
    )


def _ws(settings: Settings, rt: Runtime, rate_limits: RateLimits, swaps: SwapAccountsService) -> WsContext:
    """The OKX WebSocket gateway: pushes come from the hub after each commit."""
    return WsContext(
        clock=rt.clock,
        catalogue=rt.catalogue,
        auth=rt.keys.auth,
        trading=rt.trading.service,
        events=rt.hub,
        books=CoreBooks(rt.trading.core.exchange),
        rate_limits=rate_limits,
        trusted_proxies=settings.trusted_proxies,
        faults=rt.faults,
        market=rt.market.data,
        keys=rt.keys.keys,
        accounts=rt.accounts,
        settled=lambda: rt.trading.sequencer.settled,
        positions=swaps,
        swaps=swaps,
        funding_rates=rt.funding_rates.service,
        warnings=LiquidationWarnings(rt.trading.core.exchange, rt.trading.accounts),
        # OKX caps private connections per account, whichever process they reach: with Redis,
        # every process counts them together (without it, each process counts its own)
        slots=RedisSlots.from_url(settings.redis_url) if settings.redis_url else None,
    )


def _console(settings: Settings, rt: Runtime, swaps: SwapControls) -> ConsoleContext:
    """The web console: server-side sessions in the database, CSRF key derived from the master key."""
    return ConsoleContext(
        accounts=rt.accounts,
        keys=rt.keys.keys,
        maintenance=rt.keys.maintenance,
        sessions=ConsoleSessions(SqlConsoleSessions(rt.sessions), rt.clock, rt.random),
        clock=rt.clock,
        csrf_key=rt.cipher.derive_key(b"console-csrf"),
        dev_mail=not settings.smtp_url,
        trusted_proxies=settings.trusted_proxies,
        market=rt.market.data,
        trading=rt.trading.service,
        catalogue=rt.catalogue,
        funding=rt.funding.service,
        addresses=rt.funding.addresses,
        withdrawals=rt.funding.web_withdrawals,
        convert=rt.convert,
        swaps=swaps,
        swap_reads=ConsoleSwapReads(
            PositionReader(rt.trading.store, rt.catalogue.instruments, CoreMarks(rt.trading.core)),
            rt.trading.store,
            rt.trading.accounts,
            rt.catalogue,
        ),
    )


def _rate_limits(settings: Settings, clock: SystemClock) -> RateLimits:
    """OKX budgets in this process, or in Redis when several processes must share them."""
    limiter: RedisLimiter | MemoryLimiter = MemoryLimiter()
    if settings.redis_url and settings.rate_limits != "off":
        limiter = RedisLimiter.from_url(settings.redis_url)
    return RateLimits.from_mode(settings.rate_limits, limiter, clock)
