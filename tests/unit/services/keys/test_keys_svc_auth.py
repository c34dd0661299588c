"""The auth service: cache, invalidation, passphrase memo, inactivity expiry and batched use."""

from __future__ import annotations

from sandex.domain.accounts.model import Environment, UserStatus
from sandex.domain.clock import DAY_MS
from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys.model import KeyState, Permission
from sandex.domain.keys.rules import EditKeyRequest
from sandex.services.keys.auth import Principal
from sandex.services.keys.ports import AuditEvent
from tests.support.keys import CLIENT_IP, Kit


def _ok(outcome: Principal | Rejected) -> Principal:
    assert isinstance(outcome, Principal), outcome
    return outcome


def _reason(outcome: Principal | Rejected) -> Reason:
    assert isinstance(outcome, Rejected), outcome
    return outcome.reason


def test_principal_is_the_key_owner(kit: Kit) -> None:
    alice = kit.user()
    sub = kit.sub(alice)
    mine = _ok(kit.auth.authenticate(kit.signed(kit.key(alice.id))))
    assert (mine.user_id, mine.uid, mine.main_uid, mine.is_sub_account, mine.master_id) == (
        alice.id,
        alice.uid,
        alice.uid,
        False,
        None,
    )
    subs = _ok(kit.auth.authenticate(kit.signed(kit.key(sub.id, label="s"))))
    assert (subs.user_id, subs.uid, subs.main_uid, subs.is_sub_account, subs.master_id) == (
        sub.id,
        sub.uid,
        alice.uid,
        True,
        alice.id,
    )
    assert subs.environment is Environment.LIVE and subs.label == "s"


def test_argon2_runs_once_per_key_and_wrong_passphrases_skip_it(kit: Kit) -> None:
    alice = kit.user()
    created = kit.key(alice.id)
    before = kit.hasher.verifications
    assert not kit.auth.is_warm(created.info.api_key)
    for _ in range(5):
        _ok(kit.auth.authenticate(kit.signed(created)))
    assert kit.hasher.verifications == before + 1
    assert kit.auth.is_warm(created.info.api_key)
    assert (
        _reason(kit.auth.authenticate(kit.signed(created, passphrase="Wrong#Pass1")))
        is Reason.PASSPHRASE_INCORRECT
    )
    assert kit.hasher.verifications == before + 1
    kit.auth.reset()  # e.g. another process changed something: the passphrase memo survives
    _ok(kit.auth.authenticate(kit.signed(created)))
    assert kit.hasher.verifications == before + 1


def test_revoke_and_delete_are_refused_on_the_very_next_request(kit: Kit) -> None:
    alice = kit.user()
    one, two = kit.key(alice.id, label="one"), kit.key(alice.id, label="two")
    _ok(kit.auth.authenticate(kit.signed(one)))
    _ok(kit.auth.authenticate(kit.signed(two)))
    kit.keys.revoke(one.info.api_key)
    kit.keys.delete(two.info.api_key)
    assert _reason(kit.auth.authenticate(kit.signed(one))) is Reason.KEY_INVALID
    assert _reason(kit.auth.authenticate(kit.signed(two))) is Reason.KEY_NOT_FOUND


def test_edits_apply_to_the_next_request(kit: Kit) -> None:
    alice = kit.user()
    created = kit.key(alice.id, perm="read_only,trade")
    _ok(kit.auth.authenticate(kit.signed(created, perm=Permission.TRADE)))
    kit.keys.update(alice.id, created.info.api_key, EditKeyRequest(perm="read_only", ip="198.51.100.1"))
    assert _reason(kit.auth.authenticate(kit.signed(created))) is Reason.IP_NOT_ALLOWED
    outcome = kit.auth.authenticate(kit.signed(created, client_ip="198.51.100.1", perm=Permission.TRADE))
    assert _reason(outcome) is Reason.PERMISSION_DENIED


def test_another_process_sees_revocation_after_a_poll_and_new_keys_at_once(kit: Kit) -> None:
    alice = kit.user()
    server = kit.second_process()  # a running server; `kit` plays the CLI
    created = kit.key(alice.id)
    _ok(server.auth.authenticate(server.signed(created)))  # a cache miss reads the database
    kit.keys.revoke(created.info.api_key)
    assert server.auth.poll_changes() is True
    assert _reason(server.auth.authenticate(server.signed(created))) is Reason.KEY_INVALID
    assert server.auth.poll_changes() is False


def test_requests_poll_inline_when_the_background_poller_is_silent(kit: Kit) -> None:
    alice = kit.user()
    server = kit.second_process()
    created = kit.key(alice.id)
    _ok(server.auth.authenticate(server.signed(created)))
    kit.keys.revoke(created.info.api_key)
    server.clock.advance(ms=1001)
    assert _reason(server.auth.authenticate(server.signed(created))) is Reason.KEY_INVALID


def test_frozen_owner_or_master_blocks_the_keys(kit: Kit) -> None:
    alice = kit.user()
    sub = kit.sub(alice)
    master_key, sub_key = kit.key(alice.id), kit.key(sub.id, label="s")
    _ok(kit.auth.authenticate(kit.signed(master_key)))
    _ok(kit.auth.authenticate(kit.signed(sub_key)))
    kit.accounts.set_status(alice.id, UserStatus.FROZEN)
    kit.auth.poll_changes()
    assert _reason(kit.auth.authenticate(kit.signed(master_key))) is Reason.USER_BLOCKED
    assert _reason(kit.auth.authenticate(kit.signed(sub_key))) is Reason.USER_BLOCKED
    kit.accounts.set_status(alice.id, UserStatus.ACTIVE)
    kit.auth.poll_changes()
    _ok(kit.auth.authenticate(kit.signed(sub_key)))


def test_unbound_trading_key_expires_after_14_idle_days_counting_in_memory_use(kit: Kit) -> None:
    alice = kit.user()
    idle = kit.key(alice.id, label="idle", ip="")
    busy = kit.key(alice.id, label="busy", ip="")
    bound = kit.key(alice.id, label="bound")
    demo = kit.key(alice.id, label="demo", ip="", environment=Environment.DEMO)
    kit.clock.advance(days=13)
    _ok(kit.auth.authenticate(kit.signed(busy)))  # use noted in memory only (no flush)
    kit.clock.advance(days=1)
    assert _reason(kit.auth.authenticate(kit.signed(idle))) is Reason.KEY_INVALID
    kit.clock.advance(days=12)
    for alive in (busy, bound, demo):
        _ok(kit.auth.authenticate(kit.signed(alive)))


def test_an_expired_looking_cached_key_is_reread_before_refusing(kit: Kit) -> None:
    alice = kit.user()
    created = kit.key(alice.id, ip="")
    other = kit.second_process()
    _ok(kit.auth.authenticate(kit.signed(created)))  # cached here with its last use
    other.clock.advance(days=13)
    _ok(other.auth.authenticate(other.signed(created)))  # used elsewhere...
    other.auth.flush_usage()  # ...and written down
    kit.clock.advance(days=14, ms=5)
    _ok(kit.auth.authenticate(kit.signed(created)))


def test_use_is_batched_to_the_database_with_per_permission_times(kit: Kit) -> None:
    alice = kit.user()
    created = kit.key(alice.id)
    api_key = created.info.api_key
    _ok(kit.auth.authenticate(kit.signed(created, target="/api/v5/account/balance?ccy=BTC")))
    kit.clock.advance(seconds=5)
    _ok(
        kit.auth.authenticate(
            kit.signed(created, method="POST", target="/api/v5/trade/order", perm=Permission.TRADE)
        )
    )
    stored = kit.keys.get(api_key)
    assert stored is not None and stored.used_by_perm == {}  # nothing written per request
    assert kit.auth.flush_usage() == 1
    info = kit.keys.get(api_key)
    assert info is not None
    assert info.last_used_ms == kit.clock.now_ms() and info.last_used_ip == CLIENT_IP
    assert info.used_by_perm == {
        Permission.READ_ONLY: kit.clock.now_ms() - 5000,
        Permission.TRADE: kit.clock.now_ms(),
    }
    details = kit.keys.show(api_key)
    assert not isinstance(details, Rejected)
    assert [(u.method, u.path) for u in details.usage] == [
        ("POST", "/api/v5/trade/order"),
        ("GET", "/api/v5/account/balance"),
    ]
    assert kit.auth.flush_usage() == 0


def test_repeated_requests_in_one_window_coalesce_into_one_counted_line(kit: Kit) -> None:
    alice = kit.user()
    created = kit.key(alice.id, ip=f"{CLIENT_IP},192.0.2.7")

    def order(**fields: str) -> Principal:
        path, perm = "/api/v5/trade/order", Permission.TRADE
        signed = kit.signed(created, method="POST", target=path, perm=perm, **fields)
        return _ok(kit.auth.authenticate(signed))

    first = kit.clock.now_ms()
    for _ in range(3):
        order()
        kit.clock.advance(ms=10)
    _ok(kit.auth.authenticate(kit.signed(created, target="/api/v5/account/balance?ccy=BTC")))
    _ok(kit.auth.authenticate(kit.signed(created, target="/api/v5/account/balance?ccy=ETH")))
    order(client_ip="192.0.2.7")
    kit.auth.flush_usage()
    order()  # the next window
    kit.auth.flush_usage()
    details = kit.keys.show(created.info.api_key)
    assert not isinstance(details, Rejected)
    lines = [(u.method, u.path, u.ip, u.count) for u in details.usage]  # newest first
    assert lines == [
        ("POST", "/api/v5/trade/order", CLIENT_IP, 1),
        ("POST", "/api/v5/trade/order", "192.0.2.7", 1),
        ("GET", "/api/v5/account/balance", CLIENT_IP, 2),  # the query is not part of the line
        ("POST", "/api/v5/trade/order", CLIENT_IP, 3),
    ]
    counted = details.usage[-1]
    assert (counted.ts_ms, counted.last_ts_ms) == (first, first + 20)
    assert details.usage[0].last_ts_ms is None  # a single request: no range


def test_auth_failures_are_audited_and_repeats_coalesce(kit: Kit) -> None:
    alice = kit.user()
    created = kit.key(alice.id)
    wrong = kit.signed(created, passphrase="Wrong#Pass1")
    for _ in range(3):
        kit.auth.authenticate(wrong)
    kit.auth.flush_usage()
    kit.auth.authenticate(wrong)  # same reason as the latest row, in a later batch
    kit.auth.authenticate(kit.signed(created, client_ip="192.0.2.1"))
    kit.auth.authenticate(wrong)
    kit.auth.flush_usage()
    details = kit.keys.show(created.info.api_key)
    assert not isinstance(details, Rejected)
    failures = [(e.detail, e.count, e.ip) for e in details.audit if e.event is AuditEvent.AUTH_FAILURE]
    assert failures == [
        ("passphrase_incorrect", 4, CLIENT_IP),
        ("ip_not_allowed", 1, "192.0.2.1"),
        ("passphrase_incorrect", 1, CLIENT_IP),
    ]


def test_sweep_records_expired_keys(kit: Kit) -> None:
    alice = kit.user()
    idle = kit.key(alice.id, label="idle", ip="")
    dated = kit.key(alice.id, label="dated", expires_at_ms=kit.clock.now_ms() + DAY_MS)
    keep = kit.key(alice.id, label="keep")
    kit.clock.advance(days=15)
    assert sorted(kit.maintenance.sweep_expired()) == sorted([idle.info.api_key, dated.info.api_key])
    states = {k.label: k.state for k in kit.keys.list(alice.id)}
    assert states == {"idle": KeyState.EXPIRED, "dated": KeyState.EXPIRED, "keep": KeyState.ACTIVE}
    details = kit.keys.show(idle.info.api_key)
    assert not isinstance(details, Rejected)
    assert (details.audit[-1].event, details.audit[-1].detail) == (AuditEvent.EXPIRED, "inactive for 14 days")
    assert kit.maintenance.sweep_expired() == []
    assert _reason(kit.auth.authenticate(kit.signed(keep, passphrase="x"))) is Reason.PASSPHRASE_INCORRECT


def test_refused_requests_of_a_known_key_join_the_usage_log(kit: Kit) -> None:
    """'Recent requests' shows refusals too, coalesced like successes, with the refusal's reason."""
    alice = kit.user()
    created = kit.key(alice.id)
    wrong = kit.signed(created, passphrase="Wrong#Pass1")
    for _ in range(3):
        kit.auth.authenticate(wrong)
    kit.auth.authenticate(kit.signed(created))
    kit.auth.flush_usage()
    details = kit.keys.show(created.info.api_key)
    assert not isinstance(details, Rejected)
    assert sorted((u.code, u.count, u.ip) for u in details.usage) == [
        ("0", 1, CLIENT_IP),
        ("passphrase_incorrect", 3, CLIENT_IP),
    ]
    assert details.info.last_used_ms is not None  # only the success counts as a use
