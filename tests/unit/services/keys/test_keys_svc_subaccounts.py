"""A master's keys for its sub-accounts: ownership, environment and the sub-account rules."""

from __future__ import annotations

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys.model import KeyState
from sandex.domain.keys.rules import CreateKeyRequest, EditKeyRequest
from sandex.services.keys.auth import Principal
from tests.support.factories import PASSPHRASE
from tests.support.keys import CLIENT_IP, Kit

LIVE = Environment.LIVE


def test_master_creates_an_active_key_acting_for_the_sub_account(kit: Kit) -> None:
    alice = kit.user()
    sub = kit.sub(alice, "botdesk01")
    created = kit.subs.create(
        alice.id, "botdesk01", CreateKeyRequest("desk", PASSPHRASE, "read_only,trade"), LIVE
    )
    assert not isinstance(created, Rejected), created
    assert created.info.user_id == sub.id and created.info.state is KeyState.ACTIVE
    principal = kit.auth.authenticate(kit.signed(created))
    assert isinstance(principal, Principal) and principal.user_id == sub.id and principal.is_sub_account


def test_rules_for_sub_account_keys(kit: Kit) -> None:
    alice, bob = kit.user(), kit.user("bob@example.com")
    sub = kit.sub(alice, "botdesk01")
    kit.sub(bob, "bobsdesk1")
    cases = [
        (kit.subs.create(sub.id, "botdesk01", CreateKeyRequest("x", PASSPHRASE), LIVE), Reason.MASTER_ONLY),
        (
            kit.subs.create(alice.id, "bobsdesk1", CreateKeyRequest("x", PASSPHRASE), LIVE),
            Reason.SUBACCOUNT_NOT_FOUND,
        ),
        (
            kit.subs.create(alice.id, "nobody123", CreateKeyRequest("x", PASSPHRASE), LIVE),
            Reason.SUBACCOUNT_NOT_FOUND,
        ),
        (
            kit.subs.create(
                alice.id, "botdesk01", CreateKeyRequest("x", PASSPHRASE, "withdraw", CLIENT_IP), LIVE
            ),
            Reason.SUBACCOUNT_CANNOT_WITHDRAW,
        ),
        (
            kit.subs.create(alice.id, "botdesk01", CreateKeyRequest("x", "weak"), LIVE),
            Reason.PASSPHRASE_FORMAT,
        ),
    ]
    for outcome, reason in cases:
        assert isinstance(outcome, Rejected) and outcome.reason is reason, (outcome, reason)
    assert kit.keys.list(sub.id) == []


def test_list_update_delete_only_reach_the_sub_accounts_own_keys_in_this_environment(kit: Kit) -> None:
    alice = kit.user()
    sub, other = kit.sub(alice, "botdesk01"), kit.sub(alice, "botdesk02")
    live = kit.key(sub.id, label="live")
    demo = kit.key(sub.id, label="demo", environment=Environment.DEMO)
    elsewhere = kit.key(other.id, label="other")
    mine = kit.key(alice.id, label="master")

    listed = kit.subs.list(alice.id, "botdesk01", LIVE)
    assert not isinstance(listed, Rejected) and [k.api_key for k in listed] == [live.info.api_key]
    one = kit.subs.list(alice.id, "botdesk01", LIVE, live.info.api_key)
    assert not isinstance(one, Rejected) and len(one) == 1
    for api_key in (demo.info.api_key, elsewhere.info.api_key, mine.info.api_key, "nope"):
        for outcome in (
            kit.subs.list(alice.id, "botdesk01", LIVE, api_key),
            kit.subs.update(alice.id, "botdesk01", api_key, EditKeyRequest(label="stolen"), LIVE),
            kit.subs.delete(alice.id, "botdesk01", api_key, LIVE),
        ):
            assert isinstance(outcome, Rejected) and outcome.reason is Reason.KEY_DOES_NOT_EXIST
    assert {k.label for k in kit.keys.list(other.id)} == {"other"} and kit.keys.list(alice.id)[
        0
    ].label == "master"

    edited = kit.subs.update(
        alice.id, "botdesk01", live.info.api_key, EditKeyRequest(perm="read_only", ip=""), LIVE
    )
    assert not isinstance(edited, Rejected) and edited.perm_text == "read_only" and edited.ip_text == ""
    deleted = kit.subs.delete(alice.id, "botdesk01", live.info.api_key, LIVE)
    assert not isinstance(deleted, Rejected) and deleted.state is KeyState.DELETED
    again = kit.subs.delete(alice.id, "botdesk01", live.info.api_key, LIVE)
    assert isinstance(again, Rejected) and again.reason is Reason.KEY_DOES_NOT_EXIST
