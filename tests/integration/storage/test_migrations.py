"""The schema comes from Alembic on start, on SQLite and PostgreSQL alike, and matches the models."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from sandex.storage.db import MIGRATIONS_DIR, create_db_engine, head_revision, migrate
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


def test_the_head_read_from_the_revision_files_is_alembics() -> None:
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_a_database_behind_the_head_is_still_migrated(tmp_path: object) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/old.db")
    with engine.begin() as conn:  # what an older sandex left: the first revision only
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
        assert "market_candles" in inspect(conn).get_table_names()  # made by a later revision
    engine.dispose()
