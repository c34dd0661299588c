"""What funding needs from storage: records (exact values: ledger amounts as int 10**-18 units), queries,
and the protocols storage implements (`sandex.storage.repositories.funding`).

Transfer, withdrawal and deposit rows change only inside the sequencer's group commit, in the same
transaction as the postings they cause (`FundingChanges`). Deposit addresses and withdrawal
allow-lists are not exchange state: the service writes them directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sandex.domain.accounts.model import Environment
from sandex.domain.funding.withdrawals import AllowedAddress
from sandex.services.accounts.ports import AccountsUnitOfWork

# --- records -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddressRecord:
    """A deposit address handed out (kept so that a credit to an address finds its owner)."""

    user_id: int
    environment: Environment
    chain: str
    addr: str
    tag: str


@dataclass(frozen=True, slots=True)
class AllowListRecord:
    id: int
    user_id: int
    entry: AllowedAddress
    created_ms: int


# --- queries -------------------------------------------------------------------------------------


# --- protocols -----------------------------------------------------------------------------------


class AddressBook(Protocol):
    """Deposit addresses handed out, and the withdrawal allow-lists."""

    def remember_addresses(self, records: Sequence[AddressRecord], now_ms: int) -> None: ...

    def find_address(
        self, environment: Environment, chain: str, addr: str, tag: str
    ) -> AddressRecord | None: ...

    def allow_list(self, user_id: int) -> list[AllowListRecord]: ...


class AllowListRepository(Protocol):
    """A user's withdrawal allow-list inside a unit of work (the caller commits)."""

    def add(self, user_id: int, entry: AllowedAddress, now_ms: int) -> AllowListRecord | None:
        """None when the same (chain, address, tag) is already listed: leave without committing."""
        ...

    def remove(self, user_id: int, entry_id: int) -> bool: ...


class AllowListUnitOfWork(AccountsUnitOfWork, Protocol):
    """One transaction over the allow-list and the accounts repositories: a change and the email
    code that confirms it commit together."""

    @property
    def allow_list(self) -> AllowListRepository: ...

    def __enter__(self) -> AllowListUnitOfWork: ...
