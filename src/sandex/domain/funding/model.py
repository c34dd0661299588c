"""Funding vocabulary, spelled with OKX's own codes (reference §4.5): accounts, transfer types, states."""

from __future__ import annotations

from enum import StrEnum


class AccountType(StrEnum):
    """The two accounts every user has per environment, by their OKX `from`/`to` codes."""

    FUNDING = "6"
    TRADING = "18"


class TransferType(StrEnum):
    """`asset/transfer` `type`: who moves money between which users, and whose key may ask."""

    WITHIN = "0"  # between the caller's own funding and trading accounts
    MASTER_TO_SUB = "1"  # master key
    SUB_TO_MASTER = "2"  # master key
    SUB_TO_MASTER_BY_SUB = "3"  # the sub-account's own key
    SUB_TO_SUB = "4"  # the sub-account's own key, to a sibling under the same master


class Dest(StrEnum):
    """`asset/withdrawal` `dest`."""

    INTERNAL = "3"  # to another sandex user: credited at once, no fee, no chain
    ON_CHAIN = "4"


class AddrType(StrEnum):
    """`toAddrType`: how `toAddr` names the receiver."""

    ADDRESS = "1"  # a chain address; for internal withdrawals an email or sub-account login name
    UID = "2"  # internal withdrawals only


class DepositType(StrEnum):
    INTERNAL = "3"
    ON_CHAIN = "4"


class DepositState(StrEnum):
    """OKX deposit states sandex goes through (the others are compliance holds it never simulates)."""

    WAITING = "0"  # seen on chain, waiting for confirmations: nothing credited yet
    CREDITED = "1"  # credited to the account, not yet withdrawable
    SUCCESS = "2"  # credited and withdrawable


class WithdrawalState(StrEnum):
    """OKX withdrawal states sandex goes through. Only WAITING can be canceled."""

    WAITING = "0"  # waiting withdrawal: funds held, cancellable
    BROADCASTING = "1"  # broadcasting to the chain: funds still held, no longer cancellable
    SUCCESS = "2"
    FAILED = "-1"  # funds returned
    CANCELED = "-2"  # funds returned

    @property
    def is_final(self) -> bool:
        return self in FINAL_WITHDRAWAL_STATES

    @property
    def counts_toward_quota(self) -> bool:
        """Canceled and failed withdrawals give their share of the daily limit back."""
        return self not in (WithdrawalState.FAILED, WithdrawalState.CANCELED)


FINAL_WITHDRAWAL_STATES = frozenset(
    {WithdrawalState.SUCCESS, WithdrawalState.FAILED, WithdrawalState.CANCELED}
)


class TransferState(StrEnum):
    """`asset/transfer-state` `state`. sandex transfers are applied at once: always SUCCESS."""

    SUCCESS = "success"
    PENDING = "pending"
    FAILED = "failed"
