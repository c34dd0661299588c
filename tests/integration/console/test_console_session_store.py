"""Console sessions in the database (SQLite and PostgreSQL): digests only, expiry, logout."""

from __future__ import annotations

from sqlalchemy import select

from sandex.domain.clock import HOUR_MS, MINUTE_MS
from sandex.services.accounts.ports import NewUser
from sandex.services.console.sessions import ConsoleSessions, SessionPolicy, token_digest
from sandex.storage.db import create_db_engine, migrate, session_factory
from sandex.storage.orm.console import ConsoleSessionRow
from sandex.storage.repositories.console import SqlConsoleSessions
from sandex.storage.uow import SqlUnitOfWork
from sandex.testing.clock import ManualClock


class CountingRandom:
    def __init__(self) -> None:
        self.n = 0

    def token_bytes(self, n: int) -> bytes:
        self.n += 1
        return self.n.to_bytes(n, "big")

    def digits(self, n: int) -> str:
        return "1" * n


def _service(migrated_database_url: str) -> tuple[ConsoleSessions, ManualClock, int, SqlConsoleSessions]:
    engine = create_db_engine(migrated_database_url)
    migrate(engine)
    sessions = session_factory(engine)
    with SqlUnitOfWork(sessions) as uow:
        user = uow.users.add(NewUser(uid="1234567890123456", created_ms=0, email="a@example.com"))
        uow.commit()
    clock = ManualClock()
    store = SqlConsoleSessions(sessions)
    return ConsoleSessions(store, clock, CountingRandom(), SessionPolicy()), clock, user.id, store


def _stored_sessions(database_url: str) -> list[ConsoleSessionRow]:
    """The console-session rows as another connection reads them."""
    engine = create_db_engine(database_url)
    try:
        with session_factory(engine)() as db:
            return list(db.scalars(select(ConsoleSessionRow)).all())
    finally:
        engine.dispose()


def test_a_session_lives_until_idle_or_its_lifetime_ends(migrated_database_url: str) -> None:
    service, clock, user_id, store = _service(migrated_database_url)
    issued = service.open(user_id)
    assert store.find(token_digest(issued.token)) is not None
    assert store.find(issued.token) is None  # stored by digest, never as the token
    clock.advance(ms=HOUR_MS)
    assert service.resolve(issued.token) is not None  # touches last-seen
    clock.advance(ms=2 * HOUR_MS - 1)
    assert service.resolve(issued.token) is not None
    for _ in range(9):  # active, but not beyond 12 hours
        clock.advance(ms=HOUR_MS + MINUTE_MS)
        service.resolve(issued.token)
    assert service.resolve(issued.token) is None
    assert store.find(token_digest(issued.token)) is None  # an ended session is deleted

    idle = service.open(user_id)
    clock.advance(ms=2 * HOUR_MS)
    assert service.resolve(idle.token) is None


def test_a_resolve_without_touch_does_not_keep_a_session_alive(migrated_database_url: str) -> None:
    service, clock, user_id, _ = _service(migrated_database_url)
    issued = service.open(user_id)
    clock.advance(ms=HOUR_MS)
    assert service.resolve(issued.token, touch=False) is not None  # a page's own refresh
    clock.advance(ms=HOUR_MS)
    assert service.resolve(issued.token, touch=False) is None  # idle since it was opened


def test_pending_2fa_sessions_are_short_and_promotion_replaces_the_token(migrated_database_url: str) -> None:
    service, clock, user_id, _ = _service(migrated_database_url)
    pending = service.open(user_id, second_factor_pending=True)
    assert service.resolve(pending.token).second_factor_pending  # type: ignore[union-attr]
    full = service.promote(pending.token)
    assert full is not None and full.token != pending.token and not full.session.second_factor_pending
    assert service.resolve(pending.token) is None and service.resolve(full.token) is not None
    assert service.promote(full.token) is None  # only pending sessions are promoted
    late = service.open(user_id, second_factor_pending=True)
    clock.advance(ms=5 * MINUTE_MS)
    assert service.promote(late.token) is None


def test_reauthentication_window_and_logout(migrated_database_url: str) -> None:
    service, clock, user_id, _ = _service(migrated_database_url)
    issued = service.open(user_id)
    clock.advance(ms=29 * MINUTE_MS)
    session = service.resolve(issued.token)
    assert session is not None and not service.needs_reauth(session)
    clock.advance(ms=MINUTE_MS)
    session = service.resolve(issued.token)
    assert session is not None and service.needs_reauth(session)
    service.reauthenticated(session)
    assert not service.needs_reauth(service.resolve(issued.token))  # type: ignore[arg-type]
    other = service.open(user_id)
    service.close(issued.token)
    assert service.resolve(issued.token) is None and service.resolve(other.token) is not None
    assert service.close_all(user_id) == 1
    assert _stored_sessions(migrated_database_url) == []
