"""What the key services hand back: views without secrets, and the one-time reveal on creation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sandex.domain.accounts.model import Environment
from sandex.domain.keys.expiry import expires_at, is_expired
from sandex.domain.keys.ips import IpAllowList
from sandex.domain.keys.model import PERMISSION_ORDER, KeyState, Permission, format_perms
from sandex.services.keys.ports import AuditEntry, KeyRecord, UsageEntry


class KeyOrigin(StrEnum):
    """Who asked for a key, as its audit trail records it: the web console (`create_from_console`:
    2FA + email, the key starts pending), the operator's CLI or control API, or a master's OKX API
    call for a sub-account key (`create`: active at once)."""

    CONSOLE = "console"
    OPERATOR = "operator"
    API = "api"


@dataclass(frozen=True, slots=True)
class ConsoleConfirmation:
    """The codes a console user typed to confirm a sensitive key action."""

    totp_code: str | None = field(default=None, repr=False)
    email_code: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A key as listings show it. `state` is effective: an active key past its expiry is EXPIRED."""

    api_key: str
    user_id: int
    label: str
    environment: Environment
    perms: frozenset[Permission]
    ips: IpAllowList
    state: KeyState
    created_ms: int
    activated_ms: int | None
    expires_at_ms: int | None  # the explicit date chosen by the owner; None = perpetual
    effective_expiry_ms: int | None  # incl. the 14-day inactivity rule; None = never
    revoked_ms: int | None
    last_used_ms: int | None
    last_used_ip: str | None
    used_by_perm: Mapping[Permission, int]
    description: str = ""

    @property
    def perm_text(self) -> str:
        return format_perms(self.perms)

    @property
    def ip_text(self) -> str:
        return self.ips.to_text()

    @property
    def unbound(self) -> bool:
        return self.ips.unbound

    @classmethod
    def of(cls, record: KeyRecord, now_ms: int, fresh_last_used_ms: int | None = None) -> KeyInfo:
        last_used = _newest(record.last_used_ms, fresh_last_used_ms)
        times = _Times(record, last_used)
        state = record.state
        if state is KeyState.ACTIVE and is_expired(times, now_ms):
            state = KeyState.EXPIRED
        used = {perm: ms for perm in PERMISSION_ORDER if (ms := record.used_ms(perm)) is not None}
        return cls(
            api_key=record.api_key,
            user_id=record.user_id,
            label=record.label,
            environment=record.environment,
            perms=record.perms,
            ips=record.ips,
            state=state,
            created_ms=record.created_ms,
            activated_ms=record.activated_ms,
            expires_at_ms=record.expires_at_ms,
            effective_expiry_ms=expires_at(times),
            revoked_ms=record.revoked_ms,
            last_used_ms=last_used,
            last_used_ip=record.last_used_ip,
            used_by_perm=used,
            description=record.description,
        )


@dataclass(frozen=True, slots=True)
class _Times:
    """A record's expiry inputs with the freshest known last use (`KeyTimes`)."""

    record: KeyRecord
    last_used_ms: int | None

    @property
    def environment(self) -> Environment:
        return self.record.environment

    @property
    def perms(self) -> frozenset[Permission]:
        return self.record.perms

    @property
    def ips(self) -> IpAllowList:
        return self.record.ips

    @property
    def expires_at_ms(self) -> int | None:
        return self.record.expires_at_ms

    @property
    def created_ms(self) -> int:
        return self.record.created_ms


def _newest(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else max(a, b)


@dataclass(frozen=True, slots=True)
class CreatedKey:
    """The only moment the secret and passphrase are shown; nothing can show them again."""

    info: KeyInfo
    secret: str = field(repr=False)
    passphrase: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class KeyDetails:
    info: KeyInfo
    audit: list[AuditEntry]
    usage: list[UsageEntry]  # newest first, bounded


@dataclass(frozen=True, slots=True)
class KeyFinding:
    """One least-privilege finding about a key."""

    key: KeyInfo
    unused_perms: tuple[Permission, ...]
    unbound: bool
    expires_within_ms: int | None  # set when the key stops working within the report's horizon


@dataclass(frozen=True, slots=True)
class KeyReport:
    days: int
    within_days: int
    findings: list[KeyFinding]
