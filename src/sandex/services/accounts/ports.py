"""What the accounts service needs from storage and mail, as protocols (adapters: storage/, runtime/)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol

from sandex.domain.accounts.email_codes import CodePurpose, EmailCode
from sandex.domain.accounts.lockout import FailureCounter
from sandex.domain.accounts.model import UserStatus
from sandex.services.accounts.mail import MailMessage, MailView
from sandex.services.ports import ChangeCounters


class ConflictError(Exception):
    """A uniqueness rule of the store was hit (two writers raced); the service turns it into a refusal."""


class MailDeliveryError(Exception):
    """The mail could not be handed to the mail server. The message never contains the mail body."""


# --- records ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class NewUser:
    uid: str
    created_ms: int
    email: str | None = None
    password_hash: str | None = field(default=None, repr=False)
    sub_name: str | None = None
    master_id: int | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class UserRecord:
    """One stored user row, as the service sees it."""

    id: int
    uid: str
    email: str | None
    sub_name: str | None
    master_id: int | None
    label: str
    password_hash: str | None = field(repr=False)
    status: UserStatus
    created_ms: int
    totp_secret_ct: bytes | None = field(repr=False)
    totp_key_id: str | None
    totp_enabled: bool
    totp_last_step: int
    can_transfer_out: bool


@dataclass(frozen=True, slots=True)
class SubAccountQuery:
    """Filters of OKX's sub-account list: `after`/`before` are exclusive creation-time bounds."""

    enable: bool | None = None
    name: str | None = None
    after_ms: int | None = None  # only sub-accounts created before this instant
    before_ms: int | None = None  # only sub-accounts created after this instant
    limit: int = 100


@dataclass(frozen=True, slots=True)
class LoginRecord:
    ts_ms: int
    ip: str
    user_agent: str


@dataclass(frozen=True, slots=True)
class StoredEmailCode:
    id: int
    code: EmailCode


# --- repositories ----------------------------------------------------------------------------------
class UserRepository(Protocol):
    def add(self, user: NewUser) -> UserRecord:
        """Insert; raises ConflictError when the uid, email or sub-account name exists."""
        ...

    def get(self, user_id: int) -> UserRecord | None: ...

    def find_by_email(self, email: str) -> UserRecord | None: ...

    def find_by_uid(self, uid: str) -> UserRecord | None: ...

    def find_by_sub_name(self, name: str) -> UserRecord | None:
        """Exact, case-sensitive match over every master's sub-accounts (names are unique)."""
        ...

    def list_masters(self, limit: int, *, people_only: bool = False) -> list[UserRecord]:
        """Newest first; `people_only`: without sandex's own users (no email, e.g. the market maker)."""
        ...

    def list_subaccounts(self, master_id: int, query: SubAccountQuery) -> list[UserRecord]:
        """Newest first."""
        ...

    def set_status(self, user_id: int, status: UserStatus) -> None: ...

    def set_transfer_out(self, user_id: int, allowed: bool) -> None: ...

    def set_totp(
        self,
        user_id: int,
        *,
        secret_ct: bytes | None,
        key_id: str | None,
        enabled: bool,
        last_step: int | None = None,
    ) -> None:
        """Store the 2FA state; `last_step` (when given) resets the replay guard for a new secret."""
        ...

    def advance_totp_step(self, user_id: int, step: int) -> bool:
        """Record `step` as the last TOTP step used, only if it is later than the stored one (an
        atomic compare-and-set: of two requests racing with one code, exactly one wins)."""
        ...

    def replace_recovery_codes(self, user_id: int, hashes: list[str]) -> None: ...

    def unused_recovery_codes(self, user_id: int) -> list[tuple[int, str]]:
        """(code id, argon2 hash) of every recovery code not yet used."""
        ...

    def use_recovery_code(self, code_id: int, now_ms: int) -> bool:
        """Mark a recovery code used; False when it already was (a concurrent use won)."""
        ...


class LoginRepository(Protocol):
    def change_counter(
        self, scope: str, subject: str, change: Callable[[FailureCounter], FailureCounter | None]
    ) -> tuple[FailureCounter, FailureCounter | None]:
        """Apply `change` to the stored counter as one atomic step of the current transaction (a
        compare-and-set, retried when a concurrent writer got there first): the counter before and
        after. `change` answering None writes nothing (a refusal)."""
        ...

    def record_login(self, user_id: int, record: LoginRecord) -> None: ...

    def recent_logins(self, user_id: int, limit: int) -> list[LoginRecord]:
        """Newest first."""
        ...


class EmailCodeRepository(Protocol):
    def add(self, user_id: int, code: EmailCode) -> int: ...

    def latest(self, user_id: int, purpose: CodePurpose, reference: str) -> StoredEmailCode | None: ...

    def supersede(self, user_id: int, purpose: CodePurpose, reference: str, now_ms: int) -> None:
        """Expire every unused, unexpired code of this user, purpose and reference (a new one comes)."""
        ...

    def reserve_attempt(self, code_id: int, now_ms: int, max_attempts: int) -> bool:
        """Count one guess, atomically and only while the code is unused, unexpired and has fewer
        than `max_attempts` guesses: False when it cannot take one (a concurrent request won)."""
        ...

    def use(self, code_id: int, now_ms: int) -> bool:
        """Mark the code used and give back the guess that was reserved for the right answer; a
        compare-and-set: False when it already was used (a concurrent request used it first)."""
        ...


class AccountsUnitOfWork(Protocol):
    """One transaction over the accounts repositories; leaving without `commit()` rolls back."""

    @property
    def users(self) -> UserRepository: ...

    @property
    def logins(self) -> LoginRepository: ...

    @property
    def email_codes(self) -> EmailCodeRepository: ...

    @property
    def counters(self) -> ChangeCounters: ...

    def __enter__(self) -> AccountsUnitOfWork: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None:
        """Raises ConflictError when a uniqueness rule is hit at commit time."""
        ...

    def rollback(self) -> None:
        """Undo everything since the last commit; the unit of work stays usable."""
        ...


# --- mail ------------------------------------------------------------------------------------------
class Mailer(Protocol):
    def send(self, message: MailMessage) -> None:
        """Deliver (or record) one mail; raises MailDeliveryError when the mail server refuses."""
        ...


class MailOutbox(Protocol):
    """The embedded outbox table: written by the outbox mailer, read by CLI, control API and tests."""

    def add(self, message: MailMessage, created_ms: int) -> None: ...

    def redact_spent(self, to: str, now_ms: int) -> None:
        """Blank the digits of every code mailed to `to` that can no longer be used (used, expired
        or replaced by a newer one): the outbox keeps only what such a mail is still good for."""
        ...

    def list_for(self, to: str, limit: int) -> list[MailView]:
        """Newest first."""
        ...
