"""The schema comes from Alembic on start, on SQLite and PostgreSQL alike, and matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from sandex.storage.db import create_db_engine, migrate
from sandex.storage.orm import Base


def test_migrations_build_exactly_the_models(database_url: str) -> None:
    engine = create_db_engine(database_url)
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"


def test_migrating_twice_is_harmless_and_keeps_data(database_url: str) -> None:
    engine = create_db_engine(database_url)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO change_counters (topic, version) VALUES ('probe', 7)"))
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM change_counters WHERE topic='probe'")).scalar() == 7
        assert "alembic_version" in inspect(conn).get_table_names()
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path: object) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/wal.db")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    engine.dispose()
