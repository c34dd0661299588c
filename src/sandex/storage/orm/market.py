"""Market data's tables: stored candles (every bar but 1s), the trade mark of each environment, and
the users the simulated market trades as (issue "Market data").

Candles hold exact decimal strings in plain instrument units (`DecimalText`), keyed by
(environment, bar, instrument, open time); `trades` counts the trades folded in (the backfilled
history's synthetic trades too), which also orders two versions of one candle.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sandex.storage.orm.base import Base, Millis
from sandex.storage.types import DecimalText


class CandleRow(Base):
    __tablename__ = "market_candles"
    __table_args__ = (Index("ix_market_candles_env_bar_ts", "environment", "bar", "ts"),)

    environment: Mapped[str] = mapped_column(String(8), primary_key=True)
    bar: Mapped[str] = mapped_column(String(8), primary_key=True)
    inst_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ts: Mapped[int] = mapped_column(Millis, primary_key=True, autoincrement=False)
    o: Mapped[Decimal] = mapped_column(DecimalText)
    h: Mapped[Decimal] = mapped_column(DecimalText)
    l: Mapped[Decimal] = mapped_column(DecimalText)  # noqa: E741 - OKX's own letter
    c: Mapped[Decimal] = mapped_column(DecimalText)
    vol: Mapped[Decimal] = mapped_column(DecimalText)  # base currency
    vol_ccy: Mapped[Decimal] = mapped_column(DecimalText)  # quote currency
    trades: Mapped[int] = mapped_column(BigInteger)


class CandleMarkRow(Base):
    """Per environment: the newest trade id whose effect the stored candles include."""

    __tablename__ = "market_candle_marks"

    environment: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_trade_id: Mapped[int] = mapped_column(BigInteger)


class SystemUserRow(Base):
    """sandex's own users (the market maker, the taker flow): no email, no password, frozen."""

    __tablename__ = "market_system_users"

    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
