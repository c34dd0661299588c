"""The ledger-account directory: which account id a (user, environment, kind) has, and who owns an id.

One per process, shared by trading, funding and the commit notifier, so an id is looked up in the
database once. A wipe or restore may hand an old id to a new owner (SQLite reuses ids), so the
control API's reset drops the whole directory (`reset`, the `Resettable` protocol).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Protocol

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import Clock
from sandex.services.exchange.records import LedgerAccount, LedgerAccountKind


class AccountStore(Protocol):
    """Ledger accounts in storage (`ExchangeStore` has these)."""

    def ensure_account(
        self, user_id: int, environment: Environment, kind: LedgerAccountKind, now_ms: int
    ) -> int: ...

    def find_account(self, user_id: int, environment: Environment, kind: LedgerAccountKind) -> int | None: ...


class LedgerAccounts:
    def __init__(self, store: AccountStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._ids: dict[tuple[int, Environment, LedgerAccountKind], int] = {}
        self._owners: dict[int, LedgerAccount] = {}
        self._generation = 0  # bumped by `reset`: a read that straddles one is not remembered

    def ensure(self, user_id: int, environment: Environment, kind: LedgerAccountKind) -> int:
        """The account's id, created on first use (blocks on the database the first time)."""
        key = (user_id, environment, kind)
        found = self._ids.get(key)
        if found is None:
            generation = self._generation
            found = self._store.ensure_account(user_id, environment, kind, self._clock.now_ms())
            self._remember(key, found, generation)
        return found

    def find(self, user_id: int, environment: Environment, kind: LedgerAccountKind) -> int | None:
        """The account's id, or None while it was never used (nothing is created)."""
        key = (user_id, environment, kind)
        found = self._ids.get(key)
        if found is None:
            generation = self._generation
            found = self._store.find_account(user_id, environment, kind)
            if found is not None:
                self._remember(key, found, generation)
        return found

    def owner(self, account_id: int) -> LedgerAccount | None:
        """Who owns `account_id`, when known (see `unknown` and `learn`)."""
        return self._owners.get(account_id)

    def unknown(self, account_ids: Collection[int]) -> set[int]:
        """The ids whose owner is not known yet."""
        return set(account_ids) - self._owners.keys()

    def learn(self, accounts: Iterable[LedgerAccount]) -> None:
        """Remember owners read from storage (the caller reads them where blocking is allowed)."""
        for account in accounts:
            self._owners[account.id] = account

    def reset(self) -> None:
        """Forget everything: the database was wiped or restored."""
        self._generation += 1
        self._ids.clear()
        self._owners.clear()

    def _remember(
        self, key: tuple[int, Environment, LedgerAccountKind], account_id: int, generation: int
    ) -> None:
        """Funding looks accounts up on worker threads: one may finish after a reset."""
        if generation != self._generation:
            return
        self._ids[key] = account_id
        user_id, environment, kind = key
        self._owners[account_id] = LedgerAccount(account_id, user_id, environment, kind)
