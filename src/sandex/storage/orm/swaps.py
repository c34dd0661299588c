"""Swap positions and account settings (migration 0013). Positions keep one row per `pos_id`,
rewritten by every change and kept after they close (positions-history)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sandex.storage.orm.base import Base, Millis
from sandex.storage.types import BigUnits, DecimalText

Id64 = BigInteger


class PositionRow(Base):
    __tablename__ = "positions"
    __table_args__ = (
        Index("ix_positions_account_state", "account_id", "state", "inst_id"),
        Index("ix_positions_env_state", "environment", "state"),
        Index("ix_positions_account_utime", "account_id", "u_time"),
    )

    pos_id: Mapped[int] = mapped_column(Id64, primary_key=True, autoincrement=False)
    environment: Mapped[str] = mapped_column(String(8))
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    inst_id: Mapped[str] = mapped_column(String(32))
    mgn_mode: Mapped[str] = mapped_column(String(8))
    pos_side: Mapped[str] = mapped_column(String(8))
    pos: Mapped[Decimal] = mapped_column(DecimalText)  # contracts, signed in net mode
    avg_px: Mapped[Decimal] = mapped_column(DecimalText)
    cost: Mapped[int] = mapped_column(BigUnits)  # ticks x lots of the open size
    margin: Mapped[int] = mapped_column(BigUnits)
    lever: Mapped[Decimal] = mapped_column(DecimalText)
    realized_pnl: Mapped[int] = mapped_column(BigUnits)
    pnl: Mapped[int] = mapped_column(BigUnits)
    fee: Mapped[int] = mapped_column(BigUnits)
    funding_fee: Mapped[int] = mapped_column(BigUnits)
    liq_penalty: Mapped[int] = mapped_column(BigUnits)
    c_time: Mapped[int] = mapped_column(Millis)
    u_time: Mapped[int] = mapped_column(Millis)
    trade_id: Mapped[int | None] = mapped_column(Id64)
    open_max_pos: Mapped[Decimal] = mapped_column(DecimalText)
    close_total_pos: Mapped[Decimal] = mapped_column(DecimalText)
    close_cost: Mapped[int] = mapped_column(BigUnits)
    close_avg_px: Mapped[Decimal | None] = mapped_column(DecimalText)
    state: Mapped[str] = mapped_column(String(8))  # live | closed
    close_type: Mapped[int | None] = mapped_column(Integer)
    trigger_px: Mapped[Decimal | None] = mapped_column(DecimalText)


class AccountSettingsRow(Base):
    """An account's level and position mode (accounts without a row: Spot mode, net)."""

    __tablename__ = "account_settings"

    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), primary_key=True)
    environment: Mapped[str] = mapped_column(String(8))
    acct_lv: Mapped[str] = mapped_column(String(2))
    pos_mode: Mapped[str] = mapped_column(String(20))
    u_time: Mapped[int] = mapped_column(Millis)


class LeverageRow(Base):
    """Leverage set for (account, instrument, margin mode, side); default 10x (capped) otherwise."""

    __tablename__ = "leverages"

    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), primary_key=True)
    inst_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    mgn_mode: Mapped[str] = mapped_column(String(8), primary_key=True)
    pos_side: Mapped[str] = mapped_column(String(8), primary_key=True)
    environment: Mapped[str] = mapped_column(String(8))
    lever: Mapped[Decimal] = mapped_column(DecimalText)
