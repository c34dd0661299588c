"""Convert trades (`asset/convert/history`), written by the sequencer's group commit with their postings.

Sizes and prices are exact decimal strings in the quote's terms (`side` is of `base_ccy`, which may
be the instrument's quote currency: a reversed pair).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sandex.storage.orm.base import Base, Millis
from sandex.storage.types import DecimalText


class ConvertTradeRow(Base):
    __tablename__ = "convert_trades"
    __table_args__ = (
        Index("ix_convert_trades_user_ts", "user_id", "environment", "ts"),
        Index("ix_convert_trades_user_client", "user_id", "environment", "cl_t_req_id"),
    )

    trade_no: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    environment: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    inst_id: Mapped[str] = mapped_column(String(32))
    base_ccy: Mapped[str] = mapped_column(String(16))
    quote_ccy: Mapped[str] = mapped_column(String(16))
    side: Mapped[str] = mapped_column(String(4))
    fill_px: Mapped[Decimal] = mapped_column(DecimalText)
    base_sz: Mapped[Decimal] = mapped_column(DecimalText)
    quote_sz: Mapped[Decimal] = mapped_column(DecimalText)
    cl_t_req_id: Mapped[str] = mapped_column(String(32), default="")
    tag: Mapped[str] = mapped_column(String(16), default="")
    ts: Mapped[int] = mapped_column(Millis)
