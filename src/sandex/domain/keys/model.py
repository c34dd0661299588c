"""API keys as the auth check sees them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from sandex.domain.accounts.model import Environment, UserStatus
from sandex.domain.keys.ips import UNBOUND, IpAllowList


class Permission(StrEnum):
    """OKX's three permissions, by their wire names. Every key has READ_ONLY."""

    READ_ONLY = "read_only"
    TRADE = "trade"
    WITHDRAW = "withdraw"


PERMISSION_ORDER = (Permission.READ_ONLY, Permission.TRADE, Permission.WITHDRAW)
# Permissions that make an unbound live key subject to the 14-day inactivity expiry.
RISKY_PERMISSIONS = frozenset({Permission.TRADE, Permission.WITHDRAW})


def format_perms(perms: Iterable[Permission]) -> str:
    """OKX's `perm` text, in a stable order: "read_only,trade"."""
    granted = set(perms)
    return ",".join(perm.value for perm in PERMISSION_ORDER if perm in granted)


class KeyState(StrEnum):
    PENDING = "pending"  # created, waiting for the owner's email confirmation
    ACTIVE = "active"
    FROZEN = "frozen"  # suspended by an operator; can be unfrozen
    REVOKED = "revoked"  # disabled by the owner; kept for the audit trail
    EXPIRED = "expired"  # past its expiry date or the inactivity rule; recorded by a sweep
    DELETED = "deleted"  # gone for the owner; the row stays so the key string is never reused


@dataclass(frozen=True, slots=True)
class ApiKeyPolicyView:
    """Everything request authentication needs about one key, ready for a per-process cache.

    `secret` is the HMAC key: the UTF-8 bytes of the secret *string* the user was shown (OKX and
    its clients key the HMAC with the 32 hex characters as text, not the 16 bytes they encode).
    `passphrase_verifier` is opaque here (an argon2 hash); the service passes the function that
    checks a candidate against it.
    """

    api_key: str
    user_id: int
    is_sub_account: bool
    environment: Environment
    state: KeyState
    perms: frozenset[Permission]
    secret: bytes = field(repr=False)
    passphrase_verifier: str = field(repr=False)
    created_ms: int
    ips: IpAllowList = UNBOUND
    expires_at_ms: int | None = None  # explicit expiry chosen by the owner; None = perpetual
    last_used_ms: int | None = None  # last authenticated use (REST call or WS login)
    owner_status: UserStatus = UserStatus.ACTIVE
    label: str = ""

    def __post_init__(self) -> None:
        if Permission.READ_ONLY not in self.perms:
            raise ValueError("every key has read_only")
