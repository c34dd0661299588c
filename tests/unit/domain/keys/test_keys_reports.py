from sandex.domain.accounts.model import Environment
from sandex.domain.clock import DAY_MS
from sandex.domain.keys.model import Permission
from sandex.domain.keys.reports import expiring_within, unused_permissions
from tests.support.keys import NOW_MS, ips, make_key, unbound_key

R, T, W = Permission.READ_ONLY, Permission.TRADE, Permission.WITHDRAW
OLD = NOW_MS - 100 * DAY_MS


def test_unused_permissions() -> None:
    key = make_key(perms=frozenset({R, T, W}), created_ms=OLD)
    recent, stale = NOW_MS - 2 * DAY_MS, NOW_MS - 40 * DAY_MS
    assert unused_permissions(key, {T: recent, W: stale}, NOW_MS, days=30) == (W,)
    assert unused_permissions(key, {}, NOW_MS, days=30) == (T, W)  # read_only is never reported
    assert unused_permissions(key, {T: recent, W: recent}, NOW_MS, days=30) == ()


def test_young_keys_are_not_reported() -> None:
    key = make_key(perms=frozenset({R, T}), created_ms=NOW_MS - 5 * DAY_MS)
    assert unused_permissions(key, {}, NOW_MS, days=30) == ()
    assert unused_permissions(key, {}, NOW_MS, days=5) == (T,)


def test_unbound_keys() -> None:
    """Usable from any IP address: no allow-list, or one such as ::/0 (what the reports flag)."""
    bound, empty, allow_all = make_key(), unbound_key(), make_key(ips=ips("::/0"))
    assert [key.ips.unbound for key in (bound, empty, allow_all)] == [False, True, True]


def test_expiring_within() -> None:
    soon = unbound_key(api_key="a", last_used_ms=NOW_MS - 12 * DAY_MS)  # 2 days left
    later = make_key(api_key="b", expires_at_ms=NOW_MS + 6 * DAY_MS)
    sooner = make_key(api_key="c", expires_at_ms=NOW_MS + DAY_MS)
    far = make_key(api_key="d", expires_at_ms=NOW_MS + 60 * DAY_MS)
    gone = make_key(api_key="e", expires_at_ms=NOW_MS)
    never = unbound_key(api_key="f", environment=Environment.DEMO)
    found = expiring_within([soon, later, sooner, far, gone, never], NOW_MS, days=7)
    assert found == [(sooner, NOW_MS + DAY_MS), (soon, NOW_MS + 2 * DAY_MS), (later, NOW_MS + 6 * DAY_MS)]
