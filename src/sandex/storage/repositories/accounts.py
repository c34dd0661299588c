"""SQL repositories of the accounts feature: users, logins, email codes and the mail outbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from sandex.domain.accounts.email_codes import CodePurpose, EmailCode
from sandex.domain.accounts.lockout import FailureCounter
from sandex.domain.accounts.model import UserStatus
from sandex.services.accounts.mail import MailMessage, MailView, redact_code
from sandex.services.accounts.ports import (
    ConflictError,
    LoginRecord,
    NewUser,
    StoredEmailCode,
    SubAccountQuery,
    UserRecord,
)
from sandex.storage.orm.accounts import (
    EmailCodeRow,
    LoginRecordRow,
    LoginThrottleRow,
    MailRow,
    RecoveryCodeRow,
    UserRow,
)
from sandex.storage.repositories._sql import dialect_insert

# A compare-and-set loses only to a writer that committed meanwhile, so each retry means progress
# for someone; this bound only turns a bug (a swap that can never match) into an error.
_SWAP_TRIES = 1000


class SqlUserRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, user: NewUser) -> UserRecord:
        row = UserRow(
            uid=user.uid,
            email=user.email,
            sub_name=user.sub_name,
            master_id=user.master_id,
            label=user.label,
            password_hash=user.password_hash,
            status=UserStatus.ACTIVE.value,
            created_ms=user.created_ms,
            totp_enabled=False,
            totp_last_step=0,
            can_transfer_out=True,
        )
        self._session.add(row)
        try:
            self._session.flush()
        except IntegrityError as exc:
            raise ConflictError("user already exists") from exc
        return _user(row)

    def get(self, user_id: int) -> UserRecord | None:
        row = self._session.get(UserRow, user_id)
        return None if row is None else _user(row)

    def find_by_email(self, email: str) -> UserRecord | None:
        return self._one(UserRow.email == email)

    def find_by_uid(self, uid: str) -> UserRecord | None:
        return self._one(UserRow.uid == uid)

    def find_by_sub_name(self, name: str) -> UserRecord | None:
        return self._one(UserRow.sub_name == name)

    def list_masters(self, limit: int, *, people_only: bool = False) -> list[UserRecord]:
        query = select(UserRow).where(UserRow.master_id.is_(None))
        if people_only:  # sandex's own users (the market maker's) have no email
            query = query.where(UserRow.email.is_not(None))
        query = query.order_by(UserRow.id.desc()).limit(limit)
        return [_user(row) for row in self._session.scalars(query)]

    def list_subaccounts(self, master_id: int, query: SubAccountQuery) -> list[UserRecord]:
        statement = select(UserRow).where(UserRow.master_id == master_id)
        if query.enable is not None:
            wanted = UserStatus.ACTIVE if query.enable else UserStatus.FROZEN
            statement = statement.where(UserRow.status == wanted.value)
        if query.name is not None:
            statement = statement.where(UserRow.sub_name == query.name)
        if query.after_ms is not None:
            statement = statement.where(UserRow.created_ms < query.after_ms)
        if query.before_ms is not None:
            statement = statement.where(UserRow.created_ms > query.before_ms)
        statement = statement.order_by(UserRow.created_ms.desc(), UserRow.id.desc()).limit(query.limit)
        return [_user(row) for row in self._session.scalars(statement)]

    def set_status(self, user_id: int, status: UserStatus) -> None:
        self._update(user_id, status=status.value)

    def set_transfer_out(self, user_id: int, allowed: bool) -> None:
        self._update(user_id, can_transfer_out=allowed)

    def set_totp(
        self,
        user_id: int,
        *,
        secret_ct: bytes | None,
        key_id: str | None,
        enabled: bool,
        last_step: int | None = None,
    ) -> None:
        values: dict[str, Any] = {"totp_secret_ct": secret_ct, "totp_key_id": key_id, "totp_enabled": enabled}
        if last_step is not None:
            values["totp_last_step"] = last_step
        self._update(user_id, **values)

    def advance_totp_step(self, user_id: int, step: int) -> bool:
        statement = (
            update(UserRow)
            .where(UserRow.id == user_id, UserRow.totp_last_step < step)
            .values(totp_last_step=step)
        )
        return _changed(self._session.execute(statement))

    def replace_recovery_codes(self, user_id: int, hashes: list[str]) -> None:
        self._session.execute(delete(RecoveryCodeRow).where(RecoveryCodeRow.user_id == user_id))
        self._session.add_all(RecoveryCodeRow(user_id=user_id, code_hash=hashed) for hashed in hashes)
        self._session.flush()

    def unused_recovery_codes(self, user_id: int) -> list[tuple[int, str]]:
        query = (
            select(RecoveryCodeRow.id, RecoveryCodeRow.code_hash)
            .where(RecoveryCodeRow.user_id == user_id, RecoveryCodeRow.used_ms.is_(None))
            .order_by(RecoveryCodeRow.id)
        )
        return [(code_id, hashed) for code_id, hashed in self._session.execute(query)]

    def use_recovery_code(self, code_id: int, now_ms: int) -> bool:
        statement = (
            update(RecoveryCodeRow)
            .where(RecoveryCodeRow.id == code_id, RecoveryCodeRow.used_ms.is_(None))
            .values(used_ms=now_ms)
        )
        return _changed(self._session.execute(statement))

    def _one(self, condition: Any) -> UserRecord | None:
        row = self._session.scalars(select(UserRow).where(condition)).one_or_none()
        return None if row is None else _user(row)

    def _update(self, user_id: int, **values: Any) -> None:
        self._session.execute(update(UserRow).where(UserRow.id == user_id).values(**values))


def _changed(result: Any) -> bool:
    """Whether a guarded UPDATE hit its row (CursorResult.rowcount; ORM typing says only Result)."""
    return bool(result.rowcount == 1)


def _user(row: UserRow) -> UserRecord:
    return UserRecord(
        id=row.id,
        uid=row.uid,
        email=row.email,
        sub_name=row.sub_name,
        master_id=row.master_id,
        label=row.label,
        password_hash=row.password_hash,
        status=UserStatus(row.status),
        created_ms=row.created_ms,
        totp_secret_ct=row.totp_secret_ct,
        totp_key_id=row.totp_key_id,
        totp_enabled=row.totp_enabled,
        totp_last_step=row.totp_last_step,
        can_transfer_out=row.can_transfer_out,
    )


class SqlLoginRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def change_counter(
        self, scope: str, subject: str, change: Callable[[FailureCounter], FailureCounter | None]
    ) -> tuple[FailureCounter, FailureCounter | None]:
        # Read, compute, then write only if the row is still what was read; else read again. One
        # conditional UPDATE (or INSERT) is atomic on SQLite and PostgreSQL alike, with no row lock
        # held while computing, and the transaction stays free to commit before any slow check.
        for _ in range(_SWAP_TRIES):
            stored = self._read(scope, subject)
            before = stored or FailureCounter()
            after = change(before)
            if after is None or after == before or self._swap(scope, subject, stored, after):
                return before, after
        raise RuntimeError(f"the {scope} counter never stayed still long enough to change")

    def _read(self, scope: str, subject: str) -> FailureCounter | None:
        # Plain columns, not the ORM identity map: each read must see the latest committed row.
        t = LoginThrottleRow
        query = select(t.failures, t.window_start_ms, t.locked_until_ms).where(
            t.scope == scope, t.subject == subject
        )
        row = self._session.execute(query).one_or_none()
        return None if row is None else FailureCounter(row[0], row[1], row[2])

    def _swap(self, scope: str, subject: str, stored: FailureCounter | None, new: FailureCounter) -> bool:
        values = {
            "failures": new.failures,
            "window_start_ms": new.window_start_ms,
            "locked_until_ms": new.locked_until_ms,
        }
        if stored is None:
            table: Any = LoginThrottleRow.__table__
            insert = dialect_insert(self._session, table).values(scope=scope, subject=subject, **values)
            # RETURNING, not rowcount: psycopg reports no count for an INSERT the ORM gave RETURNING
            inserted = insert.on_conflict_do_nothing().returning(table.c.scope)
            return self._session.execute(inserted).first() is not None
        t = LoginThrottleRow
        statement = (
            update(t)
            .where(
                t.scope == scope,
                t.subject == subject,
                t.failures == stored.failures,
                t.window_start_ms == stored.window_start_ms,
                t.locked_until_ms == stored.locked_until_ms,
            )
            .values(**values)
        )
        return _changed(self._session.execute(statement))

    def record_login(self, user_id: int, record: LoginRecord) -> None:
        self._session.add(
            LoginRecordRow(user_id=user_id, ts_ms=record.ts_ms, ip=record.ip, user_agent=record.user_agent)
        )
        self._session.flush()

    def recent_logins(self, user_id: int, limit: int) -> list[LoginRecord]:
        query = (
            select(LoginRecordRow)
            .where(LoginRecordRow.user_id == user_id)
            .order_by(LoginRecordRow.ts_ms.desc(), LoginRecordRow.id.desc())
            .limit(limit)
        )
        return [LoginRecord(row.ts_ms, row.ip, row.user_agent) for row in self._session.scalars(query)]


class SqlEmailCodeRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, user_id: int, code: EmailCode) -> int:
        row = EmailCodeRow(
            user_id=user_id,
            purpose=code.purpose.value,
            reference=code.subject,
            code_hash=_pack(code),
            created_ms=code.created_ms,
            expires_ms=code.expires_at_ms,
            attempts=code.attempts,
            used_ms=None,
        )
        self._session.add(row)
        self._session.flush()
        return row.id

    def latest(self, user_id: int, purpose: CodePurpose, reference: str) -> StoredEmailCode | None:
        query = (
            select(EmailCodeRow)
            .where(
                EmailCodeRow.user_id == user_id,
                EmailCodeRow.purpose == purpose.value,
                EmailCodeRow.reference == reference,
            )
            .order_by(EmailCodeRow.id.desc())
            .limit(1)
        )
        row = self._session.scalars(query).first()
        return None if row is None else StoredEmailCode(row.id, _unpack(row))

    def supersede(self, user_id: int, purpose: CodePurpose, reference: str, now_ms: int) -> None:
        statement = (
            update(EmailCodeRow)
            .where(
                EmailCodeRow.user_id == user_id,
                EmailCodeRow.purpose == purpose.value,
                EmailCodeRow.reference == reference,
                EmailCodeRow.used_ms.is_(None),
                EmailCodeRow.expires_ms > now_ms,
            )
            .values(expires_ms=now_ms)
        )
        self._session.execute(statement)

    def reserve_attempt(self, code_id: int, now_ms: int, max_attempts: int) -> bool:
        statement = (
            update(EmailCodeRow)
            .where(
                EmailCodeRow.id == code_id,
                EmailCodeRow.used_ms.is_(None),
                EmailCodeRow.expires_ms > now_ms,
                EmailCodeRow.attempts < max_attempts,
            )
            .values(attempts=EmailCodeRow.attempts + 1)
        )
        return _changed(self._session.execute(statement))

    def use(self, code_id: int, now_ms: int) -> bool:
        given_back = case((EmailCodeRow.attempts > 0, EmailCodeRow.attempts - 1), else_=0)
        statement = (
            update(EmailCodeRow)
            .where(EmailCodeRow.id == code_id, EmailCodeRow.used_ms.is_(None))
            .values(used_ms=now_ms, attempts=given_back)
        )
        return _changed(self._session.execute(statement))


def _pack(code: EmailCode) -> str:
    return f"{code.salt.hex()}:{code.digest.hex()}"


def _unpack(row: EmailCodeRow) -> EmailCode:
    salt, _, digest = row.code_hash.partition(":")
    return EmailCode(
        purpose=CodePurpose(row.purpose),
        subject=row.reference,
        salt=bytes.fromhex(salt),
        digest=bytes.fromhex(digest),
        created_ms=row.created_ms,
        expires_at_ms=row.expires_ms,
        attempts=row.attempts,
        used=row.used_ms is not None,
    )


class SqlMailOutbox:
    """The embedded outbox. Each call is its own short transaction: a mail is recorded even when the
    caller's own transaction has already ended."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def add(self, message: MailMessage, created_ms: int) -> None:
        with self._sessions.begin() as session:
            session.add(
                MailRow(
                    to_addr=message.to,
                    subject=message.subject,
                    body=message.body,
                    created_ms=created_ms,
                    code_id=message.code_id,
                )
            )

    def redact_spent(self, to: str, now_ms: int) -> None:
        code = EmailCodeRow
        spent = (
            select(MailRow)
            .outerjoin(code, code.id == MailRow.code_id)
            .where(
                MailRow.to_addr == to,
                MailRow.code_id.is_not(None),
                or_(code.id.is_(None), code.used_ms.is_not(None), code.expires_ms <= now_ms),
            )
        )
        with self._sessions.begin() as session:
            for row in session.scalars(spent):
                row.body, row.code_id = redact_code(row.body), None

    def list_for(self, to: str, limit: int) -> list[MailView]:
        query = select(MailRow).where(MailRow.to_addr == to).order_by(MailRow.id.desc()).limit(limit)
        with self._sessions() as session:
            return [
                MailView(
                    id=row.id, to=row.to_addr, subject=row.subject, body=row.body, created_ms=row.created_ms
                )
                for row in session.scalars(query)
            ]
