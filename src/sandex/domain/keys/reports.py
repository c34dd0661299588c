"""Least-privilege audit helpers: what a key may do but does not, and what is about to stop working."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

from sandex.domain.clock import DAY_MS
from sandex.domain.keys.expiry import KeyTimes, expires_at
from sandex.domain.keys.model import PERMISSION_ORDER, Permission

K = TypeVar("K", bound=KeyTimes)

REPORT_DAYS = 30  # a permission unused this long is reported
REPORT_WITHIN_DAYS = 7  # a key expiring within this many days is reported


def unused_permissions(
    key: KeyTimes, last_used_by_perm: Mapping[Permission, int], now_ms: int, days: int
) -> tuple[Permission, ...]:
    """Granted permissions (other than the built-in read_only) not exercised in the last `days`.

    `last_used_by_perm` holds the last time a request needing each permission succeeded. A key
    younger than `days` is given the benefit of the doubt: nothing is reported for it yet.
    """
    since_ms = now_ms - days * DAY_MS
    if key.created_ms > since_ms:
        return ()
    return tuple(
        perm
        for perm in PERMISSION_ORDER
        if perm in key.perms
        and perm is not Permission.READ_ONLY
        and last_used_by_perm.get(perm, key.created_ms) <= since_ms
    )


def expiring_within(keys: Iterable[K], now_ms: int, days: int) -> list[tuple[K, int]]:
    """Keys still valid now whose effective expiry falls within `days`, soonest first."""
    horizon_ms = now_ms + days * DAY_MS
    found = [(key, deadline) for key in keys if (deadline := expires_at(key)) is not None]
    return sorted(
        ((key, deadline) for key, deadline in found if now_ms < deadline <= horizon_ms),
        key=lambda pair: pair[1],
    )
