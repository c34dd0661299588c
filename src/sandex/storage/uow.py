"""The SQL unit of work: one session, one transaction, every feature's repositories over it.

    with SqlUnitOfWork(sessions) as uow:
        user = uow.users.get(7)
        ...
        uow.commit()          # leaving without commit rolls back

A feature adds its repository with one annotation and one line in `_bind` (e.g. `keys`). Services
type against their own protocol (`AccountsUnitOfWork`…), which this class satisfies structurally.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from sandex.services.accounts.ports import ConflictError
from sandex.storage.repositories import (
    SqlChangeCounters,
    SqlEmailCodeRepository,
    SqlLoginRepository,
    SqlUserRepository,
)
from sandex.storage.repositories.funding_addresses import SqlAllowList
from sandex.storage.repositories.keys import SqlKeyRepository


class SqlUnitOfWork:
    users: SqlUserRepository
    logins: SqlLoginRepository
    email_codes: SqlEmailCodeRepository
    counters: SqlChangeCounters
    keys: SqlKeyRepository
    allow_list: SqlAllowList

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._session

    def _bind(self, session: Session) -> None:
        self.users = SqlUserRepository(session)
        self.logins = SqlLoginRepository(session)
        self.email_codes = SqlEmailCodeRepository(session)
        self.counters = SqlChangeCounters(session)
        self.keys = SqlKeyRepository(session)
        self.allow_list = SqlAllowList(session)

    def __enter__(self) -> SqlUnitOfWork:
        if self._session is not None:
            raise RuntimeError("a unit of work is not re-entrant; open a new one")
        self._session = self._sessions()
        self._bind(self._session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session, self._session = self.session, None
        try:
            session.rollback()  # a no-op after commit; undoes everything otherwise
        finally:
            session.close()

    def commit(self) -> None:
        try:
            self.session.commit()
        except IntegrityError as exc:
            self.session.rollback()
            raise ConflictError("a uniqueness rule was hit") from exc

    def rollback(self) -> None:
        self.session.rollback()


def unit_of_work_factory(sessions: sessionmaker[Session]) -> Callable[[], SqlUnitOfWork]:
    """What services take: a callable opening a fresh unit of work per use case."""
    return lambda: SqlUnitOfWork(sessions)
