"""Exchange state as a whole, for the control API: wipe it, wipe one user's, copy it, put a copy back.

Works on the tables the database really has (reflected once), so tables added by later features are
covered without a change here; a table that holds configuration rather than state must be listed in
`KEEP_TABLES`. Deletes follow the foreign keys (children first) and run in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Engine, MetaData, Table, delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from sandex.services.keys.ports import KEYS_TOPIC, USERS_TOPIC
from sandex.storage.repositories.counters import SqlChangeCounters

# Not exchange state: schema version, encryption-key registry, cache-invalidation counters, the
# sequencer's lease.
KEEP_TABLES = frozenset({"alembic_version", "master_keys", "change_counters", "sequencer_lease"})
# Tables whose rows without an owner were seeded by a migration (the fee accounts): a wipe keeps them.
SEEDED_UNLESS_OWNED = {"ledger_accounts": "user_id"}
# A user's own identity rows: a per-user reset keeps its login (2FA, sessions, login history).
IDENTITY_TABLES = frozenset({"recovery_codes", "login_records", "email_codes", "console_sessions"})
USERS_TABLE = "users"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Rows per table, in insertion order (parents first, each table by primary key)."""

    tables: tuple[tuple[str, tuple[dict[str, Any], ...]], ...]


class SqlStateStore:
    """Implements `sandex.services.control.ports.StateStore`."""

    def __init__(self, engine: Engine, sessions: sessionmaker[Session]) -> None:
        self._engine = engine
        self._sessions = sessions
        self._metadata: MetaData | None = None

    def _tables(self) -> list[Table]:
        """State tables, parents before children (reflected on first use; the schema is migrated)."""
        if self._metadata is None:
            metadata = MetaData()
            metadata.reflect(bind=self._engine)
            self._metadata = metadata
        return [table for table in self._metadata.sorted_tables if table.name not in KEEP_TABLES]

    # --- wipe --------------------------------------------------------------------------------------
    def wipe(self) -> None:
        with self._sessions() as session:
            self._delete_all(session, keep_seeded=True)
            _bump_counters(session)
            session.commit()

    def _delete_all(self, session: Session, *, keep_seeded: bool) -> None:
        for table in reversed(self._tables()):
            owner = SEEDED_UNLESS_OWNED.get(table.name) if keep_seeded else None
            if owner is None:
                session.execute(delete(table))
            else:
                session.execute(delete(table).where(table.c[owner].is_not(None)))

    def wipe_user(self, user_id: int) -> None:
        tables = self._tables()
        users = _table(tables, USERS_TABLE)
        with self._sessions() as session:
            _delete_dependents(session, tables, users, [user_id], skip=IDENTITY_TABLES)
            _bump_counters(session)
            session.commit()

    # --- snapshot and restore ------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        with self._sessions() as session:
            copied = []
            for table in self._tables():
                ordered = select(table).order_by(*table.primary_key.columns)
                rows = tuple(dict(row._mapping) for row in session.execute(ordered))
                copied.append((table.name, rows))
        return Snapshot(tuple(copied))

    def restore(self, snapshot: object) -> None:
        if not isinstance(snapshot, Snapshot):
            raise TypeError("not a snapshot of this store")
        by_name = {table.name: table for table in self._tables()}
        with self._sessions() as session:
            self._delete_all(session, keep_seeded=False)  # the copy holds the seeded rows too
            for name, rows in snapshot.tables:
                table = by_name.get(name)
                if table is not None and rows:
                    _insert_in_order(session, table, rows)
            _bump_counters(session)
            session.commit()


def _insert_in_order(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Rows of a table that refers to itself (sub-accounts -> masters) go one by one, in id order."""
    if any(fk.column.table is table for fk in table.foreign_keys):
        for row in rows:
            session.execute(insert(table).values(**row))
    else:
        session.execute(insert(table), list(rows))


def _delete_dependents(
    session: Session, tables: Sequence[Table], parent: Table, ids: Sequence[Any], skip: Iterable[str] = ()
) -> None:
    """Delete, children first, every row that refers (directly or through others) to `ids` of `parent`."""
    skipped = frozenset(skip)
    for child, column in _children(tables, parent):
        if child.name in skipped:
            continue
        pk = _single_pk(child)
        if pk is None:
            session.execute(delete(child).where(column.in_(ids)))
            continue
        child_ids = list(session.scalars(select(pk).where(column.in_(ids))))
        if child_ids:
            _delete_dependents(session, tables, child, child_ids)
            session.execute(delete(child).where(pk.in_(child_ids)))


def _children(tables: Sequence[Table], parent: Table) -> list[tuple[Table, Column[Any]]]:
    found = []
    for table in tables:
        for fk in table.foreign_keys:
            if fk.column.table is parent:
                found.append((table, fk.parent))
    return found


def _single_pk(table: Table) -> Column[Any] | None:
    columns = list(table.primary_key.columns)
    return columns[0] if len(columns) == 1 else None


def _table(tables: Sequence[Table], name: str) -> Table:
    for table in tables:
        if table.name == name:
            return table
    raise LookupError(f"no table {name}")


def _bump_counters(session: Session) -> None:
    """Other processes sharing the database drop their key and user caches."""
    counters = SqlChangeCounters(session)
    counters.bump(KEYS_TOPIC)
    counters.bump(USERS_TOPIC)
