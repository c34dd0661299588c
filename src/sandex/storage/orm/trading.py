"""The exchange core's tables: ledger accounts, balances, postings (bills), orders, fills, trades,
the command inbox and the sequencer lease (Exchange core issue).

Units: every ledger amount (balances, postings, fees) is an integer count of 10**-18 units in a
`BigUnits` column; prices and sizes are exact decimal strings in plain instrument units
(`DecimalText`: px in quote currency, sz in base, or in quote for quote-sized market orders).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from sandex.storage.orm.base import Base, Millis
from sandex.storage.types import BigUnits, DecimalText

Id64 = BigInteger  # order, trade and bill ids: 18-19 digits, still 64-bit
_DEPOSITS_ONLY = text("reason = 'deposit'")  # PostingReason.DEPOSIT


class LedgerAccountRow(Base):
    """A trading (18) or funding (6) account of a user in one environment, or a system account."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("user_id", "environment", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: fee/system accounts
    environment: Mapped[str] = mapped_column(String(8))  # live | demo
    kind: Mapped[str] = mapped_column(String(16))  # trading | funding | fee | system
    created_ms: Mapped[int] = mapped_column(Millis)


class LedgerBalanceRow(Base):
    __tablename__ = "balances"

    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), primary_key=True)
    ccy: Mapped[str] = mapped_column(String(16), primary_key=True)
    available: Mapped[int] = mapped_column(BigUnits)
    frozen: Mapped[int] = mapped_column(BigUnits)
    updated_ms: Mapped[int] = mapped_column(Millis)


class FeeTierRow(Base):
    """An account's own maker/taker rates (accounts without a row pay the default tier)."""

    __tablename__ = "fee_tiers"

    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    maker: Mapped[Decimal] = mapped_column(DecimalText)
    taker: Mapped[Decimal] = mapped_column(DecimalText)
    updated_ms: Mapped[int] = mapped_column(Millis)


class PostingRow(Base):
    """One ledger posting: the audit trail, and the source of OKX bills (`bill_id` = billId)."""

    __tablename__ = "postings"
    __table_args__ = (
        Index("ix_postings_account_bill", "account_id", "bill_id"),
        # the highest deposit id, read on every start (`id_maxima`): deposit postings only, so the
        # order path's postings never touch it (migration 0016)
        Index("ix_postings_deposit_ref", "ref", sqlite_where=_DEPOSITS_ONLY, postgresql_where=_DEPOSITS_ONLY),
    )

    bill_id: Mapped[int] = mapped_column(Id64, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    ccy: Mapped[str] = mapped_column(String(16))
    delta_available: Mapped[int] = mapped_column(BigUnits)
    delta_frozen: Mapped[int] = mapped_column(BigUnits)
    available_after: Mapped[int] = mapped_column(BigUnits)
    frozen_after: Mapped[int] = mapped_column(BigUnits)
    reason: Mapped[str] = mapped_column(String(16))  # PostingReason
    ref: Mapped[int] = mapped_column(Id64)  # order id, trade id or deposit id (see PostingReason)
    ord_id: Mapped[int | None] = mapped_column(Id64)
    inst_id: Mapped[str] = mapped_column(String(32), default="")
    ts: Mapped[int] = mapped_column(Millis)
    # a swap fill's part / margin move (migration 0013): what its OKX bill shows
    sub_type: Mapped[int | None] = mapped_column(Integer)
    pnl: Mapped[int | None] = mapped_column(BigUnits)
    pos_bal_chg: Mapped[int | None] = mapped_column(BigUnits)
    sz: Mapped[Decimal | None] = mapped_column(DecimalText)
    px: Mapped[Decimal | None] = mapped_column(DecimalText)
    mgn_mode: Mapped[str] = mapped_column(String(8), default="", server_default="")


class OrderRow(Base):
    """An order's full current state, rewritten by every change (history reads it as it is)."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_account_state", "account_id", "state", "ord_id"),
        Index("ix_orders_account_ctime", "account_id", "c_time"),
        Index("ix_orders_account_clordid", "account_id", "cl_ord_id"),
        Index("ix_orders_env_state", "environment", "state"),
    )

    ord_id: Mapped[int] = mapped_column(Id64, primary_key=True, autoincrement=False)
    environment: Mapped[str] = mapped_column(String(8))
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    inst_id: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(4))
    ord_type: Mapped[str] = mapped_column(String(16))
    tgt_ccy: Mapped[str] = mapped_column(String(16))
    td_mode: Mapped[str] = mapped_column(String(16))
    px: Mapped[Decimal | None] = mapped_column(DecimalText)  # None for market orders
    sz: Mapped[Decimal] = mapped_column(DecimalText)
    acc_fill_sz: Mapped[Decimal] = mapped_column(DecimalText)
    fill_notional: Mapped[Decimal] = mapped_column(DecimalText)  # quote amount filled so far
    fee: Mapped[int] = mapped_column(BigUnits)  # charged so far, positive
    fee_ccy: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(20))
    stp_mode: Mapped[str] = mapped_column(String(16))
    cancel_cause: Mapped[str | None] = mapped_column(String(20))
    cl_ord_id: Mapped[str] = mapped_column(String(32), default="")
    tag: Mapped[str] = mapped_column(String(16), default="")
    c_time: Mapped[int] = mapped_column(Millis)
    u_time: Mapped[int] = mapped_column(Millis)
    seq: Mapped[int] = mapped_column(BigInteger)  # time priority within its price level
    last_trade_id: Mapped[int | None] = mapped_column(Id64)
    last_fill_px: Mapped[Decimal | None] = mapped_column(DecimalText)
    last_fill_sz: Mapped[Decimal | None] = mapped_column(DecimalText)
    last_fill_time: Mapped[int | None] = mapped_column(Millis)
    algo_id: Mapped[int | None] = mapped_column(Id64)  # placed by this algo order when it triggered
    algo_cl_ord_id: Mapped[str] = mapped_column(String(32), default="", server_default="")
    source: Mapped[str] = mapped_column(String(4), default="", server_default="")  # OKX order `source`
    # swaps (migration 0013)
    pos_side: Mapped[str | None] = mapped_column(String(8))
    reduce_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    lever: Mapped[Decimal | None] = mapped_column(DecimalText)
    pnl: Mapped[int] = mapped_column(BigUnits, default=0, server_default="0")
    category: Mapped[str] = mapped_column(String(24), default="normal", server_default="normal")
    reserve_rate: Mapped[Decimal | None] = mapped_column(DecimalText)


class AlgoOrderRow(Base):
    """An algo order's full current state (`trade/order-algo`), rewritten by every change; the
    live ones (and attached TP/SL waiting on their order) are loaded back on start."""

    __tablename__ = "algo_orders"
    __table_args__ = (
        Index("ix_algo_orders_account_state", "account_id", "state", "algo_id"),
        Index("ix_algo_orders_account_clordid", "account_id", "algo_cl_ord_id"),
        Index("ix_algo_orders_env_state", "environment", "state"),
        Index("ix_algo_orders_parent", "parent_ord_id"),
    )

    algo_id: Mapped[int] = mapped_column(Id64, primary_key=True, autoincrement=False)
    environment: Mapped[str] = mapped_column(String(8))
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    inst_id: Mapped[str] = mapped_column(String(32))
    ord_type: Mapped[str] = mapped_column(String(20))
    side: Mapped[str] = mapped_column(String(4))
    sz: Mapped[Decimal] = mapped_column(DecimalText)
    tgt_ccy: Mapped[str | None] = mapped_column(String(16))
    td_mode: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    algo_cl_ord_id: Mapped[str] = mapped_column(String(32), default="")
    tag: Mapped[str] = mapped_column(String(16), default="")
    reduce_only: Mapped[bool] = mapped_column(Boolean)
    c_time: Mapped[int] = mapped_column(Millis)
    u_time: Mapped[int] = mapped_column(Millis)
    tp_trigger_px: Mapped[Decimal | None] = mapped_column(DecimalText)
    tp_ord_px: Mapped[Decimal | None] = mapped_column(DecimalText)  # -1: market
    sl_trigger_px: Mapped[Decimal | None] = mapped_column(DecimalText)
    sl_ord_px: Mapped[Decimal | None] = mapped_column(DecimalText)
    trigger_px: Mapped[Decimal | None] = mapped_column(DecimalText)
    ord_px: Mapped[Decimal | None] = mapped_column(DecimalText)
    callback_ratio: Mapped[Decimal | None] = mapped_column(DecimalText)
    callback_spread: Mapped[Decimal | None] = mapped_column(DecimalText)
    active_px: Mapped[Decimal | None] = mapped_column(DecimalText)
    activated: Mapped[bool] = mapped_column(Boolean)
    extreme_px: Mapped[Decimal | None] = mapped_column(DecimalText)
    move_trigger_px: Mapped[Decimal | None] = mapped_column(DecimalText)
    last_px: Mapped[Decimal | None] = mapped_column(DecimalText)
    ord_id: Mapped[int | None] = mapped_column(Id64)
    actual_sz: Mapped[Decimal | None] = mapped_column(DecimalText)
    actual_px: Mapped[Decimal | None] = mapped_column(DecimalText)
    actual_side: Mapped[str | None] = mapped_column(String(4))
    trigger_time: Mapped[int | None] = mapped_column(Millis)
    fail_code: Mapped[str] = mapped_column(String(32), default="")
    parent_ord_id: Mapped[int | None] = mapped_column(Id64)
    attach_algo_cl_ord_id: Mapped[str] = mapped_column(String(32), default="")
    waiting: Mapped[bool] = mapped_column(Boolean)
    # swaps (migration 0015)
    pos_side: Mapped[str | None] = mapped_column(String(8))
    close_fraction: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    cxl_on_close_pos: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    tp_trigger_px_type: Mapped[str] = mapped_column(String(8), default="last", server_default="last")
    sl_trigger_px_type: Mapped[str] = mapped_column(String(8), default="last", server_default="last")
    trigger_px_type: Mapped[str] = mapped_column(String(8), default="last", server_default="last")
    placed_px: Mapped[Decimal | None] = mapped_column(DecimalText)
    tp_ord_kind: Mapped[str] = mapped_column(String(12), default="condition", server_default="condition")
    linked_ord_id: Mapped[int | None] = mapped_column(Id64)


class FillRow(Base):
    """One side of one trade, as its account sees it (OKX `trade/fills`)."""

    __tablename__ = "fills"
    __table_args__ = (
        Index("ix_fills_account_bill", "account_id", "bill_id"),
        Index("ix_fills_account_ord", "account_id", "ord_id"),
    )

    trade_id: Mapped[int] = mapped_column(Id64, primary_key=True, autoincrement=False)
    ord_id: Mapped[int] = mapped_column(Id64, primary_key=True, autoincrement=False)
    bill_id: Mapped[int] = mapped_column(Id64)
    environment: Mapped[str] = mapped_column(String(8))
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    inst_id: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(4))
    px: Mapped[Decimal] = mapped_column(DecimalText)
    sz: Mapped[Decimal] = mapped_column(DecimalText)
    exec_type: Mapped[str] = mapped_column(String(1))  # T | M
    fee: Mapped[int] = mapped_column(BigUnits)
    fee_ccy: Mapped[str] = mapped_column(String(16))
    fee_rate: Mapped[Decimal] = mapped_column(DecimalText)
    cl_ord_id: Mapped[str] = mapped_column(String(32), default="")
    tag: Mapped[str] = mapped_column(String(16), default="")
    ts: Mapped[int] = mapped_column(Millis)
    # swaps (migration 0013)
    pos_side: Mapped[str | None] = mapped_column(String(8))
    fill_pnl: Mapped[int] = mapped_column(BigUnits, default=0, server_default="0")
    fill_mark_px: Mapped[Decimal | None] = mapped_column(DecimalText)


class TradeRow(Base):
    """The public tape: one row per match (market data reads it)."""

    __tablename__ = "trades"
    __table_args__ = (Index("ix_trades_env_inst", "environment", "inst_id", "trade_id"),)

    trade_id: Mapped[int] = mapped_column(Id64, primary_key=True, autoincrement=False)
    environment: Mapped[str] = mapped_column(String(8))
    inst_id: Mapped[str] = mapped_column(String(32))
    px: Mapped[Decimal] = mapped_column(DecimalText)
    sz: Mapped[Decimal] = mapped_column(DecimalText)
    taker_side: Mapped[str] = mapped_column(String(4))
    ts: Mapped[int] = mapped_column(Millis)


class InboxRow(Base):
    """Commands written by another process (the CLI) for the sequencer; applied exactly once, in
    the same transaction that marks them done."""

    __tablename__ = "command_inbox"
    __table_args__ = (Index("ix_command_inbox_state", "state", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | rejected
    result: Mapped[str] = mapped_column(Text, default="")
    created_ms: Mapped[int] = mapped_column(Millis)
    done_ms: Mapped[int | None] = mapped_column(Millis)


class LeaseRow(Base):
    """Who may write exchange state: the one sequencer holding this lease (heartbeat every second)."""

    __tablename__ = "sequencer_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(128), default="")
    heartbeat_ms: Mapped[int] = mapped_column(Millis, default=0)  # the database's clock (PostgreSQL)
    epoch: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # +1 per takeover
    # +1 per group commit and per sequencer start: API processes' replicas follow the commits by it
    commit_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
