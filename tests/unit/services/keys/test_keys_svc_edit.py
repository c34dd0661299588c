"""Editing, revoking and deleting: audited, published, and all-or-nothing."""

from __future__ import annotations

from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys.model import KeyState, Permission
from sandex.domain.keys.rules import EditKeyRequest
from sandex.services.keys.ports import AuditEvent
from tests.support.keys import CLIENT_IP, NOW_MS, Kit


def _audit(kit: Kit, api_key: str) -> list[tuple[AuditEvent, str]]:
    details = kit.keys.show(api_key)
    assert not isinstance(details, Rejected)
    return [(e.event, e.detail) for e in details.audit]


def test_edit_changes_label_perms_ips_and_expiry_and_audits_the_diff(kit: Kit) -> None:
    alice = kit.user()
    api_key = kit.key(alice.id, label="bot", perm="read_only").info.api_key
    later = NOW_MS + 86_400_000
    request = EditKeyRequest(label="bot2", perm="read_only,trade", ip="198.51.100.7", expires_at_ms=later)
    edited = kit.keys.update(alice.id, api_key, request)
    assert not isinstance(edited, Rejected), edited
    assert (edited.label, edited.perm_text, edited.ip_text, edited.expires_at_ms) == (
        "bot2",
        "read_only,trade",
        "198.51.100.7",
        later,
    )
    assert kit.keys.get(api_key) == edited
    event, detail = _audit(kit, api_key)[-1]
    assert event is AuditEvent.EDITED
    assert "label: bot -> bot2" in detail and "perm: read_only -> read_only,trade" in detail
    assert f"ip: {CLIENT_IP} -> 198.51.100.7" in detail
    assert kit.events[-1].change == "edited"


def _unchanged_after(kit: Kit, user_id: int, api_key: str, request: EditKeyRequest, reason: Reason) -> None:
    before, trail, events = kit.keys.get(api_key), _audit(kit, api_key), list(kit.events)
    refused = kit.keys.update(user_id, api_key, request)
    assert isinstance(refused, Rejected) and refused.reason is reason, refused
    assert kit.keys.get(api_key) == before and _audit(kit, api_key) == trail and kit.events == events


def test_widening_an_unbound_key_to_withdraw_is_refused_with_its_reason(kit: Kit) -> None:
    alice = kit.user()
    api_key = kit.key(alice.id, ip="").info.api_key
    _unchanged_after(
        kit,
        alice.id,
        api_key,
        EditKeyRequest(perm="read_only,trade,withdraw"),
        Reason.WITHDRAW_NEEDS_IP_BINDING,
    )


def test_unbinding_a_withdraw_key_is_refused(kit: Kit) -> None:
    alice = kit.user()
    api_key = kit.key(alice.id, perm="read_only,withdraw").info.api_key
    _unchanged_after(kit, alice.id, api_key, EditKeyRequest(ip=""), Reason.WITHDRAW_NEEDS_IP_BINDING)
    _unchanged_after(
        kit, alice.id, api_key, EditKeyRequest(ip="0.0.0.0/0,::/0"), Reason.WITHDRAW_NEEDS_IP_BINDING
    )


def test_a_refused_edit_with_one_bad_field_applies_none_of_the_good_ones(kit: Kit) -> None:
    alice = kit.user()
    kit.key(alice.id, label="taken")
    api_key = kit.key(alice.id, label="bot").info.api_key
    _unchanged_after(
        kit, alice.id, api_key, EditKeyRequest(label="renamed", ip="not-an-ip"), Reason.KEY_IP_INVALID
    )
    _unchanged_after(
        kit, alice.id, api_key, EditKeyRequest(label="taken", perm="trade"), Reason.KEY_LABEL_TAKEN
    )
    _unchanged_after(kit, alice.id, api_key, EditKeyRequest(perm="trade,root"), Reason.KEY_PERMISSION_INVALID)


def test_someone_elses_key_does_not_exist_for_you(kit: Kit) -> None:
    alice, bob = kit.user(), kit.user("bob@example.com")
    api_key = kit.key(alice.id).info.api_key
    _unchanged_after(kit, bob.id, api_key, EditKeyRequest(label="mine"), Reason.KEY_DOES_NOT_EXIST)
    refused = kit.keys.revoke(api_key, user_id=bob.id)
    assert isinstance(refused, Rejected) and kit.keys.get(api_key).state is KeyState.ACTIVE  # type: ignore[union-attr]


def test_an_edit_that_changes_nothing_writes_nothing(kit: Kit) -> None:
    alice = kit.user()
    api_key = kit.key(alice.id, label="bot").info.api_key
    events = list(kit.events)
    same = kit.keys.update(alice.id, api_key, EditKeyRequest(label="bot", perm="trade"))
    assert not isinstance(same, Rejected) and Permission.TRADE in same.perms
    assert [e for e, _ in _audit(kit, api_key)] == [AuditEvent.CREATED] and kit.events == events


def test_revoke_is_final_audited_and_idempotent(kit: Kit) -> None:
    alice = kit.user()
    api_key = kit.key(alice.id).info.api_key
    revoked = kit.keys.revoke(api_key)
    assert (
        not isinstance(revoked, Rejected)
        and revoked.state is KeyState.REVOKED
        and revoked.revoked_ms == NOW_MS
    )
    again = kit.keys.revoke(api_key)
    assert not isinstance(again, Rejected) and again.state is KeyState.REVOKED
    assert [e for e, _ in _audit(kit, api_key)] == [AuditEvent.CREATED, AuditEvent.REVOKED]
    assert [e.change for e in kit.events] == ["created", "revoked"]
    assert [k.api_key for k in kit.keys.list(alice.id)] == [api_key]  # still listed


def test_delete_hides_the_key_but_keeps_its_trail(kit: Kit) -> None:
    alice = kit.user()
    api_key = kit.key(alice.id, label="gone").info.api_key
    deleted = kit.keys.delete(api_key)
    assert not isinstance(deleted, Rejected) and deleted.state is KeyState.DELETED
    assert kit.keys.list(alice.id) == []
    trail = _audit(kit, api_key)
    assert trail[-1] == (AuditEvent.DELETED, "label=gone")
    for outcome in (
        kit.keys.delete(api_key),
        kit.keys.revoke(api_key),
        kit.keys.update(alice.id, api_key, EditKeyRequest(label="back")),
    ):
        assert isinstance(outcome, Rejected) and outcome.reason is Reason.KEY_DOES_NOT_EXIST
    assert _audit(kit, api_key) == trail
