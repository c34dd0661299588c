"""Swap funding rates, one row per instrument and settlement (`public/funding-rate-history`), written
by the sequencer's group commit with the settlement's postings."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sandex.storage.orm.base import Base, Millis
from sandex.storage.types import DecimalText


class FundingRateRow(Base):
    __tablename__ = "funding_rates"

    inst_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    funding_time: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    funding_rate: Mapped[Decimal] = mapped_column(DecimalText)  # predicted (OKX `fundingRate`)
    realized_rate: Mapped[Decimal] = mapped_column(DecimalText)  # applied (OKX `realizedRate`)
    formula_type: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    ts: Mapped[int] = mapped_column(Millis)  # when it was settled (sandbox clock)


class LiquidationRow(Base):
    """One liquidated position (`public/liquidation-orders`): no owner is kept, as OKX shows none."""

    __tablename__ = "liquidations"
    __table_args__ = (Index("ix_liquidations_env_inst_ts", "environment", "inst_id", "ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    environment: Mapped[str] = mapped_column(String(8))
    inst_id: Mapped[str] = mapped_column(String(32))
    pos_side: Mapped[str] = mapped_column(String(8))
    side: Mapped[str] = mapped_column(String(4))
    sz: Mapped[Decimal] = mapped_column(DecimalText)
    bk_px: Mapped[Decimal] = mapped_column(DecimalText)
    bk_loss: Mapped[Decimal] = mapped_column(DecimalText)
    ccy: Mapped[str] = mapped_column(String(16))
    ts: Mapped[int] = mapped_column(Millis)
    category: Mapped[str] = mapped_column(String(24))
