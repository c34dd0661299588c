"""What a CLI command opens to hand the exchange's writer a command: the database and the exchange's
tables (the command inbox, ledger accounts), not the exchange, its market and funding.

A running server's writer applies the command; only when no server holds the sequencer lease does
this process build the exchange (`trading.core`, the whole runtime) and apply it itself. The objects
have the shape of `sandex.process.Runtime` as far as the commands use it, so that `sandex.cli.inbox`
serves both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sandex.runtime.clock import SystemClock
from sandex.storage.db import create_db_engine, migrate, session_factory
from sandex.storage.files import private_dir
from sandex.storage.repositories.exchange import SqlExchangeStore

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from sandex.config import Settings
    from sandex.domain.instruments import Catalogue
    from sandex.process import AccountsRuntime, Runtime
    from sandex.services.accounts.service import AccountsService
    from sandex.services.exchange.core import ExchangeCore


class LazyTrading:
    """The exchange's tables now; the exchange itself on first use of `core`."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.store = SqlExchangeStore(sessions)
        self._settings = settings
        self._full: Runtime | None = None

    @property
    def core(self) -> ExchangeCore:
        """The exchange core of a whole runtime on the same database (no server applies the inbox)."""
        if self._full is None:
            from sandex.process import open_runtime

            self._full = open_runtime(self._settings)
        return self._full.trading.core

    def close(self) -> None:
        if self._full is not None:
            self._full.engine.dispose()


@dataclass(slots=True)
class ExchangeTables:
    """The database and the exchange's tables: `sandex market …` and `sandex reset`."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: SystemClock
    trading: LazyTrading

    def close(self) -> None:
        self.trading.close()
        self.engine.dispose()


def open_tables(settings: Settings) -> ExchangeTables:
    """Open the database (migrated to the newest schema) as `open_accounts` does, without keys or users."""
    private_dir(settings.data_dir)  # 0700: the database lives here
    engine = create_db_engine(settings.resolved_database_url())
    try:
        migrate(engine)
    except Exception:
        engine.dispose()
        raise
    sessions = session_factory(engine)
    return ExchangeTables(settings, engine, sessions, SystemClock(), LazyTrading(settings, sessions))


@dataclass(slots=True)
class UsersAndTables:
    """Users and keys (`AccountsRuntime`) with the exchange's tables: `deposit`, `user fee-tier`,
    `user account-mode`/`position-mode` look the user up and hand the writer the command."""

    users: AccountsRuntime
    trading: LazyTrading

    @property
    def engine(self) -> Engine:
        return self.users.engine

    @property
    def settings(self) -> Settings:
        return self.users.settings

    @property
    def clock(self) -> SystemClock:
        return self.users.clock

    @property
    def accounts(self) -> AccountsService:
        return self.users.accounts

    @property
    def catalogue(self) -> Catalogue:
        return self.users.catalogue

    def close(self) -> None:
        self.trading.close()
        self.engine.dispose()


def open_users_and_tables(settings: Settings) -> UsersAndTables:
    from sandex.process import open_accounts

    users = open_accounts(settings)
    return UsersAndTables(users, LazyTrading(settings, users.sessions))
