"""API keys, their audit trail and usage log (API keys issue)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sandex.storage.orm.base import Base, Millis


class ApiKeyRow(Base):
    """One API key. The secret is AES-GCM ciphertext (nonce prefixed) under master key `key_id`."""

    __tablename__ = "api_keys"
    __table_args__ = (UniqueConstraint("user_id", "label", name="uq_api_keys_user_label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    api_key: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    environment: Mapped[str] = mapped_column(String(8))  # live | demo
    perms: Mapped[str] = mapped_column(String(64))  # "read_only,trade,withdraw"
    ips: Mapped[str] = mapped_column(Text, default="")  # comma-separated allow-list entries
    state: Mapped[str] = mapped_column(String(16))  # pending | active | revoked | expired | deleted
    secret_ct: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(32))  # which master key encrypted the secret
    passphrase_hash: Mapped[str] = mapped_column(String(255))
    created_ms: Mapped[int] = mapped_column(Millis)
    updated_ms: Mapped[int] = mapped_column(Millis)
    activated_ms: Mapped[int | None] = mapped_column(Millis)
    expires_ms: Mapped[int | None] = mapped_column(Millis)  # explicit expiry; None = perpetual
    revoked_ms: Mapped[int | None] = mapped_column(Millis)
    last_used_ms: Mapped[int | None] = mapped_column(Millis)
    last_used_ip: Mapped[str | None] = mapped_column(String(64))
    read_used_ms: Mapped[int | None] = mapped_column(Millis)
    trade_used_ms: Mapped[int | None] = mapped_column(Millis)
    withdraw_used_ms: Mapped[int | None] = mapped_column(Millis)


class KeyAuditRow(Base):
    """What happened to a key. Repeated auth failures with the same reason coalesce into one row."""

    __tablename__ = "api_key_audit"
    __table_args__ = (Index("ix_api_key_audit_key_ts", "key_id", "ts_ms"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    ts_ms: Mapped[int] = mapped_column(Millis)
    last_ts_ms: Mapped[int] = mapped_column(Millis)
    event: Mapped[str] = mapped_column(String(32))  # created, activated, edited, revoked, auth_failure…
    detail: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    count: Mapped[int] = mapped_column(Integer, default=1)


class KeyUsageRow(Base):
    """The usage log: recent authenticated requests per key (bounded, oldest pruned); one row per
    method, path and IP per flush window, with how many requests it stands for."""

    __tablename__ = "api_key_usage"
    __table_args__ = (Index("ix_api_key_usage_key_ts", "key_id", "ts_ms"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    ts_ms: Mapped[int] = mapped_column(Millis)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(255))
    ip: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(32))  # "0", or why the request was refused
    count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    last_ts_ms: Mapped[int | None] = mapped_column(Millis, nullable=True)


class MasterKeyRow(Base):
    """Which master keys exist (ids only: the key material never touches the database)."""

    __tablename__ = "master_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_ms: Mapped[int] = mapped_column(Millis)
    active: Mapped[int] = mapped_column(Integer, default=1)
