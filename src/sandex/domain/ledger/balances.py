"""Double-entry balances per (account, currency): `available` and `frozen`, in ledger units.

Every change is a `Posting`, applied atomically in batches: a batch is checked as a whole first
and a batch that would leave any balance negative raises (that is a bug, never a business case:
business refusals such as insufficient funds are checked before postings are built and come back
as `Rejected`). Money enters and leaves only through `deposit` and `withdraw`; everything else
moves it between accounts, so per currency the sum over all accounts (the fee account included)
always equals deposits minus withdrawals.

`overdraft` accounts (the swap clearing account and insurance fund of each environment) may hold a
negative available balance: clearing pays realised profits before the losers' margin reaches it
and the insurance fund covers shortfalls. Every other account stays non-negative.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

from sandex.domain.errors import Reason, Rejected
from sandex.domain.ledger.postings import Posting, PostingReason

FEE_ACCOUNT = 0  # default id of the exchange's own account that collects fees
_FREEZE = PostingReason.FREEZE
_UNFREEZE = PostingReason.UNFREEZE
_new = tuple.__new__  # builds a NamedTuple without its slow Python-level __new__ (hot path)


class LedgerError(Exception):
    """A posting batch would break an invariant: a bug in the caller."""


class BalanceView(NamedTuple):
    available: int
    frozen: int

    @property
    def total(self) -> int:
        return self.available + self.frozen


class BalanceRow(NamedTuple):
    """One persisted balance: what storage saves and `restore` loads."""

    account_id: int
    ccy: str
    available: int
    frozen: int


class _Balance:
    __slots__ = ("available", "frozen")

    def __init__(self) -> None:
        self.available = 0
        self.frozen = 0


_ZERO = BalanceView(0, 0)


class Ledger:
    def __init__(self, fee_account: int = FEE_ACCOUNT, overdraft: frozenset[int] = frozenset()) -> None:
        self.fee_account = fee_account
        self.overdraft = overdraft  # accounts whose available balance may go negative
        self._accounts: dict[int, dict[str, _Balance]] = {}
        self._external: dict[str, int] = {}  # deposits - withdrawals per currency

    # --- reads ---------------------------------------------------------------------------------
    def balance(self, account_id: int, ccy: str) -> BalanceView:
        b = self._accounts.get(account_id, {}).get(ccy)
        return _ZERO if b is None else BalanceView(b.available, b.frozen)

    def available(self, account_id: int, ccy: str) -> int:
        b = self._accounts.get(account_id, {}).get(ccy)
        return 0 if b is None else b.available

    def balances(self, account_id: int) -> dict[str, BalanceView]:
        return {
            ccy: BalanceView(b.available, b.frozen) for ccy, b in self._accounts.get(account_id, {}).items()
        }

    def total(self, ccy: str) -> int:
        """Sum over every account (fee account included) of available + frozen."""
        return sum(b.available + b.frozen for acct in self._accounts.values() if (b := acct.get(ccy)))

    def net_external(self, ccy: str) -> int:
        """Deposits minus withdrawals: what `total` must always equal."""
        return self._external.get(ccy, 0)

    def currencies(self) -> set[str]:
        return {ccy for acct in self._accounts.values() for ccy in acct}

    def rows(self) -> Iterator[BalanceRow]:
        for account_id, acct in self._accounts.items():
            for ccy, b in acct.items():
                yield BalanceRow(account_id, ccy, b.available, b.frozen)

    # --- external money ------------------------------------------------------------------------
    def deposit(self, account_id: int, ccy: str, amount: int, ref: int) -> list[Posting] | Rejected:
        if amount <= 0:
            return Rejected.of(Reason.PARAM_ERROR, field="amt")
        self._external[ccy] = self._external.get(ccy, 0) + amount
        return self.post([Posting(account_id, ccy, amount, 0, PostingReason.DEPOSIT, ref)])

    def withdraw(self, account_id: int, ccy: str, amount: int, ref: int) -> list[Posting] | Rejected:
        if amount <= 0:
            return Rejected.of(Reason.PARAM_ERROR, field="amt")
        if self.available(account_id, ccy) < amount:
            return Rejected.of(Reason.INSUFFICIENT_BALANCE, ccy=ccy)
        self._external[ccy] = self._external.get(ccy, 0) - amount
        return self.post([Posting(account_id, ccy, -amount, 0, PostingReason.WITHDRAWAL, ref)])

    # --- internal moves ------------------------------------------------------------------------
    def transfer(self, src: int, dst: int, ccy: str, amount: int, ref: int) -> list[Posting] | Rejected:
        if src == dst:
            return Rejected(Reason.TRANSFER_SAME_ACCOUNT)
        if amount <= 0:
            return Rejected(Reason.TRANSFER_AMOUNT_INVALID)
        if self.available(src, ccy) < amount:
            return Rejected(Reason.TRANSFER_EXCEEDS_AVAILABLE)
        return self.post(
            [
                Posting(src, ccy, -amount, 0, PostingReason.TRANSFER, ref),
                Posting(dst, ccy, amount, 0, PostingReason.TRANSFER, ref),
            ]
        )

    def freeze(self, account_id: int, ccy: str, amount: int, ref: int) -> list[Posting] | Rejected:
        """Set `amount` aside for an order; refused (nothing changed) if not available."""
        if amount < 0:
            raise LedgerError(f"negative freeze {amount}")
        if not amount:
            return []
        acct = self._accounts.get(account_id)
        b = None if acct is None else acct.get(ccy)
        if b is None or b.available < amount:
            return Rejected.of(Reason.INSUFFICIENT_BALANCE, ccy=ccy)
        b.available -= amount
        b.frozen += amount
        return [_new(Posting, (account_id, ccy, -amount, amount, _FREEZE, ref))]

    def unfreeze(self, account_id: int, ccy: str, amount: int, ref: int) -> list[Posting]:
        """Give back what an order no longer needs (raises if more than is frozen: a bug)."""
        if not amount:
            return []
        b = self._slot(account_id, ccy)
        if amount < 0 or b.frozen < amount:
            raise LedgerError(f"cannot unfreeze {amount} of ({account_id}, {ccy}): {b.frozen} frozen")
        b.available += amount
        b.frozen -= amount
        return [_new(Posting, (account_id, ccy, amount, -amount, _UNFREEZE, ref))]

    def post(self, postings: list[Posting]) -> list[Posting]:
        """Apply a batch atomically: all of it, or (raising `LedgerError`) none of it.

        Postings apply in order and each must leave its balance non-negative, so a batch lists
        credits before the debits they fund (e.g. trade proceeds before the fee taken from them).
        """
        done = 0
        try:
            for p in postings:
                self._apply(p.account_id, p.ccy, p.delta_available, p.delta_frozen)
                done += 1
        except LedgerError:
            for p in reversed(postings[:done]):
                self._apply(p.account_id, p.ccy, -p.delta_available, -p.delta_frozen)
            raise
        return postings

    def _apply(self, account_id: int, ccy: str, delta_available: int, delta_frozen: int) -> None:
        b = self._slot(account_id, ccy)
        available = b.available + delta_available
        frozen = b.frozen + delta_frozen
        if frozen < 0 or (available < 0 and account_id not in self.overdraft):
            raise LedgerError(f"({account_id}, {ccy}) would be at available={available} frozen={frozen}")
        b.available = available
        b.frozen = frozen

    # --- rebuild -------------------------------------------------------------------------------
    def restore(self, rows: Iterable[BalanceRow]) -> None:
        """Load persisted balances; what they add up to becomes the net external amount."""
        for row in rows:
            if row.frozen < 0 or (row.available < 0 and row.account_id not in self.overdraft):
                raise LedgerError(f"negative persisted balance {row}")
            b = self._slot(row.account_id, row.ccy)
            self._external[row.ccy] = (
                self._external.get(row.ccy, 0) + row.available + row.frozen - b.available - b.frozen
            )
            b.available = row.available
            b.frozen = row.frozen

    def _slot(self, account_id: int, ccy: str) -> _Balance:
        acct = self._accounts.get(account_id)
        if acct is None:
            self._accounts[account_id] = acct = {}
        b = acct.get(ccy)
        if b is None:
            acct[ccy] = b = _Balance()
        return b
