"""Funding tables: transfers, withdrawals and deposits (written by the sequencer's group commit with
their postings), the deposit addresses handed out, and the withdrawal allow-lists.

Amounts are ledger units (`BigUnits`, 10**-18 of the currency); states are OKX's codes.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sandex.storage.orm.base import Base, Millis
from sandex.storage.types import BigUnits, DecimalText

Id64 = BigInteger
CHAIN = 48  # "AVAX-Avalanche C-Chain"
ADDR = 160  # the longest simulated addresses (Cardano) are ~104 characters
TAG = 64


class TransferRow(Base):
    """One `asset/transfer` (types 0-4), applied at once: state is always `success`."""

    __tablename__ = "funding_transfers"
    __table_args__ = (
        Index("ix_funding_transfers_user_client", "user_id", "environment", "client_id"),
        Index("ix_funding_transfers_src_user", "src_user"),
        Index("ix_funding_transfers_dst_user", "dst_user"),
    )

    trans_id: Mapped[int] = mapped_column(Id64, primary_key=True, autoincrement=False)
    environment: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # whose key asked
    type: Mapped[str] = mapped_column(String(2))
    ccy: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigUnits)
    src_user: Mapped[int] = mapped_column(Integer)
    src: Mapped[str] = mapped_column(String(2))  # 6 | 18
    dst_user: Mapped[int] = mapped_column(Integer)
    dst: Mapped[str] = mapped_column(String(2))
    sub_acct: Mapped[str] = mapped_column(String(32), default="")
    client_id: Mapped[str] = mapped_column(String(32), default="")
    state: Mapped[str] = mapped_column(String(8))
    ts: Mapped[int] = mapped_column(Millis)


class WithdrawalRow(Base):
    """One withdrawal, rewritten as it moves through OKX's states."""

    __tablename__ = "funding_withdrawals"
    __table_args__ = (
        Index("ix_funding_withdrawals_user_created", "user_id", "environment", "created_ms"),
        Index("ix_funding_withdrawals_user_client", "user_id", "environment", "client_id"),
        Index("ix_funding_withdrawals_state", "state"),
    )

    wd_id: Mapped[int] = mapped_column(Id64, primary_key=True, autoincrement=False)
    environment: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    ccy: Mapped[str] = mapped_column(String(16))
    chain: Mapped[str] = mapped_column(String(CHAIN), default="")  # "" for internal withdrawals
    amount: Mapped[int] = mapped_column(BigUnits)
    fee: Mapped[int] = mapped_column(BigUnits)
    dest: Mapped[str] = mapped_column(String(1))  # 3 internal | 4 on-chain
    to_addr: Mapped[str] = mapped_column(String(ADDR))
    tag: Mapped[str] = mapped_column(String(TAG), default="")
    addr_type: Mapped[str] = mapped_column(String(1))
    receiver_id: Mapped[int | None] = mapped_column(Integer)
    client_id: Mapped[str] = mapped_column(String(32), default="")
    state: Mapped[str] = mapped_column(String(4))
    tx_id: Mapped[str] = mapped_column(String(80), default="")
    usd_value: Mapped[Decimal] = mapped_column(DecimalText)
    from_text: Mapped[str] = mapped_column(String(254), default="")
    created_ms: Mapped[int] = mapped_column(Millis)
    updated_ms: Mapped[int] = mapped_column(Millis)


class DepositRow(Base):
    """One deposit: a chain deposit moving through its confirmations, an internal transfer from
    another user, or an operator credit (successful at once)."""

    __tablename__ = "funding_deposits"
    __table_args__ = (
        Index("ix_funding_deposits_user_created", "user_id", "environment", "created_ms"),
        Index("ix_funding_deposits_state", "state"),
    )

    dep_id: Mapped[int] = mapped_column(Id64, primary_key=True, autoincrement=False)
    environment: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    ccy: Mapped[str] = mapped_column(String(16))
    chain: Mapped[str] = mapped_column(String(CHAIN), default="")
    amount: Mapped[int] = mapped_column(BigUnits)
    dep_type: Mapped[str] = mapped_column(String(1))  # 3 internal | 4 chain
    to_addr: Mapped[str] = mapped_column(String(ADDR), default="")
    tag: Mapped[str] = mapped_column(String(TAG), default="")
    from_text: Mapped[str] = mapped_column(String(254), default="")
    from_wd_id: Mapped[int | None] = mapped_column(Id64)
    tx_id: Mapped[str] = mapped_column(String(80), default="")
    state: Mapped[str] = mapped_column(String(4))
    arrival: Mapped[int] = mapped_column(Integer)
    unlock: Mapped[int] = mapped_column(Integer)
    created_ms: Mapped[int] = mapped_column(Millis)
    updated_ms: Mapped[int] = mapped_column(Millis)


class DepositAddressRow(Base):
    """A deposit address handed out (derived, so rewriting it is harmless); looked up by address
    when an operator credits one."""

    __tablename__ = "deposit_addresses"
    __table_args__ = (Index("ix_deposit_addresses_lookup", "environment", "chain", "addr", "tag"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    environment: Mapped[str] = mapped_column(String(8), primary_key=True)
    chain: Mapped[str] = mapped_column(String(CHAIN), primary_key=True)
    addr: Mapped[str] = mapped_column(String(ADDR))
    tag: Mapped[str] = mapped_column(String(TAG), default="")
    created_ms: Mapped[int] = mapped_column(Millis)


class WithdrawAddressRow(Base):
    """One entry of a user's withdrawal allow-list (`chain` "" for internal receivers)."""

    __tablename__ = "withdraw_addresses"
    __table_args__ = (UniqueConstraint("user_id", "chain", "addr", "tag"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    chain: Mapped[str] = mapped_column(String(CHAIN), default="")
    addr: Mapped[str] = mapped_column(String(ADDR))
    tag: Mapped[str] = mapped_column(String(TAG), default="")
    label: Mapped[str] = mapped_column(String(50), default="")
    created_ms: Mapped[int] = mapped_column(Millis)
