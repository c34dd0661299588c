"""When a key stops working: its explicit expiry date, and OKX's 14-day inactivity rule.

Inactivity rule: a live key with `trade` or `withdraw` and no IP binding (an empty list, or one
covering everything such as `0.0.0.0/0`) expires 14 days after its last authenticated use (or its
creation, if never used). Demo keys never expire that way; IP-bound and read-only keys neither. An
explicit expiry date applies to every key. A key is expired from the expiry instant on.

The functions take any object with the fields below, so the service's listings (which never carry
the secret) can use them as well as `ApiKeyPolicyView`.
"""

from __future__ import annotations

from typing import Protocol

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import DAY_MS
from sandex.domain.keys.ips import IpAllowList
from sandex.domain.keys.model import RISKY_PERMISSIONS, Permission

INACTIVITY_MS = 14 * DAY_MS


class KeyTimes(Protocol):
    @property
    def environment(self) -> Environment: ...
    @property
    def perms(self) -> frozenset[Permission]: ...
    @property
    def ips(self) -> IpAllowList: ...
    @property
    def expires_at_ms(self) -> int | None: ...
    @property
    def last_used_ms(self) -> int | None: ...
    @property
    def created_ms(self) -> int: ...


def inactivity_applies(key: KeyTimes) -> bool:
    return (
        key.environment is Environment.LIVE
        and key.ips.unbound
        and not key.perms.isdisjoint(RISKY_PERMISSIONS)
    )


def expires_at(key: KeyTimes) -> int | None:
    """The effective expiry instant in ms, or None if the key never expires by itself."""
    if not inactivity_applies(key):
        return key.expires_at_ms
    last_activity = key.created_ms if key.last_used_ms is None else key.last_used_ms
    idle_deadline = last_activity + INACTIVITY_MS
    return idle_deadline if key.expires_at_ms is None else min(idle_deadline, key.expires_at_ms)


def is_expired(key: KeyTimes, now_ms: int) -> bool:
    deadline = expires_at(key)
    return deadline is not None and now_ms >= deadline
