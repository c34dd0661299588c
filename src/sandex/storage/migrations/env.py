"""Alembic environment: always run with a connection handed in by `sandex.storage.db.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from sandex.storage.orm import Base

target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs batch mode to alter tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # `alembic` CLI use during development: SANDEX_DATABASE_URL or a throwaway SQLite file
    import os

    url = os.environ.get("SANDEX_DATABASE_URL", "sqlite:///./sandex-data/sandex.db")
    with create_engine(url).begin() as conn:
        _run(conn)
