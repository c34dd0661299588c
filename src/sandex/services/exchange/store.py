"""store."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import MgnMode
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import OrdState, OrdType
from sandex.domain.trading.algos import AlgoOrdType, AlgoState
from sandex.services.exchange.funding_fees import FundingRateRecord
from sandex.services.exchange.records import (
    AlgoRecord,
    BalanceRecord,
    ChangeSet,
    DepositRecord,
    FillRecord,
    FundingBillRecord,
    FundingSnapshot,
    IdMaxima,
    InboxItem,
    InboxOutcome,
    LedgerAccount,
    LedgerAccountKind,
    OrderRecord,
    PostingRecord,
    StoredState,
    TransferRecord,
    WithdrawalRecord,
)
from sandex.services.exchange.swap_records import AccountSettingsRecord, LeverageRecord, PositionRecord


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


class LeaseLostError(Exception):
    """The sequencer lease belongs to someone else: this process must not write exchange state."""


@dataclass(frozen=True, slots=True)
class LeaseState:
    """The sequencer lease as the database sees it ("" owner: free)."""

    owner: str
    heartbeat_ms: int
    age_ms: int  # since the last heartbeat, by the database's clock (PostgreSQL) or this host's (SQLite)
    epoch: int  # takeovers so far: one more each time the lease changes hands


@dataclass(frozen=True, slots=True)
class OrderQuery:
    pending: bool  # live/partially_filled vs filled/canceled
    inst_id: str | None = None
    ord_type: OrdType | None = None
    states: Collection[OrdState] | None = None
    after: int | None = None  # ord_id < after (older)
    before: int | None = None  # ord_id > before (newer)
    begin: int | None = None  # c_time >= begin
    end: int | None = None  # c_time <= end
    since: int | None = None  # retention window: c_time >= since
    drop_unfilled_canceled_before: int | None = None  # OKX keeps never-filled cancels 2 h
    limit: int = 100


@dataclass(frozen=True, slots=True)
class AlgoQuery:
    """orders-algo-pending / orders-algo-history filters; `after`/`before` are algoId cursors."""

    ord_types: frozenset[AlgoOrdType]
    states: frozenset[AlgoState]
    inst_id: str | None = None
    algo_id: int | None = None
    algo_cl_ord_id: str = ""
    after: int | None = None  # algo_id < after (older)
    before: int | None = None  # algo_id > before (newer)
    limit: int = 100
    since: int | None = None  # retention window: c_time >= since (history: 3 months)
    inst_type: str | None = None  # "SPOT" or "SWAP" (swap ids end in `-SWAP`); None: both


@dataclass(frozen=True, slots=True)
class FillQuery:
    inst_id: str | None = None
    ord_id: int | None = None
    after: int | None = None  # bill_id < after
    before: int | None = None  # bill_id > before
    begin: int | None = None
    end: int | None = None
    since: int | None = None
    limit: int = 100


@dataclass(frozen=True, slots=True)
class BillQuery:
    ccy: str | None = None
    reasons: Collection[PostingReason] | None = None
    after: int | None = None
    before: int | None = None
    begin: int | None = None
    end: int | None = None
    since: int | None = None
    limit: int = 100


@dataclass(frozen=True, slots=True)
class PositionQuery:
    """positions-history filters; `after`/`before` are u_time cursors (OKX)."""

    inst_id: str | None = None
    mgn_mode: MgnMode | None = None
    close_type: int | None = None
    pos_id: int | None = None
    after: int | None = None  # u_time < after
    before: int | None = None  # u_time > before
    since: int | None = None  # retention window: u_time >= since (OKX: 3 months)
    limit: int = 100


class ExchangeStore(Protocol):
    # accounts
    def ensure_account(
        self, user_id: int, environment: Environment, kind: LedgerAccountKind, now_ms: int
    ) -> int:
        """The account's id, creating it on first use (safe against concurrent creators)."""
        ...

    def find_account(self, user_id: int, environment: Environment, kind: LedgerAccountKind) -> int | None: ...

    def fee_account(self, environment: Environment) -> int: ...

    def system_account(self, environment: Environment, kind: LedgerAccountKind) -> int:
        """The environment's own account of `kind` (fee, clearing, insurance), created on first use."""
        ...

    def accounts(self, ids: Collection[int]) -> list[LedgerAccount]: ...

    # the writer (sequencer) side
    def load_state(self, environment: Environment) -> StoredState: ...

    def id_maxima(self) -> IdMaxima: ...

    def funding_settled(self) -> dict[str, FundingRateRecord]:
        """Each swap's newest funding settlement (a swap never settled has none)."""
        ...

    def write(self, changes: ChangeSet, lease_owner: str, now_ms: int | None) -> None:
        """Commit `changes` in one transaction that also proves `lease_owner` still holds the
        sequencer lease (raising `LeaseLostError` and writing nothing otherwise). `now_ms` None:
        the heartbeat is the database's clock (on SQLite this host's)."""
        ...

    def acquire_lease(self, owner: str, now_ms: int | None, stale_ms: int) -> bool:
        """Take the lease if it is free, ours, or not refreshed for `stale_ms` (by `now_ms`, or the
        database's clock when None). False too when the lease row stays locked (a frozen holder)."""
        ...

    def take_over(self, owner: str, holder: str, stale_ms: int) -> bool:
        """Take the lease from `holder` if it still has it and has not refreshed it for `stale_ms`
        by the database's clock (0: whatever its age, the holder is dead)."""
        ...

    def fence(self, holder: str) -> int:
        """End `holder`'s database sessions (PostgreSQL; they carry its owner as `application_name`):
        a transaction it froze in rolls back and frees the lease row. How many were ended."""
        ...

    def lease_state(self) -> LeaseState: ...

    def heartbeat(self, owner: str, now_ms: int | None) -> bool:
        """Refresh our lease; False when we no longer hold it (`TimeoutError` when its row stayed
        locked by another process: look again)."""
        ...

    def commit_seq(self) -> int:
        """How many group commits (and sequencer starts) the database has seen: the position a
        state loaded now stands at (a replica applies the batches after it)."""
        ...

    def bump_commit_seq(self, owner: str) -> int:
        """Count a sequencer start (state rebuilt, perhaps after a wipe): replicas reload. The new
        count; `LeaseLostError` unless `owner` holds the lease."""
        ...

    def release_lease(self, owner: str) -> None: ...

    def checkpoint(self, *, truncate: bool = False) -> tuple[int, int] | None:
        """Move the write-ahead log into the database beside the writer (SQLite); None if moot.
        (frames in the log, frames moved). `truncate`: on the writer's thread between commits,
        catch up and empty the log file without waiting for readers."""
        ...

    def lease_holder(self) -> tuple[str, int]:
        """(owner, heartbeat ms) of the sequencer lease ("" and 0 when free)."""
        ...

    # the inbox
    def add_inbox(self, kind: str, payload: str, now_ms: int) -> int: ...

    def pending_inbox(self, limit: int, kinds: Collection[str] | None = None) -> list[InboxItem]:
        """Pending items, oldest first; only those of `kinds` when given."""
        ...

    def inbox_outcome(self, item_id: int) -> InboxOutcome | None: ...

    # reads (committed state)
    def order(
        self, account_id: int, inst_id: str, ord_id: int | None, cl_ord_id: str
    ) -> OrderRecord | None: ...

    def orders(self, account_id: int, query: OrderQuery) -> list[OrderRecord]: ...

    def fills(self, account_id: int, query: FillQuery) -> list[FillRecord]: ...

    def bills(self, account_id: int, query: BillQuery) -> list[PostingRecord]: ...

    def balances(self, account_id: int) -> list[BalanceRecord]: ...

    def algo(self, account_id: int, algo_id: int | None, algo_cl_ord_id: str) -> AlgoRecord | None:
        """An algo order by id (wins), else the newest with that client id (not attached ones
        still waiting on their order)."""
        ...

    def algos(self, account_id: int, query: AlgoQuery) -> list[AlgoRecord]:
        """Algo orders newest first (algoId cursors), without attached ones still waiting."""
        ...

    def attached_algos(self, account_id: int, ord_ids: Collection[int]) -> list[AlgoRecord]:
        """The TP/SL attached to these orders (`attachAlgoOrds`), waiting or made, oldest first."""
        ...

    def last_prices(self, environment: Environment, inst_ids: Collection[str]) -> dict[str, Decimal]:
        """The price of each instrument's newest trade (those never traded are left out)."""
        ...

    # swaps (committed state)
    def positions(
        self, account_id: int, inst_ids: Collection[str] | None = None, pos_ids: Collection[int] | None = None
    ) -> list[PositionRecord]:
        """The account's live positions (optionally only these instruments / position ids)."""
        ...

    def positions_history(self, account_id: int, query: PositionQuery) -> list[PositionRecord]:
        """Positions with something closed (close_type set), newest change first."""
        ...

    def account_settings(self, environment: Environment, account_id: int) -> AccountSettingsRecord:
        """Level and position mode (Spot mode, net when never set)."""
        ...

    def leverages(
        self, account_id: int, inst_ids: Collection[str], mgn_mode: MgnMode | None = None
    ) -> list[LeverageRecord]:
        """Leverage rows set (unset ones: min(10, max lever))."""
        ...

    def open_interest(self, environment: Environment, inst_ids: Collection[str]) -> dict[str, Decimal]:
        """Contracts open per instrument (its long side)."""
        ...
