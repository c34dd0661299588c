"""The composition root: the only place that picks concrete classes and wires them together."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from sandex import __version__
from sandex.config import Settings
from sandex.domain.instruments import Catalogue
from sandex.runtime.clock import SystemClock
from sandex.runtime.crypto import AesGcmCipher, Argon2Hasher, OsRandom, load_master_keys
from sandex.runtime.hub import Hub
from sandex.runtime.keycache import KeyCacheKeeper
from sandex.runtime.keyring import ReloadingCipher
from sandex.runtime.mailers import build_mailer
from sandex.runtime.ratelimit import MemoryLimiter, RedisLimiter
from sandex.services.accounts import AccountsService
from sandex.services.accounts_ports import Mailer
from sandex.services.auth import AuthService
from sandex.services.catalogue import CatalogueService
from sandex.services.keys import KeysService
from sandex.services.keys_maintenance import KeyMaintenance
from sandex.services.keys_ports import KeyChanged
from sandex.services.keys_subaccounts import SubAccountKeysService
from sandex.storage.catalogue_file import load_catalogue
from sandex.storage.db import create_db_engine, migrate, session_factory
from sandex.storage.repositories import SqlMailOutbox
from sandex.storage.uow import unit_of_work_factory
from sandex.transport.okx.context import OkxContext
from sandex.transport.okx.handlers import install_error_handlers
from sandex.transport.okx.limits import RateLimits
from sandex.transport.okx.rest import account, asset, public, users

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
    hasher: Argon2Hasher
    random: OsRandom
    mailer: Mailer
    accounts: AccountsService
    hub: Hub
    keys: KeyServices


@dataclass(slots=True)
class KeyServices:
    """API keys in one process: management, request authentication (with its cache), housekeeping."""

    keys: KeysService
    auth: AuthService
    maintenance: KeyMaintenance
    subaccounts: SubAccountKeysService


def _key_services(
    sessions: sessionmaker[Session], keyring: ReloadingCipher, hasher: Argon2Hasher,
    random: OsRandom, clock: SystemClock, accounts: AccountsService, hub: Hub,
) -> KeyServices:
    uow = unit_of_work_factory(sessions)
    auth = AuthService(uow, accounts, keyring, hasher, random, clock)
    hub.subscribe(KeyChanged, auth.on_key_changed)
    keys = KeysService(uow, accounts, keyring, hasher, random, clock, hub, fresh_use=auth.fresh_last_used)
    maintenance = KeyMaintenance(uow, clock, hub, fresh_use=auth.fresh_last_used)
    return KeyServices(keys, auth, maintenance, SubAccountKeysService(keys, accounts))


def open_runtime(settings: Settings, *, fast_hashing: bool = False) -> Runtime:
    """Open the database (migrating it to the newest schema) and load the catalogue.

    `fast_hashing` lowers the argon2 cost: for test suites only.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.resolved_database_url())
    migrate(engine)
    clock, sessions = SystemClock(), session_factory(engine)
    cipher = load_master_keys(settings.data_dir, settings.master_key)
    # Secrets are read through a keyring that follows `sandex keys rotate-master` run by another process.
    keyring = ReloadingCipher(cipher, None if settings.master_key else settings.data_dir)
    hasher, random, outbox = Argon2Hasher(fast=fast_hashing), OsRandom(), SqlMailOutbox(sessions)
    mailer = build_mailer(settings.smtp_url, outbox, clock)
    accounts = AccountsService(
        unit_of_work_factory(sessions), clock=clock, hasher=hasher, cipher=keyring, random=random,
        mailer=mailer, outbox=outbox, email_pepper=cipher.derive_key(b"email-codes"),
    )
    hub = Hub()
    return Runtime(
        settings=settings,
        clock=clock,
        engine=engine,
        sessions=sessions,
        catalogue=load_catalogue(settings.catalogue),
        cipher=cipher,
        hasher=hasher,
        random=random,
        mailer=mailer,
        accounts=accounts,
        hub=hub,
        keys=_key_services(sessions, keyring, hasher, random, clock, accounts, hub),
    )


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """A fully wired sandex ASGI app. Tests build as many isolated apps as they like."""
    rt = runtime or open_runtime(settings)
    rate_limits = _rate_limits(settings, rt.clock)
    key_cache = KeyCacheKeeper(rt.keys.auth, rt.keys.maintenance)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await rate_limits.start()
        await key_cache.start()
        log.info("sandex %s ready (%s)", __version__, _describe_db(rt))
        yield
        await key_cache.stop()
        await rate_limits.close()
        rt.engine.dispose()

    app = FastAPI(
        title="sandex",
        version=__version__,
        lifespan=lifespan,
        docs_url="/sandex/docs",
        redoc_url=None,
        openapi_url="/sandex/openapi.json",
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.runtime = rt
    app.state.okx = OkxContext(
        clock=rt.clock,
        catalogue=CatalogueService(rt.catalogue),
        rate_limits=rate_limits,
        trusted_proxies=settings.trusted_proxies,
        auth=rt.keys.auth,
        accounts=rt.accounts,
        subaccount_keys=rt.keys.subaccounts,
    )
    install_error_handlers(app)
    app.include_router(public.router)
    for private in (account.router, asset.router, users.router):
        app.include_router(private)
    return app


def _rate_limits(settings: Settings, clock: SystemClock) -> RateLimits:
    """OKX budgets in this process, or in Redis when several processes must share them."""
    limiter: RedisLimiter | MemoryLimiter = MemoryLimiter()
    if settings.redis_url and settings.rate_limits != "off":
        limiter = RedisLimiter.from_url(settings.redis_url)
    return RateLimits.from_mode(settings.rate_limits, limiter, clock)


def _describe_db(rt: Runtime) -> str:
    return rt.engine.url.render_as_string(hide_password=True)
