"""Console sessions in SQL (implements `services.console_ports.SessionStore`).

Each call is its own short transaction: a request resolves its session before doing anything else,
and must not hold a (SQLite) write lock while it does.
"""

from __future__ import annotations

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from sandex.services.console.ports import ConsoleSession, NewSession
from sandex.storage.orm.console import ConsoleSessionRow


class SqlConsoleSessions:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def add(self, new: NewSession) -> ConsoleSession:
        row = ConsoleSessionRow(
            token_hash=new.token_hash,
            user_id=new.user_id,
            created_ms=new.created_ms,
            last_seen_ms=new.created_ms,
            expires_ms=new.expires_ms,
            password_ms=new.created_ms,
            second_factor_pending=new.second_factor_pending,
        )
        with self._sessions.begin() as session:
            session.add(row)
            session.flush()
            return _session(row)

    def find(self, token_hash: str) -> ConsoleSession | None:
        query = select(ConsoleSessionRow).where(ConsoleSessionRow.token_hash == token_hash)
        with self._sessions() as session:
            row = session.scalars(query).first()
            return None if row is None else _session(row)

    def touch(self, session_id: int, last_seen_ms: int) -> None:
        self._update(session_id, last_seen_ms=last_seen_ms)

    def set_password_time(self, session_id: int, password_ms: int) -> None:
        self._update(session_id, password_ms=password_ms)

    def delete(self, token_hash: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.token_hash == token_hash))

    def delete_for_user(self, user_id: int) -> int:
        with self._sessions.begin() as session:
            result = session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.user_id == user_id))
            return int(getattr(result, "rowcount", 0) or 0)

    def delete_stale(self, expired_before_ms: int, idle_before_ms: int) -> int:
        stale = or_(
            ConsoleSessionRow.expires_ms <= expired_before_ms,
            ConsoleSessionRow.last_seen_ms <= idle_before_ms,
        )
        with self._sessions.begin() as session:
            result = session.execute(delete(ConsoleSessionRow).where(stale))
            return int(getattr(result, "rowcount", 0) or 0)

    def _update(self, session_id: int, **values: int) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(ConsoleSessionRow).where(ConsoleSessionRow.id == session_id).values(**values)
            )


def _session(row: ConsoleSessionRow) -> ConsoleSession:
    return ConsoleSession(
        id=row.id,
        user_id=row.user_id,
        created_ms=row.created_ms,
        last_seen_ms=row.last_seen_ms,
        expires_ms=row.expires_ms,
        password_ms=row.password_ms,
        second_factor_pending=row.second_factor_pending,
    )
