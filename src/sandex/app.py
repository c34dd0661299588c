"""The composition root: the only place that picks concrete classes and wires them together."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from sandex import __version__
from sandex.config import Settings
from sandex.domain.clock import DAY_MS
from sandex.domain.funding.lifecycle import DEFAULT_TIMING, FundingTiming
from sandex.domain.funding.withdrawals import DEFAULT_LIMITS, Limits
from sandex.domain.instruments import Catalogue
from sandex.runtime.admin_token import ADMIN_TOKEN_FILE, load_admin_token
from sandex.runtime.clock import SystemClock
from sandex.runtime.crypto import (
    MASTER_KEY_FILE,
    AesGcmCipher,
    Argon2Hasher,
    BoundedHasher,
    OsRandom,
    load_master_keys,
)
from sandex.runtime.faults import FaultRegistry
from sandex.runtime.funding_clock import FundingClock
from sandex.runtime.hub import Hub
from sandex.runtime.keycache import KeyCacheKeeper
from sandex.runtime.keyring import ReloadingCipher
from sandex.runtime.mailers import build_mailer
from sandex.runtime.market import MarketRuntime, build_market
from sandex.runtime.ratelimit import MemoryLimiter, RedisLimiter
from sandex.runtime.retention import RetentionKeeper
from sandex.runtime.sequencer import Sequencer
from sandex.services.accounts.ports import Mailer
from sandex.services.accounts.service import AccountsService
from sandex.services.catalogue import CatalogueService
from sandex.services.console.sessions import ConsoleSessions
from sandex.services.control.ports import Pausable, Resettable
from sandex.services.control.service import ControlService
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.funding import FundingState
from sandex.services.funding import factory as funding_factory
from sandex.services.funding.allowlist import WithdrawAddressService
from sandex.services.funding.chain_inbox import INBOX_KIND as CHAIN_DEPOSIT_KIND
from sandex.services.funding.chain_inbox import ChainDepositInbox
from sandex.services.funding.service import FundingService
from sandex.services.keys import factory as keys_factory
from sandex.services.keys.factory import KeyServices
from sandex.services.retention import Retention, RetentionPolicy
from sandex.services.trading import factory as trading_factory
from sandex.services.trading.service import TradingService
from sandex.storage.catalogue_file import load_catalogue
from sandex.storage.db import create_db_engine, migrate, session_factory
from sandex.storage.files import private_dir, tighten
from sandex.storage.repositories import SqlMailOutbox
from sandex.storage.repositories.console import SqlConsoleSessions
from sandex.storage.repositories.control import SqlStateStore
from sandex.storage.repositories.exchange import SqlExchangeStore
from sandex.storage.repositories.funding import SqlFundingStore
from sandex.storage.repositories.funding_addresses import SqlAddressBook
from sandex.storage.repositories.marketdata import SqlMarketStore
from sandex.storage.repositories.retention import SqlRetentionStore
from sandex.storage.uow import unit_of_work_factory
from sandex.transport.body_limit import BodyLimit
from sandex.transport.console import ConsoleContext, install_console
from sandex.transport.control import ControlContext, install_control
from sandex.transport.hosts import AllowedHosts, HostGuard
from sandex.transport.okx.context import OkxContext
from sandex.transport.okx.fastlane import OkxApp
from sandex.transport.okx.faults import FaultMiddleware
from sandex.transport.okx.handlers import install_error_handlers
from sandex.transport.okx.limits import RateLimits
from sandex.transport.okx.openapi import install_okx_openapi
from sandex.transport.okx.rest import account, asset, public, trade, users
from sandex.transport.okx.rest import market as market_rest
from sandex.transport.okx.ws import WsContext, install_ws
from sandex.transport.okx.ws.books import CoreBooks

GC_THRESHOLDS = (50_000, 20, 100)  # young collections every 50k net allocations, not 700

log = logging.getLogger("sandex")


@dataclass(slots=True)
class Runtime:
    """Everything one sandex process holds: built once per app, never a module global."""

    settings: Settings
    clock: SystemClock
    engine: Engine
    sessions: sessionmaker[Session]
    catalogue: Catalogue
    cipher: AesGcmCipher
    hasher: BoundedHasher
    random: OsRandom
    mailer: Mailer
    accounts: AccountsService
    hub: Hub
    keys: KeyServices
    trading: TradingParts
    funding: FundingParts  # transfers, deposits, withdrawals (issue "Funding")
    admin_token: str  # the control API's bearer token (settings, or the data dir's admin-token file)
    faults: FaultRegistry  # faults injected through the control API, checked by the transports
    market: MarketRuntime  # reference prices, market data, the market maker (issue "Market data")
    resettables: list[Resettable]  # in-memory mirrors of the database: a control reset drops them


@dataclass(slots=True)
class TradingParts:
    """The exchange core: storage, the in-memory exchanges, their single writer, the use cases."""

    store: SqlExchangeStore
    core: ExchangeCore
    sequencer: Sequencer
    service: TradingService
    accounts: LedgerAccounts  # ledger-account ids and owners: trading, funding and the writer share it


@dataclass(slots=True)
class FundingParts:
    """Funding: its state inside the exchange's writer, the use cases, the allow-lists, the clock task."""

    core: FundingState
    service: FundingService
    addresses: WithdrawAddressService
    clock: FundingClock


def open_runtime(
    settings: Settings,
    *,
    fast_hashing: bool = False,
    funding_limits: Limits | None = None,
    funding_timing: FundingTiming | None = None,
) -> Runtime:
    """Open the database (migrating it to the newest schema) and load the catalogue.

    `fast_hashing` lowers the argon2 cost: for test suites only. `funding_limits`/`funding_timing`
    replace the default withdrawal limits and deposit/withdrawal timing (tests, demos).
    """
    private_dir(settings.data_dir)  # 0700: the database, the keys and the admin token live here
    engine = create_db_engine(settings.resolved_database_url())
    migrate(engine)
    clock, sessions, hub = SystemClock(), session_factory(engine), Hub()
    uow, catalogue = unit_of_work_factory(sessions), load_catalogue(settings.catalogue)
    cipher = load_master_keys(settings.data_dir, settings.master_key)
    # Secrets are read through a keyring that follows `sandex keys rotate-master` run by another process.
    keyring = ReloadingCipher(cipher, None if settings.master_key else settings.data_dir)
    hasher = BoundedHasher(Argon2Hasher(fast=fast_hashing))  # one per process: bounds argon2's memory
    random, outbox = OsRandom(), SqlMailOutbox(sessions)
    mailer = build_mailer(settings.smtp_url, outbox, clock)
    pepper = cipher.derive_key(b"email-codes")
    accounts = AccountsService(
        uow,
        clock=clock,
        hasher=hasher,
        cipher=keyring,
        random=random,
        mailer=mailer,
        outbox=outbox,
        email_pepper=pepper,
    )
    keys = keys_factory.build(uow, accounts, keyring, hasher, random, clock, hub)
    # The exchange: one core holds trading's and funding's state, one sequencer writes it.
    store, funding_store = SqlExchangeStore(sessions), SqlFundingStore(sessions)
    timing, ledger_accounts = funding_timing or DEFAULT_TIMING, LedgerAccounts(store, clock)
    funding_state = FundingState(funding_store, catalogue, clock, timing)
    core = ExchangeCore(catalogue, store, funding=funding_state)
    sequencer = Sequencer(core, store, clock, hub, ledger_accounts)
    trading = trading_factory.build(core, store, sequencer, ledger_accounts, clock, catalogue)
    address_secret = cipher.derive_key(b"deposit-addresses")  # deposit addresses are derived from it
    funding = funding_factory.build(
        funding_state,
        sequencer,
        funding_store,
        store,
        ledger_accounts,
        SqlAddressBook(sessions),
        accounts,
        catalogue,
        clock,
        address_secret,
        funding_limits or DEFAULT_LIMITS,
        timing,
    )
    chain_inbox = ChainDepositInbox(funding.service, catalogue, lambda: sequencer.running)
    sequencer.handle_inbox(CHAIN_DEPOSIT_KIND, chain_inbox.handle)  # `sandex deposit --chain`
    market_store = SqlMarketStore(sessions)
    market = build_market(settings, catalogue, clock, hub, market_store, trading, sequencer, store)
    return Runtime(
        settings=settings,
        clock=clock,
        engine=engine,
        sessions=sessions,
        catalogue=catalogue,
        cipher=cipher,
        hasher=hasher,
        random=random,
        mailer=mailer,
        accounts=accounts,
        hub=hub,
        keys=keys,
        trading=TradingParts(store, core, sequencer, trading, ledger_accounts),
        funding=FundingParts(
            funding_state, funding.service, funding.addresses, FundingClock(funding.service, clock)
        ),
        admin_token=_admin_token(settings),
        faults=FaultRegistry(clock),
        market=market,
        resettables=[ledger_accounts, keys.auth],
    )


def _admin_token(settings: Settings) -> str:
    token = load_admin_token(settings.data_dir, settings.admin_token)
    tighten(settings.data_dir / name for name in (ADMIN_TOKEN_FILE, MASTER_KEY_FILE))  # older sandex
    return token


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """A fully wired sandex ASGI app. Tests build as many isolated apps as they like."""
    rt = runtime or open_runtime(settings)
    rate_limits = _rate_limits(settings, rt.clock)
    key_cache = KeyCacheKeeper(rt.keys.auth, rt.keys.maintenance, writer=rt.trading.sequencer.exclusive)
    retention = _retention(settings, rt)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await rate_limits.start()
        await key_cache.start()
        await rt.market.start()  # loads market data (and backfills history) before trades flow
        await rt.trading.sequencer.start()  # rebuilds books and balances, applies the CLI's inbox
        await rt.funding.clock.start()  # moves deposits and withdrawals on with the app clock
        await rt.market.start_maker()
        await retention.start()  # old market history goes, by the sandbox clock
        await ws.start()
        log.info("sandex %s ready (%s)", __version__, _describe_db(rt))
        gc.freeze()  # what start-up built lives as long as the app: full collections no longer rescan it
        # A request allocates hundreds of short-lived objects; the default young-generation
        # threshold (700) ran a collection every few requests (~5 % of the order path's CPU).
        gc.set_threshold(*GC_THRESHOLDS)
        yield
        await ws.stop()
        await retention.stop()
        await rt.market.stop()
        await rt.funding.clock.stop()
        await rt.trading.sequencer.stop()
        await key_cache.stop()
        await rate_limits.close()
        rt.engine.dispose()

    app = OkxApp(
        title="sandex",
        version=__version__,
        lifespan=lifespan,
        docs_url="/sandex/docs",
        redoc_url=None,
        openapi_url="/sandex/openapi.json",
        swagger_ui_oauth2_redirect_url=None,
        # no FastAPI-native OpenTelemetry: it looks up the global providers on every request (~10 µs)
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.runtime = rt
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
    )
    install_error_handlers(app)
    app.include_router(public.router)
    app.include_router(market_rest.router)
    for private in (account.router, asset.router, users.router, trade.router):
        app.include_router(private)
    hosts = AllowedHosts(settings.host, settings.allowed_hosts)
    faults = partial(FaultMiddleware, injector=rt.faults, clock=rt.clock)
    # the order writes: a fast lane past FastAPI's stack, with the same host check and body bound
    trade.install_write_routes(app, lambda lane: HostGuard(BodyLimit(faults(lane)), hosts))
    install_okx_openapi(app)  # /sandex/openapi.json: every OKX route with its parameters and bodies
    ws = install_ws(app, _ws(settings, rt, rate_limits))
    install_console(app, _console(settings, rt))
    app.add_middleware(FaultMiddleware, injector=rt.faults, clock=rt.clock)  # the lane has its own
    app.add_middleware(BodyLimit)  # no body is read past its limit, auth or not
    app.add_middleware(HostGuard, allowed=hosts)  # outermost: no DNS-rebound request gets further
    control = _control(
        rt, pausing=[rt.market, rt.trading.sequencer, key_cache, retention], resetting=[rate_limits]
    )
    app.state.control = ControlContext(control, rt.admin_token)
    install_control(app, app.state.control)
    return app


def _control(rt: Runtime, pausing: list[Pausable], resetting: list[Resettable]) -> ControlService:
    """The control plane. A wipe or restore runs with every background writer paused (the market's
    pause wraps the exchange's writer, so it reloads once the books are rebuilt from the database,
    and no key-usage flush or retention round races it); what mirrored the database is reset."""
    return ControlService(
        accounts=rt.accounts,
        keys=rt.keys.keys,
        clock=rt.clock,
        faults=rt.faults,
        store=SqlStateStore(rt.engine, rt.sessions),
        random=rt.random,
        depositor=rt.trading.service,
        publisher=rt.hub,
        market=rt.market.control,
        funding=rt.funding.service,
        pausing=pausing,
        resetting=[*rt.resettables, *resetting],
    )


def _ws(settings: Settings, rt: Runtime, rate_limits: RateLimits) -> WsContext:
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
    )


def _console(settings: Settings, rt: Runtime) -> ConsoleContext:
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
    )


def _retention(settings: Settings, rt: Runtime) -> RetentionKeeper:
    """Old market history and idle attempt counters go in the background, in rounds on the exchange's
    writer thread."""
    policy = RetentionPolicy(trades_ms=settings.tape_days * DAY_MS)
    store = SqlRetentionStore(rt.sessions)
    return RetentionKeeper(Retention(store, policy), rt.clock, writer=rt.trading.sequencer.exclusive)


def _rate_limits(settings: Settings, clock: SystemClock) -> RateLimits:
    """OKX budgets in this process, or in Redis when several processes must share them."""
    limiter: RedisLimiter | MemoryLimiter = MemoryLimiter()
    if settings.redis_url and settings.rate_limits != "off":
        limiter = RedisLimiter.from_url(settings.redis_url)
    return RateLimits.from_mode(settings.rate_limits, limiter, clock)


def _describe_db(rt: Runtime) -> str:
    return rt.engine.url.render_as_string(hide_password=True)
