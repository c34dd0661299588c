"""What the key services need from storage and the rest of the process, as values and protocols.

Storage (`sandex.storage.repositories.keys`) implements `KeyRepository`; the unit of work hands one
out as `uow.keys`. Nothing here knows SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

from sandex.domain.accounts.email_codes import CodePurpose
from sandex.domain.accounts.model import Environment, UserStatus
from sandex.domain.errors import Rejected
from sandex.domain.keys.ips import IpAllowList
from sandex.domain.keys.model import KeyState, Permission
from sandex.services.accounts.ports import AccountsUnitOfWork
from sandex.services.accounts.security import Confirmation, IssuedCode

E = TypeVar("E")

KEYS_TOPIC = "keys"  # change counter bumped by every key write, polled by every server
USERS_TOPIC = "users"  # bumped by the accounts service (e.g. a freeze): owner status is cached too


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """One stored API key: the secret only as ciphertext, the passphrase only as a hash."""

    id: int  # storage id; 0 before the key is added
    api_key: str
    user_id: int
    label: str
    environment: Environment
    perms: frozenset[Permission]
    ips: IpAllowList
    state: KeyState
    secret_ct: bytes
    key_id: str  # the master key that encrypted `secret_ct`
    passphrase_hash: str
    created_ms: int
    updated_ms: int
    activated_ms: int | None = None
    expires_at_ms: int | None = None  # explicit expiry; None = perpetual
    revoked_ms: int | None = None
    last_used_ms: int | None = None
    last_used_ip: str | None = None
    read_used_ms: int | None = None
    trade_used_ms: int | None = None
    withdraw_used_ms: int | None = None
    description: str = ""  # the owner's note (console only)

    def used_ms(self, perm: Permission) -> int | None:
        return {
            Permission.READ_ONLY: self.read_used_ms,
            Permission.TRADE: self.trade_used_ms,
            Permission.WITHDRAW: self.withdraw_used_ms,
        }[perm]


class AuditEvent(StrEnum):
    CREATED = "created"
    ACTIVATED = "activated"
    EDITED = "edited"
    REVOKED = "revoked"
    DELETED = "deleted"
    EXPIRED = "expired"
    AUTH_FAILURE = "auth_failure"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of a key's audit trail; `count`/`last_ts_ms` grow when failures coalesce."""

    ts_ms: int
    event: AuditEvent
    detail: str = ""
    ip: str = ""
    count: int = 1
    last_ts_ms: int | None = None  # None: same as ts_ms


@dataclass(frozen=True, slots=True)
class UsageEntry:
    """A line of a key's (bounded) usage log: `count` requests with the same method, path and
    client IP within one flush window (a few seconds), the first at `ts_ms`, the last at
    `last_ts_ms` (None: the same). A bot's thousands of orders a second stay readable and cheap."""

    ts_ms: int
    method: str
    path: str
    ip: str
    code: str = "0"
    count: int = 1
    last_ts_ms: int | None = None


@dataclass(frozen=True, slots=True)
class UseMark:
    """The newest authenticated use of a key since the last flush (fields only ever move forward)."""

    last_used_ms: int
    last_used_ip: str
    by_perm: tuple[tuple[Permission, int], ...]


@dataclass(frozen=True, slots=True)
class KeyUse:
    """One key's share of a usage flush: its last use, its new usage-log lines, and a passphrase
    verifier to replace (an argon2 hash moving to the fast form after a successful check)."""

    api_key: str
    mark: UseMark | None
    entries: Sequence[UsageEntry]
    trim: bool = False  # drop all but the newest `keep` usage lines of the key
    verifier: tuple[str, str] | None = None  # (old, new): replaced only while still `old`


@dataclass(frozen=True, slots=True)
class AuthRecord:
    """A key and what authenticating it needs of its owner, read in one statement."""

    key: KeyRecord
    owner_uid: str
    owner_master_id: int | None
    owner_status: UserStatus  # effective: a sub-account of a frozen (or missing) master is frozen
    main_uid: str  # the master's uid; the owner's own for a master account


@dataclass(frozen=True, slots=True)
class SecretRow:
    """A ciphertext to re-encrypt under a new master key (API secrets and TOTP seeds alike)."""

    kind: str  # "api_key" | "totp"
    row_id: int
    associated: bytes
    key_id: str
    ciphertext: bytes


class KeyRepository(Protocol):
    def get(self, api_key: str) -> KeyRecord | None:
        """Any key, deleted ones included (their strings are never reused)."""
        ...

    def list_for_user(self, user_id: int) -> list[KeyRecord]:
        """The user's keys, deleted ones left out, oldest first."""
        ...

    def list_in_states(self, states: Sequence[KeyState]) -> list[KeyRecord]: ...

    def add(self, record: KeyRecord) -> KeyRecord:
        """Store a new key; returns it with its storage id."""
        ...

    def save(self, record: KeyRecord) -> None:
        """Write the editable and lifecycle fields of an existing key."""
        ...

    def add_audit(self, api_key: str, entry: AuditEntry) -> None: ...

    def add_failures(self, api_key: str, runs: Sequence[AuditEntry]) -> None:
        """Append auth failures; a run with the same detail as the key's latest row extends it."""
        ...

    def list_audit(self, api_key: str) -> list[AuditEntry]: ...

    def get_for_auth(self, api_key: str) -> AuthRecord | None:
        """`get` with the owner's status and uids, in one read (the first request of a key)."""
        ...

    def write_uses(self, uses: Sequence[KeyUse], keep: int) -> None:
        """A usage flush in a constant number of statements, whatever the number of keys: last-use
        fields move forward only (another process may have written newer ones), usage lines are
        appended and trimmed to the newest `keep` where asked, verifiers replaced. Unknown keys
        are skipped."""
        ...

    def list_usage(self, api_key: str, limit: int) -> list[UsageEntry]:
        """Newest first."""
        ...

    def list_secrets(self) -> list[SecretRow]:
        """Every ciphertext under any master key: API secrets and users' TOTP seeds."""
        ...

    def replace_secret(self, row: SecretRow, key_id: str, ciphertext: bytes) -> None: ...

    def record_master_key(self, key_id: str, now_ms: int) -> None:
        """Note a master key id (never its material) and mark it the only active one."""
        ...


class KeysUnitOfWork(AccountsUnitOfWork, Protocol):
    """One transaction: everything written through it commits together, or nothing on leaving
    without `commit()`. `counters` bumps are how other processes learn about a change. It is an
    accounts unit of work too, so a console confirmation is checked and spent in the same
    transaction as the key write it confirms."""

    @property
    def keys(self) -> KeyRepository: ...

    def __enter__(self) -> KeysUnitOfWork: ...


class Publisher(Protocol):
    def publish(self, event: object) -> None: ...


class EventHub(Publisher, Protocol):
    """The process's event hub (`runtime/hub.Hub`): the key cache subscribes to what invalidates it."""

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> Callable[[], None]: ...


class OwnerView(Protocol):
    """What the key services read about a key's owner (the accounts service's `UserView`)."""

    @property
    def id(self) -> int: ...
    @property
    def uid(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def sub_name(self) -> str | None: ...
    @property
    def master_id(self) -> int | None: ...
    @property
    def status(self) -> UserStatus:
        """Effective: frozen when the user or, for a sub-account, its master is frozen."""
        ...

    @property
    def is_sub_account(self) -> bool: ...


class KeyOwners(Protocol):
    """The accounts service, as far as keys need it."""

    def get_user(self, user_id: int) -> OwnerView | None: ...

    def user_in(self, uow: AccountsUnitOfWork, user_id: int) -> OwnerView | None:
        """`get_user` read in the caller's unit of work."""
        ...

    def get_user_by_email(self, email: str) -> OwnerView | None: ...

    def get_subaccount(self, master_id: int, name: str) -> OwnerView | Rejected: ...

    def check_sensitive_action(
        self,
        uow: AccountsUnitOfWork,
        user_id: int,
        purpose: str,
        *,
        totp_code: str | None,
        email_code: str | None,
        reference: str = "",
    ) -> Confirmation | Rejected:
        """Checks (in `uow`) the email code mailed for `purpose`, plus a TOTP code when 2FA is on."""
        ...

    def check_email_code(
        self, uow: AccountsUnitOfWork, user_id: int, purpose: str, code: str, reference: str = ""
    ) -> Confirmation | Rejected: ...

    def check_totp_action(
        self, uow: AccountsUnitOfWork, user_id: int, purpose: CodePurpose, *, totp_code: str | None
    ) -> Confirmation | Rejected | None:
        """Checks (in `uow`) a TOTP code alone; None when the user has no 2FA to ask for."""
        ...

    def use_confirmation(self, uow: AccountsUnitOfWork, confirmation: Confirmation) -> Rejected | None:
        """Spends checked factors in `uow`, without committing."""
        ...

    def issue_email_code(
        self, uow: AccountsUnitOfWork, user_id: int, purpose: CodePurpose, reference: str = ""
    ) -> IssuedCode | Rejected:
        """Stores a new code in `uow`; a refusal has rolled `uow` back."""
        ...

    def mail_code(self, issued: IssuedCode) -> Rejected | None:
        """Mails a code once the unit of work that stored it has committed."""
        ...
