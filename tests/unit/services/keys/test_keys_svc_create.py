"""Creating keys: OKX's limits and formats, and that a refused request changes nothing."""

from __future__ import annotations

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys.formats import is_api_key_format
from sandex.domain.keys.model import KeyState, Permission
from sandex.domain.keys.rules import CreateKeyRequest
from sandex.services.keys.ports import AuditEvent
from tests.support.factories import PASSPHRASE
from tests.support.keys import CLIENT_IP, NOW_MS, Kit


def test_operator_key_is_active_at_once_and_shows_its_secret_once(kit: Kit) -> None:
    alice = kit.user()
    created = kit.key(alice.id, perm="read_only,trade", ip=CLIENT_IP)
    info = created.info
    assert is_api_key_format(info.api_key)
    assert len(created.secret) == 32 and created.secret == created.secret.upper()
    int(created.secret, 16)
    assert created.passphrase == PASSPHRASE
    assert info.state is KeyState.ACTIVE and info.activated_ms == NOW_MS
    assert info.perms == {Permission.READ_ONLY, Permission.TRADE}
    assert info.ip_text == CLIENT_IP and not info.unbound
    assert info.environment is Environment.LIVE
    assert [(e.api_key, e.change) for e in kit.events] == [(info.api_key, "created")]
    details = kit.keys.show(info.api_key)
    assert not isinstance(details, Rejected)
    assert [e.event for e in details.audit] == [AuditEvent.CREATED]
    assert "secret" not in repr(created) and created.secret not in repr(details)


def test_two_keys_never_share_key_or_secret(kit: Kit) -> None:
    alice = kit.user()
    one, two = kit.key(alice.id, label="one"), kit.key(alice.id, label="two")
    assert one.info.api_key != two.info.api_key and one.secret != two.secret


def _refused(kit: Kit, user_id: int, reason: Reason, **fields: object) -> Rejected:
    before = kit.keys.list(user_id)
    events = list(kit.events)
    request = CreateKeyRequest(**{"label": "new", "passphrase": PASSPHRASE, **fields})  # type: ignore[arg-type]
    refused = kit.keys.create(user_id, request)
    assert isinstance(refused, Rejected) and refused.reason is reason, refused
    assert kit.keys.list(user_id) == before and kit.events == events
    return refused


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"label": ""}, Reason.KEY_LABEL_INVALID),
        ({"label": " padded"}, Reason.KEY_LABEL_INVALID),
        ({"passphrase": "short1!A"[:7]}, Reason.PASSPHRASE_FORMAT),
        ({"passphrase": "nouppercase#1"}, Reason.PASSPHRASE_FORMAT),
        ({"perm": "read_only,admin"}, Reason.KEY_PERMISSION_INVALID),
        ({"ip": "10.0.0.300"}, Reason.KEY_IP_INVALID),
        ({"ip": ",".join(f"10.0.0.{i}" for i in range(21))}, Reason.KEY_IP_LIMIT),
        ({"perm": "trade,withdraw", "ip": ""}, Reason.WITHDRAW_NEEDS_IP_BINDING),
        ({"perm": "withdraw", "ip": "0.0.0.0/0"}, Reason.WITHDRAW_NEEDS_IP_BINDING),
        ({"expires_at_ms": NOW_MS}, Reason.KEY_EXPIRY_INVALID),
    ],
)
def test_bad_requests_are_refused_without_a_trace(
    kit: Kit, fields: dict[str, object], reason: Reason
) -> None:
    alice = kit.user()
    _refused(kit, alice.id, reason, **fields)


def test_label_is_unique_per_account_and_named_in_the_refusal(kit: Kit) -> None:
    alice, bob = kit.user(), kit.user("bob@example.com")
    kit.key(alice.id, label="grid bot")
    refused = _refused(kit, alice.id, Reason.KEY_LABEL_TAKEN, label="grid bot")
    assert refused.params["label"] == "grid bot"
    kit.key(bob.id, label="grid bot")  # another account may use it


def test_fifty_keys_per_account_and_deleting_frees_a_slot_and_the_label(kit: Kit) -> None:
    alice = kit.user()
    keys = [kit.key(alice.id, label=f"k{i}") for i in range(50)]
    _refused(kit, alice.id, Reason.KEY_LIMIT_REACHED, label="k50")
    kit.keys.revoke(keys[0].info.api_key)
    _refused(kit, alice.id, Reason.KEY_LIMIT_REACHED, label="k50")  # revoked keys still count
    assert not isinstance(kit.keys.delete(keys[0].info.api_key), Rejected)
    again = kit.key(alice.id, label="k0")
    assert again.info.label == "k0"


def test_unbound_keys_are_accepted_and_flagged(kit: Kit) -> None:
    alice = kit.user()
    anywhere = kit.key(alice.id, label="a", ip="0.0.0.0/0")
    nowhere = kit.key(alice.id, label="b", ip="")
    assert anywhere.info.unbound and nowhere.info.unbound
    assert anywhere.info.ip_text == "0.0.0.0/0" and nowhere.info.ip_text == ""


def test_withdraw_needs_a_bound_master_key(kit: Kit) -> None:
    alice = kit.user()
    sub = kit.sub(alice)
    bound = kit.key(alice.id, perm="read_only,withdraw", ip="198.51.100.0/24, 2001:db8::1")
    assert Permission.WITHDRAW in bound.info.perms
    assert bound.info.ip_text == "198.51.100.0/24,2001:db8::1"
    _refused(kit, sub.id, Reason.SUBACCOUNT_CANNOT_WITHDRAW, perm="withdraw", ip=CLIENT_IP)


def test_read_only_is_always_granted(kit: Kit) -> None:
    alice = kit.user()
    created = kit.key(alice.id, perm="trade")
    assert created.info.perms == {Permission.READ_ONLY, Permission.TRADE}


def test_expiry_date_and_demo_environment_are_kept(kit: Kit) -> None:
    alice = kit.user()
    later = NOW_MS + 10 * 86_400_000
    created = kit.key(alice.id, environment=Environment.DEMO, expires_at_ms=later)
    assert created.info.environment is Environment.DEMO
    assert created.info.expires_at_ms == later and created.info.effective_expiry_ms == later


def test_unknown_user_is_refused(kit: Kit) -> None:
    refused = kit.keys.create(999, CreateKeyRequest("bot", PASSPHRASE))
    assert isinstance(refused, Rejected) and refused.reason is Reason.USER_NOT_FOUND
