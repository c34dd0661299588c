"""What the trading core needs from storage, as records and one protocol; and what it publishes.

The records written on every commit (orders, fills, trades, postings, balances) are NamedTuples:
several times cheaper to build than frozen dataclasses, and built several times per order.

Storage (`sandex.storage.repositories.trading`) implements `TradingStore`. Records cross the
boundary with exact values: ledger amounts (balances, postings, fees) as integer 10**-18 units,
prices and sizes as `Decimal`s in plain instrument units. Every method runs its own transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple, Protocol

from sandex.domain.accounts.model import Environment
from sandex.domain.ledger.fees import FeeTier
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import CancelCause, OrdState, OrdType, Side, StpMode, TgtCcy
from sandex.services.funding_ports import FundingChanges
from sandex.services.trading_views import ExecType, LedgerAccountKind


class LeaseLostError(Exception):
    """The sequencer lease belongs to someone else: this process must not write exchange state."""


# --- records -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LedgerAccount:
    id: int
    user_id: int | None  # None for the fee and system accounts
    environment: Environment
    kind: LedgerAccountKind


class OrderRecord(NamedTuple):
    """An order's full current state (one row per order, rewritten whenever it changes)."""

    ord_id: int
    environment: Environment
    account_id: int
    inst_id: str
    side: Side
    ord_type: OrdType
    tgt_ccy: TgtCcy
    td_mode: str
    px: Decimal | None  # None for market orders
    sz: Decimal  # in tgt_ccy units (quote for quote-sized market orders)
    acc_fill_sz: Decimal  # base
    fill_notional: Decimal  # quote spent/received so far (avgPx = fill_notional / acc_fill_sz)
    fee: int  # ledger units charged so far (positive)
    fee_ccy: str
    state: OrdState
    stp_mode: StpMode
    cancel_cause: CancelCause | None
    cl_ord_id: str
    tag: str
    c_time: int
    u_time: int
    seq: int  # time priority in its price level (restores the queue order)
    last_trade_id: int | None = None
    last_fill_px: Decimal | None = None
    last_fill_sz: Decimal | None = None
    last_fill_time: int | None = None


class FillRecord(NamedTuple):
    """One side of one trade (OKX `trade/fills` row)."""

    bill_id: int
    trade_id: int
    environment: Environment
    ord_id: int
    account_id: int
    inst_id: str
    side: Side
    px: Decimal
    sz: Decimal
    exec_type: ExecType
    fee: int  # ledger units charged (positive)
    fee_ccy: str
    fee_rate: Decimal  # the rate charged (positive)
    cl_ord_id: str
    tag: str
    ts: int


class TradeRecord(NamedTuple):
    """The public tape (market data reads it)."""

    trade_id: int
    environment: Environment
    inst_id: str
    px: Decimal
    sz: Decimal
    taker_side: Side
    ts: int


class PostingRecord(NamedTuple):
    """One ledger posting = one OKX bill. `*_after`: the balance right after it."""

    bill_id: int
    account_id: int
    ccy: str
    delta_available: int
    delta_frozen: int
    available_after: int
    frozen_after: int
    reason: PostingReason
    ref: int  # order id (freeze/unfreeze), trade id (trade/fee), deposit id...
    ord_id: int | None
    inst_id: str
    ts: int


class BalanceRecord(NamedTuple):
    account_id: int
    ccy: str
    available: int
    frozen: int
    updated_ms: int


@dataclass(frozen=True, slots=True)
class InboxItem:
    """A command another process (the CLI) left for the sequencer."""

    id: int
    kind: str  # "deposit"
    payload: str  # JSON
    created_ms: int


@dataclass(frozen=True, slots=True)
class InboxOutcome:
    id: int
    state: str  # "done" | "rejected"
    result: str  # JSON
    done_ms: int


@dataclass(frozen=True, slots=True)
class FeeTierRecord:
    """An account's own fee tier as stored (`tier` None: back on the default, the row goes)."""

    account_id: int
    tier: FeeTier | None
    updated_ms: int


@dataclass(slots=True)
class ChangeSet:
    """Everything one group commit writes, in one transaction."""

    orders: list[OrderRecord] = field(default_factory=list)  # upserted (latest state per order)
    fills: list[FillRecord] = field(default_factory=list)
    trades: list[TradeRecord] = field(default_factory=list)
    postings: list[PostingRecord] = field(default_factory=list)
    balances: list[BalanceRecord] = field(default_factory=list)  # upserted
    inbox: list[InboxOutcome] = field(default_factory=list)
    funding: FundingChanges = field(default_factory=FundingChanges)  # transfers, withdrawals, deposits
    fee_tiers: list[FeeTierRecord] = field(default_factory=list)
    # every step of every order, in order (only when asked for: someone listens to `orders`)
    order_events: list[OrderEvent] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.orders or self.postings or self.inbox or self.trades or self.funding or self.fee_tiers
        )


@dataclass(frozen=True, slots=True)
class StoredState:
    """What one environment's exchange is rebuilt from."""

    pending_orders: list[OrderRecord]
    balances: list[BalanceRecord]
    last_seqs: dict[str, int]  # per instrument: the highest order seq ever stored
    fee_tiers: dict[int, FeeTier] = field(default_factory=dict)  # accounts with their own tier


@dataclass(frozen=True, slots=True)
class IdMaxima:
    """The highest ids stored: generators start above them."""

    ord_id: int
    trade_id: int
    bill_id: int
    deposit_id: int


# --- queries -------------------------------------------------------------------------------------
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


class TradingStore(Protocol):
    # accounts
    def ensure_account(
        self, user_id: int, environment: Environment, kind: LedgerAccountKind, now_ms: int
    ) -> int:
        """The account's id, creating it on first use (safe against concurrent creators)."""
        ...

    def find_account(self, user_id: int, environment: Environment, kind: LedgerAccountKind) -> int | None: ...

    def fee_account(self, environment: Environment) -> int: ...

    def accounts(self, ids: Collection[int]) -> list[LedgerAccount]: ...

    # the writer (sequencer) side
    def load_state(self, environment: Environment) -> StoredState: ...

    def id_maxima(self) -> IdMaxima: ...

    def write(self, changes: ChangeSet, lease_owner: str, now_ms: int) -> None:
        """Commit `changes` in one transaction that also proves `lease_owner` still holds the
        sequencer lease (raising `LeaseLostError` and writing nothing otherwise)."""
        ...

    def acquire_lease(self, owner: str, now_ms: int, stale_ms: int) -> bool:
        """Take the lease if it is free, ours, or not refreshed for `stale_ms`."""
        ...

    def heartbeat(self, owner: str, now_ms: int) -> bool:
        """Refresh our lease; False when we no longer hold it."""
        ...

    def release_lease(self, owner: str) -> None: ...

    def checkpoint(self) -> tuple[int, int] | None:
        """Move the write-ahead log into the database beside the writer (SQLite); None if moot."""
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


# --- events published on the hub after each group commit -------------------------------------
@dataclass(frozen=True, slots=True)
class OrderUpdate:
    user_id: int
    order: OrderRecord
    fill: ExecType | None = None  # this update is one fill of the order, as maker or taker
    is_event: bool = False  # one step of the order (True) or its latest state only (False: infer)


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """One step of an order within a commit, in order: accepted, each fill (with that fill's trade,
    price, size and the fee so far), amended, canceled. What OKX's `orders` channel pushes."""

    order: OrderRecord
    fill: ExecType | None  # None: not a fill


@dataclass(frozen=True, slots=True)
class OrdersChanged:
    """Orders whose state changed in one commit, for the WS `orders` channel: every step of each
    order in order when the commit recorded them (`ChangeSet.order_events`), else the latest state."""

    environment: Environment
    updates: Sequence[OrderUpdate]


@dataclass(frozen=True, slots=True)
class TradesHappened:
    """New public trades (WS `trades` channel, candles, tickers)."""

    environment: Environment
    trades: Sequence[TradeRecord]


@dataclass(frozen=True, slots=True)
class BalanceUpdate:
    user_id: int
    kind: LedgerAccountKind
    balance: BalanceRecord


@dataclass(frozen=True, slots=True)
class BalancesChanged:
    """Balances that changed in one commit (WS `account` channel)."""

    environment: Environment
    updates: Sequence[BalanceUpdate]
