import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import DAY_MS, SECOND_MS
from sandex.domain.keys.expiry import INACTIVITY_MS, expires_at, inactivity_applies, is_expired
from sandex.domain.keys.model import ApiKeyPolicyView, Permission
from sandex.testing.clock import ManualClock
from tests.support.keys import NOW_MS, ips, make_key, unbound_key

R, T, W = Permission.READ_ONLY, Permission.TRADE, Permission.WITHDRAW
CREATED = NOW_MS - DAY_MS


def test_unbound_trade_key_expires_14_days_after_creation_if_never_used() -> None:
    key = unbound_key()
    clock = ManualClock(CREATED)
    clock.advance(days=14, ms=-SECOND_MS)
    assert not is_expired(key, clock.now_ms())
    clock.advance(ms=SECOND_MS)
    assert is_expired(key, clock.now_ms())  # the expiry instant itself is already too late
    clock.advance(ms=SECOND_MS)
    assert is_expired(key, clock.now_ms())
    assert expires_at(key) == CREATED + INACTIVITY_MS


def test_each_use_restarts_the_14_days() -> None:
    last_use = CREATED + 10 * DAY_MS
    key = unbound_key(last_used_ms=last_use)
    assert expires_at(key) == last_use + 14 * DAY_MS
    assert not is_expired(key, last_use + 14 * DAY_MS - SECOND_MS)
    assert is_expired(key, last_use + 14 * DAY_MS + SECOND_MS)


@pytest.mark.parametrize("allow_all", ["", "0.0.0.0/0", "::/0", "1.2.3.4,0.0.0.0/0"])
def test_any_non_binding_counts_as_unbound(allow_all: str) -> None:
    assert inactivity_applies(make_key(ips=ips(allow_all)))


def test_withdraw_also_triggers_the_rule() -> None:
    assert inactivity_applies(unbound_key(perms=frozenset({R, W})))


@pytest.mark.parametrize(
    "key",
    [
        unbound_key(environment=Environment.DEMO),  # demo keys never expire
        make_key(),  # bound to an IP
        unbound_key(perms=frozenset({R})),  # read-only
    ],
    ids=["demo", "ip-bound", "read-only"],
)
def test_keys_outside_the_rule_never_expire_by_themselves(key: ApiKeyPolicyView) -> None:
    assert expires_at(key) is None
    assert not is_expired(key, CREATED + 10_000 * DAY_MS)


def test_explicit_expiry_applies_to_every_key() -> None:
    deadline = CREATED + 3 * DAY_MS
    for key in (
        make_key(expires_at_ms=deadline),
        unbound_key(environment=Environment.DEMO, expires_at_ms=deadline),
    ):
        assert expires_at(key) == deadline
        assert not is_expired(key, deadline - 1)
        assert is_expired(key, deadline)


def test_explicit_expiry_and_inactivity_the_earlier_wins() -> None:
    late = CREATED + 30 * DAY_MS
    assert expires_at(unbound_key(expires_at_ms=late)) == CREATED + 14 * DAY_MS
    early = CREATED + 2 * DAY_MS
    assert expires_at(unbound_key(expires_at_ms=early)) == early
