"""Engines and schema: one place that knows SQLite from PostgreSQL."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from sandex.storage.files import private_file, sqlite_files, tighten

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# `revision = "0009"` / `down_revision = "0008"` (or None) in a revision file, quoted either way
_REVISION_LINE = re.compile(
    r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*(?:["']([^"']+)["']|(None))\s*$""", re.M
)
BUSY_TIMEOUT_MS = 30_000
# What a SQLite write-ahead log file is cut back to whenever the log starts over (the writer reuses
# it from the top once a checkpoint has copied it all): without a limit the file keeps the size of
# its longest run, whatever a checkpoint copied since.
WAL_SIZE_LIMIT = 16 * 1024 * 1024


def create_db_engine(url: str, application_name: str | None = None) -> Engine:
    """An engine tuned for its backend: SQLite in WAL mode with full fsync, PostgreSQL via psycopg 3.

    `application_name` tags every PostgreSQL session (`pg_stat_activity`): the process's lease
    identity, so a process taking over the sequencer lease can end a frozen holder's sessions."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database)
    if parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    connect_args = {"application_name": application_name} if application_name else {}
    # hide_parameters: SQL logging (sqlalchemy.engine at INFO) must never print passwords' hashes,
    # code digests or the outbox's mail bodies, which carry one-time codes.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        hide_parameters=True,
        connect_args=connect_args,
    )


READ_THREADS = 40  # anyio's default worker threads, which serve the REST reads


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database)
        path.parent.mkdir(parents=True, exist_ok=True)
        private_file(path)  # before SQLite creates it: its -wal and -shm then get the same 0600
        tighten(sqlite_files(path))  # and those an older sandex left 0644
    # As many pooled connections as the threads that read at once (anyio's default of 40): past the
    # pool, each read opened a connection and ran the pragmas below (~1.5 ms of CPU per signed read
    # at 32 concurrent requests). An idle SQLite connection costs little memory.
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        hide_parameters=True,
        pool_size=READ_THREADS,
        max_overflow=10,
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        # WAL lets readers (a second process such as the CLI) work while the server writes;
        # synchronous=FULL makes every commit durable: an acknowledged change survives a crash.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
        cursor.close()

    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (run on every start; a no-op when current).

    A database already at the newest revision is left alone without loading Alembic (~0.15 s of
    imports each `sandex` command would pay); anything else goes through Alembic."""
    if _at_head(engine):
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _at_head(engine: Engine) -> bool:
    head = head_revision()
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            stamped = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except SQLAlchemyError:  # no alembic_version table yet: a new database
        return False
    return list(stamped) == [head]


def head_revision() -> str | None:
    """The newest revision, read from the revision files; None unless the history is one plain line
    of revisions (then Alembic itself decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("[0-9]*.py"):
        found = {name: value for name, value, _none in _REVISION_LINE.findall(path.read_text())}
        if set(found) != {"revision", "down_revision"} or not found["revision"]:
            return None
        revisions.add(found["revision"])
        if found["down_revision"]:
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and len(parents) == len(revisions) - 1 else None


class SnapshotSessions(sessionmaker[Session]):
    """Sessions on the engine, except on a thread inside `snapshot`: there every session reads one
    consistent snapshot of the database (a replica loads the whole exchange state while the
    sequencer in another process goes on committing)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, expire_on_commit=False)
        self._local = threading.local()

    def __call__(self, **local_kw: Any) -> Session:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            local_kw.setdefault("bind", conn)  # joins the snapshot's transaction, never commits it
        return super().__call__(**local_kw)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every session this thread opens in the block reads the same committed state: one
        REPEATABLE READ transaction (PostgreSQL), one read transaction (SQLite's WAL)."""
        engine: Engine = self.kw["bind"]
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin() as transaction:
                self._local.conn = conn
                try:
                    yield
                finally:
                    self._local.conn = None
                    transaction.rollback()  # it only read


def session_factory(engine: Engine) -> SnapshotSessions:
    return SnapshotSessions(engine)


def ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
