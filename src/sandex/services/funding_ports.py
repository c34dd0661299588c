"""What funding needs from storage: records (exact values: ledger amounts as int 10**-18 units), queries,
and the protocols storage implements (`sandex.storage.repositories.funding`).

Transfer, withdrawal and deposit rows change only inside the sequencer's group commit, in the same
transaction as the postings they cause (`FundingChanges`). Deposit addresses and withdrawal
allow-lists are not exchange state: the service writes them directly.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from sandex.domain.accounts.model import Environment
from sandex.domain.funding.model import (
    AccountType,
    AddrType,
    DepositState,
    DepositType,
    Dest,
    TransferState,
    TransferType,
    WithdrawalState,
)
from sandex.domain.funding.withdrawals import AllowedAddress
from sandex.domain.ledger.postings import PostingReason


# --- records -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TransferRecord:
    trans_id: int
    environment: Environment
    user_id: int  # who asked (whose key)
    type: TransferType
    ccy: str
    amount: int
    src_user: int
    src: AccountType
    dst_user: int
    dst: AccountType
    sub_acct: str
    client_id: str
    state: TransferState
    ts: int


@dataclass(frozen=True, slots=True)
class WithdrawalRecord:
    wd_id: int
    environment: Environment
    user_id: int
    account_id: int  # the funding account the money leaves
    ccy: str
    chain: str  # "" for internal withdrawals
    amount: int
    fee: int
    dest: Dest
    to_addr: str  # the address, or the internal receiver as named
    tag: str
    addr_type: AddrType
    receiver_id: int | None  # the receiving user of an internal withdrawal
    client_id: str
    state: WithdrawalState
    tx_id: str
    usd_value: Decimal  # what it counts against the daily limit
    from_text: str  # the sender as OKX shows it (email, or sub-account name)
    created_ms: int
    updated_ms: int


@dataclass(frozen=True, slots=True)
class DepositRecord:
    dep_id: int
    environment: Environment
    user_id: int
    account_id: int  # the account credited (funding, or trading for operator credits)
    ccy: str
    chain: str
    amount: int
    dep_type: DepositType
    to_addr: str  # the deposit address ("" for internal transfers)
    tag: str
    from_text: str  # the sender of an internal transfer ("" otherwise)
    from_wd_id: int | None  # the sender's withdrawal id of an internal transfer
    tx_id: str
    state: DepositState
    arrival: int  # confirmations before it is credited
    unlock: int  # confirmations before it is withdrawable
    created_ms: int
    updated_ms: int


@dataclass(slots=True)
class FundingChanges:
    """Funding rows one group commit writes (upserts by id), beside the postings and balances."""

    transfers: list[TransferRecord] = field(default_factory=list)
    withdrawals: list[WithdrawalRecord] = field(default_factory=list)
    deposits: list[DepositRecord] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.transfers or self.withdrawals or self.deposits)

    def extend(self, other: FundingChanges) -> None:
        self.transfers.extend(other.transfers)
        self.withdrawals.extend(other.withdrawals)
        self.deposits.extend(other.deposits)


@dataclass(frozen=True, slots=True)
class FundingSnapshot:
    """What the funding state inside the sequencer is rebuilt from."""

    open_withdrawals: list[WithdrawalRecord]  # not final
    recent_withdrawals: list[WithdrawalRecord]  # created in the last 24 h (daily limits)
    open_deposits: list[DepositRecord]  # waiting or credited
    transfers_with_client_id: list[TransferRecord]
    withdrawals_with_client_id: list[WithdrawalRecord]
    max_trans_id: int
    max_wd_id: int
    max_dep_id: int


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


@dataclass(frozen=True, slots=True)
class FundingBillRecord:
    """A posting of a funding account with what the bill needs from its transfer or withdrawal."""

    bill_id: int
    ccy: str
    delta: int  # available + frozen change
    balance_after: int  # available + frozen after it
    reason: PostingReason
    ref: int
    client_id: str
    transfer_type: TransferType | None  # set for transfer postings
    ts: int


# --- queries -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """deposit-history / withdrawal-history filters. `after`/`before` are ms timestamps (OKX)."""

    ccy: str | None = None
    record_id: int | None = None  # depId / wdId
    client_id: str | None = None  # withdrawals only
    tx_id: str | None = None
    kind: str | None = None  # "3" internal, "4" on-chain
    state: str | None = None
    from_wd_id: int | None = None  # deposits only
    after: int | None = None  # ts < after
    before: int | None = None  # ts > before
    limit: int = 100


@dataclass(frozen=True, slots=True)
class FundingBillQuery:
    ccy: str | None = None
    reasons: Collection[PostingReason] | None = None
    client_id: str | None = None
    after: int | None = None  # ts < after
    before: int | None = None  # ts > before
    since: int | None = None  # retention window: ts >= since
    limit: int = 100


# --- protocols -----------------------------------------------------------------------------------
class FundingStore(Protocol):
    def load_funding(self, since_ms: int) -> FundingSnapshot:
        """The open records, those created since `since_ms`, everything with a client id, id maxima."""
        ...

    def transfer(
        self, environment: Environment, user_id: int, trans_id: int | None, client_id: str | None
    ) -> TransferRecord | None:
        """A transfer the user took part in, by id (wins) or by the client id they gave it."""
        ...

    def withdrawal(self, environment: Environment, user_id: int, wd_id: int) -> WithdrawalRecord | None: ...

    def withdrawals(
        self, environment: Environment, user_id: int, query: HistoryQuery
    ) -> list[WithdrawalRecord]: ...

    def deposits(
        self, environment: Environment, user_id: int, query: HistoryQuery
    ) -> list[DepositRecord]: ...

    def used_quota_usd(self, environment: Environment, user_id: int, since_ms: int) -> Decimal:
        """USD value of the user's withdrawals since `since_ms` that still count (not canceled/failed)."""
        ...

    def funding_bills(self, account_id: int, query: FundingBillQuery) -> list[FundingBillRecord]: ...


class AddressBook(Protocol):
    """Deposit addresses handed out, and the withdrawal allow-lists."""

    def remember_addresses(self, records: Sequence[AddressRecord], now_ms: int) -> None: ...

    def find_address(
        self, environment: Environment, chain: str, addr: str, tag: str
    ) -> AddressRecord | None: ...

    def allow_list(self, user_id: int) -> list[AllowListRecord]: ...

    def add_allowed(self, user_id: int, entry: AllowedAddress, now_ms: int) -> AllowListRecord | None:
        """None when the same (chain, address, tag) is already listed."""
        ...

    def remove_allowed(self, user_id: int, entry_id: int) -> bool: ...
