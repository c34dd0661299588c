"""Users, sub-accounts, logins, 2FA, email codes and the embedded mail outbox (Accounts issue)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sandex.storage.orm.base import Base, Millis


class UserRow(Base):
    """A master account (has an email and a password) or a sub-account (has a name and a master)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(20), unique=True)  # OKX-style numeric uid, shown to users
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    sub_name: Mapped[str | None] = mapped_column(String(20), unique=True)
    master_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    label: Mapped[str] = mapped_column(String(50), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | frozen
    created_ms: Mapped[int] = mapped_column(Millis)
    # 2FA: the TOTP secret is encrypted like API secrets (AES-GCM, key id alongside)
    totp_secret_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_key_id: Mapped[str | None] = mapped_column(String(32))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int] = mapped_column(Millis, default=0)  # replay guard
    can_transfer_out: Mapped[bool] = mapped_column(Boolean, default=True)


class RecoveryCodeRow(Base):
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_ms: Mapped[int | None] = mapped_column(Millis)


class LoginThrottleRow(Base):
    """Failure counters for lockout, per account (scope "account") and per client IP (scope "ip")."""

    __tablename__ = "login_throttles"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start_ms: Mapped[int] = mapped_column(Millis, default=0)
    locked_until_ms: Mapped[int] = mapped_column(Millis, default=0)


class LoginRecordRow(Base):
    __tablename__ = "login_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    ts_ms: Mapped[int] = mapped_column(Millis)
    ip: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(512), default="")


class EmailCodeRow(Base):
    __tablename__ = "email_codes"
    __table_args__ = (Index("ix_email_codes_user_purpose", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(64), default="")  # e.g. the API key it activates
    code_hash: Mapped[str] = mapped_column(String(128))
    created_ms: Mapped[int] = mapped_column(Millis)
    expires_ms: Mapped[int] = mapped_column(Millis)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_ms: Mapped[int | None] = mapped_column(Millis)


class MailRow(Base):
    """The embedded outbox: every mail sandex sends, readable by the CLI, control API and tests."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    to_addr: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_ms: Mapped[int] = mapped_column(Millis)
    # The email code the mail carries (no foreign key: the outbox is a log); set to NULL once the
    # code is spent and its digits are blanked from the body.
    code_id: Mapped[int | None] = mapped_column(Integer)
