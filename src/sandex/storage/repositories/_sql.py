"""SQL helpers the repositories share: upserts that work on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session


def dialect_insert(session: Session, table: Table) -> Any:
    """An INSERT that knows ON CONFLICT for the session's backend (both dialects spell it alike)."""
    # deferred: the PostgreSQL dialect package costs ~0.1 s to import, and a SQLite process never needs it
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def upsert(session: Session, table: Table, keys: Sequence[str], values: Mapping[str, Any]) -> None:
    """Insert `values`, or update the row with the same `keys` columns: atomic, so two writers racing
    on a missing row cannot fail on the primary key."""
    statement = dialect_insert(session, table).values(**values)
    changes = {name: statement.excluded[name] for name in values if name not in keys}
    session.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changes))


def driver_sql(sql: str, dialect: str) -> str:
    """SQL written with `%s` placeholders, as the DB-API driver of `dialect` takes them (sqlite3: `?`)."""
    return sql.replace("%s", "?") if dialect == "sqlite" else sql


def insert_text(table: str, columns: Sequence[str], dialect: str) -> str:
    """A plain INSERT for `exec_driver_sql` with a list of tuples (one executemany, no per-row
    parameter processing): for the hot bulk writes. Only constant names go into the text."""
    names, marks = ", ".join(columns), ", ".join(["%s"] * len(columns))
    return driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", dialect)  # noqa: S608
