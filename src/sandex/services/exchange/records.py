"""What the trading core needs from storage, as records and one protocol; and what it publishes.

The records written on every commit (orders, fills, trades, postings, balances) are NamedTuples:
several times cheaper to build than frozen dataclasses, and built several times per order.

Storage (`sandex.storage.repositories.exchange`) implements `ExchangeStore`. Records cross the
boundary with exact values: ledger amounts (balances, postings, fees) as integer 10**-18 units,
prices and sizes as `Decimal`s in plain instrument units. Every method runs its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import PosSide
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
from sandex.domain.ledger.fees import FeeTier
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import CancelCause, OrdState, OrdType, Side, StpMode, TgtCcy
from sandex.domain.trading.algos import AlgoOrdType, AlgoState, TriggerSide
from sandex.services.exchange.funding_fees import FundingRateRecord
from sandex.services.exchange.liquidations import LiquidationRecord
from sandex.services.exchange.swap_records import (
    AccountSettingsRecord,
    LeverageRecord,
    PositionRecord,
    PositionStep,
)


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
    algo_id: int | None = None  # placed by this algo order when it triggered
    algo_cl_ord_id: str = ""
    source: str = ""  # OKX order `source`: "6" trigger, "7" TP/SL, "25" trailing ("": the user's own)
    # its TP/SL (`attachAlgoOrds`) as the sequencer holds them, for the WS `orders` push; storage
    # neither writes nor reads this (REST reads them from the algo orders)
    attached: tuple[AlgoRecord, ...] = ()
    # swaps (None / defaults on spot orders)
    pos_side: PosSide | None = None
    reduce_only: bool = False
    lever: Decimal | None = None
    pnl: int = 0  # realised PnL of its closing fills, ledger units (signed)
    category: str = "normal"  # normal | full_liquidation | partial_liquidation | adl
    reserve_rate: Decimal | None = None  # the fee rate its reservation covers (restores it exactly)


class AlgoRecord(NamedTuple):
    """An algo order's full current state (one row per algo order, rewritten whenever it changes).

    Prices are plain instrument units; an order price of -1 means "at market" (OKX's `-1`), None
    means the leg or field does not apply. `sz` counts `tgt_ccy` units (base unless a market buy
    sized in quote)."""

    algo_id: int
    environment: Environment
    account_id: int
    inst_id: str
    ord_type: AlgoOrdType
    side: Side
    sz: Decimal
    tgt_ccy: TgtCcy | None  # None: OKX's default for the order it will place
    td_mode: str
    state: AlgoState
    algo_cl_ord_id: str
    tag: str
    reduce_only: bool
    c_time: int
    u_time: int
    tp_trigger_px: Decimal | None = None
    tp_ord_px: Decimal | None = None  # -1: market
    sl_trigger_px: Decimal | None = None
    sl_ord_px: Decimal | None = None  # -1: market
    trigger_px: Decimal | None = None  # trigger orders
    ord_px: Decimal | None = None  # trigger orders; -1: market
    callback_ratio: Decimal | None = None  # move_order_stop: 0.01 = 1 %
    callback_spread: Decimal | None = None  # move_order_stop: a price distance
    active_px: Decimal | None = None  # move_order_stop: tracks only once the last price reached it
    activated: bool = True  # move_order_stop: the active price was reached (or none was set)
    extreme_px: Decimal | None = None  # move_order_stop: highest (sell) / lowest (buy) last since active
    move_trigger_px: Decimal | None = None  # move_order_stop: the trigger price the extreme gives now
    last_px: Decimal | None = None  # the instrument's last price when the algo was placed (`last`)
    ord_id: int | None = None  # the order it placed when it triggered
    actual_sz: Decimal | None = None
    actual_px: Decimal | None = None  # -1: market
    actual_side: TriggerSide | None = None
    trigger_time: int | None = None
    fail_code: str = ""  # ORDER_FAILED: the refusal's `Reason` value (the transport shows its OKX code)
    parent_ord_id: int | None = None  # made by an order's `attachAlgoOrds`: that order's id
    attach_algo_cl_ord_id: str = ""
    waiting: bool = False  # attached to `parent_ord_id`: becomes live once that order is fully filled
    # swaps (spot keeps the defaults): the order it places is a swap order with these
    pos_side: PosSide | None = None  # None: not sent (net mode)
    close_fraction: bool = False  # closes the whole position when triggered (`sz` is then 0)
    cxl_on_close_pos: bool = False  # canceled when its position closes
    tp_trigger_px_type: str = "last"  # which price each leg watches: last, mark or index
    sl_trigger_px_type: str = "last"
    trigger_px_type: str = "last"
    placed_px: Decimal | None = None  # trigger orders: the watched price when placed (crossing side)
    tp_ord_kind: str = "condition"  # attached "limit": a TP limit order placed when the parent fills
    linked_ord_id: int | None = None  # that TP limit order: canceled when the SL fires, and vice versa


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
    pos_side: PosSide | None = None  # swaps
    fill_pnl: int = 0  # swaps: PnL this fill realised (ledger units, signed)
    fill_mark_px: Decimal | None = None  # swaps: the mark when it filled


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
    # a swap fill's part (the account's TRADE posting of it): OKX bill type 2 with these
    sub_type: int | None = None  # 3 open long, 4 open short, 5 close long, 6 close short (160/161 margin)
    pnl: int | None = None
    pos_bal_chg: int | None = None
    sz: Decimal | None = None  # contracts
    px: Decimal | None = None
    mgn_mode: str = ""


@dataclass(frozen=True, slots=True)
class ConvertTradeRecord:
    """One settled convert (`asset/convert/trade`), in the terms of its quote: `side` is of
    `base_ccy`, which may be either currency of the instrument `inst_id` (a reversed pair)."""

    trade_no: int  # tradeId "trader<no>", quoteId "quoter<no>"
    environment: Environment
    user_id: int
    account_id: int  # the user's trading account
    inst_id: str
    base_ccy: str
    quote_ccy: str
    side: Side
    fill_px: Decimal  # quote_ccy per base_ccy
    base_sz: Decimal
    quote_sz: Decimal
    cl_t_req_id: str
    tag: str
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


@dataclass(frozen=True, slots=True)
class StoredState:
    """What one environment's exchange is rebuilt from."""

    pending_orders: list[OrderRecord]
    balances: list[BalanceRecord]
    last_seqs: dict[str, int]  # per instrument: the highest order seq ever stored
    fee_tiers: dict[int, FeeTier] = field(default_factory=dict)  # accounts with their own tier
    algos: list[AlgoRecord] = field(default_factory=list)  # live algo orders, and attached ones waiting
    positions: list[PositionRecord] = field(default_factory=list)  # live swap positions
    settings: list[AccountSettingsRecord] = field(default_factory=list)
    leverages: list[LeverageRecord] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class IdMaxima:
    """The highest ids stored: generators start above them."""

    ord_id: int
    trade_id: int
    bill_id: int
    deposit_id: int
    algo_id: int = 0
    pos_id: int = 0


# --- queries -------------------------------------------------------------------------------------


# --- events published on the hub after each group commit -------------------------------------


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


class LedgerAccountKind(StrEnum):
    """OKX's account types in transfers: 18 = trading, 6 = funding; plus sandex's own accounts."""

    TRADING = "trading"
    FUNDING = "funding"
    FEE = "fee"  # one per environment: collects every fee
    CLEARING = "clearing"  # one per environment: holds swap positions' margin, pays realised PnL
    INSURANCE = "insurance"  # one per environment: the swap insurance fund (shortfalls, liquidations)
    SYSTEM = "system"


class ExecType(StrEnum):
    TAKER = "T"
    MAKER = "M"


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """One step of an order within a commit, in order: accepted, each fill, amended, canceled.
    What OKX's `orders` channel pushes: the order right after the step and, for a fill, the
    order's side of that trade (its exact fee, maker or taker, price, size, time)."""

    order: OrderRecord
    fill: FillRecord | None  # None: not a fill


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
    convert_trades: list[ConvertTradeRecord] = field(default_factory=list)
    algos: list[AlgoRecord] = field(default_factory=list)  # upserted (latest state per algo order)
    # every step of every order, in order (only when asked for: someone listens to `orders`)
    order_events: list[OrderEvent] = field(default_factory=list)
    positions: list[PositionRecord] = field(default_factory=list)  # upserted (latest state per pos_id)
    position_steps: list[PositionStep] = field(default_factory=list)  # what happened, in order (pushes)
    settings: list[AccountSettingsRecord] = field(default_factory=list)  # upserted
    leverages: list[LeverageRecord] = field(default_factory=list)  # upserted
    funding_rates: list[FundingRateRecord] = field(default_factory=list)  # settlements (history)
    liquidations: list[LiquidationRecord] = field(default_factory=list)  # public liquidation orders

    def __bool__(self) -> bool:
        return bool(
            self.funding_rates
            or self.liquidations
            or self.positions
            or self.settings
            or self.leverages
            or self.orders
            or self.postings
            or self.inbox
            or self.trades
            or self.funding
            or self.fee_tiers
            or self.convert_trades
            or self.algos
        )
