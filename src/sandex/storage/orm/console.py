"""Web-console sessions (Web console issue): server-side, looked up by the digest of the cookie."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sandex.storage.orm.base import Base, Millis


class ConsoleSessionRow(Base):
    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 hex of the cookie token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_ms: Mapped[int] = mapped_column(Millis)
    last_seen_ms: Mapped[int] = mapped_column(Millis)
    expires_ms: Mapped[int] = mapped_column(Millis, index=True)
    password_ms: Mapped[int] = mapped_column(Millis)
    second_factor_pending: Mapped[bool] = mapped_column(Boolean, default=False)
