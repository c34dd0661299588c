"""The least-privilege report: unused permissions, unbound keys, keys about to stop working."""

from __future__ import annotations

from sandex.domain.clock import DAY_MS
from sandex.domain.keys.model import Permission
from sandex.services.keys.auth import Principal
from tests.support.keys import Kit


def test_report_names_unused_permissions_unbound_keys_and_near_expiry(kit: Kit) -> None:
    alice = kit.user()
    trader = kit.key(alice.id, label="trader", perm="read_only,trade")
    idle = kit.key(alice.id, label="idle", perm="read_only,trade")
    kit.key(alice.id, label="unbound", perm="read_only", ip="")
    kit.key(alice.id, label="dated", perm="read_only", expires_at_ms=kit.clock.now_ms() + 40 * DAY_MS)
    revoked = kit.key(alice.id, label="revoked", perm="read_only,trade", ip="")
    kit.keys.revoke(revoked.info.api_key)
    kit.clock.advance(days=35)
    assert isinstance(kit.auth.authenticate(kit.signed(trader, perm=Permission.TRADE)), Principal)
    kit.auth.flush_usage()

    report = kit.maintenance.report(kit.keys.list(alice.id), days=30, within_days=7)
    found = {f.key.label: f for f in report.findings}
    assert set(found) == {"idle", "unbound", "dated"}
    assert found["idle"].unused_perms == (Permission.TRADE,) and not found["idle"].unbound
    assert found["unbound"].unbound and found["unbound"].unused_perms == ()
    assert found["dated"].expires_within_ms == 5 * DAY_MS
    assert found["idle"].expires_within_ms is None
    assert idle.info.api_key == found["idle"].key.api_key


def test_young_keys_get_the_benefit_of_the_doubt(kit: Kit) -> None:
    alice = kit.user()
    kit.key(alice.id, label="new", perm="read_only,trade")
    assert kit.maintenance.report(kit.keys.list(alice.id), days=30).findings == []
