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
from sandex.services.catalogue import CatalogueService
from sandex.storage.catalogue_file import load_catalogue
from sandex.storage.db import create_db_engine, migrate, session_factory
from sandex.transport.okx.context import OkxContext
from sandex.transport.okx.handlers import install_error_handlers
from sandex.transport.okx.rest import public

log = logging.getLogger("sandex")


@dataclass(slots=True)
class Runtime:
    """Everything one sandex process holds: built once per app, never a module global."""

    settings: Settings
    clock: SystemClock
    engine: Engine
    sessions: sessionmaker[Session]
    catalogue: Catalogue


def open_runtime(settings: Settings) -> Runtime:
    """Open the database (migrating it to the newest schema) and load the catalogue."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.resolved_database_url())
    migrate(engine)
    return Runtime(
        settings=settings,
        clock=SystemClock(),
        engine=engine,
        sessions=session_factory(engine),
        catalogue=load_catalogue(settings.catalogue),
    )


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """A fully wired sandex ASGI app. Tests build as many isolated apps as they like."""
    rt = runtime or open_runtime(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        log.info("sandex %s ready (%s)", __version__, _describe_db(rt))
        yield
        rt.engine.dispose()

    app = FastAPI(
        title="sandex",
        version=__version__,
        lifespan=lifespan,
        docs_url="/sandex/docs",
        redoc_url=None,
        openapi_url="/sandex/openapi.json",
    )
    app.state.runtime = rt
    app.state.okx = OkxContext(clock=rt.clock, catalogue=CatalogueService(rt.catalogue))
    install_error_handlers(app)
    app.include_router(public.router)
    return app


def _describe_db(rt: Runtime) -> str:
    return rt.engine.url.render_as_string(hide_password=True)
