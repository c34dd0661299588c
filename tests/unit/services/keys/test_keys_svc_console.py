"""Console creation: 2FA (when on) + email code, then the key waits for its activation code."""

from __future__ import annotations

from sandex.domain.accounts.email_codes import CodePurpose
from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys.model import KeyState
from sandex.domain.keys.rules import CreateKeyRequest
from sandex.services.keys.ports import AuditEvent
from sandex.services.keys.views import ConsoleConfirmation
from tests.support.factories import PASSPHRASE
from tests.support.keys import Kit

REQUEST = CreateKeyRequest("console bot", PASSPHRASE, "read_only,trade", "203.0.113.7")


def test_console_key_is_pending_until_its_activation_code(kit: Kit) -> None:
    alice = kit.user()
    code = kit.send_code(alice, CodePurpose.API_KEY_CREATE)
    created = kit.keys.create_from_console(alice.id, REQUEST, ConsoleConfirmation(email_code=code))
    assert not isinstance(created, Rejected), created
    assert created.info.state is KeyState.PENDING and created.info.activated_ms is None
    refused = kit.auth.authenticate(kit.signed(created))
    assert isinstance(refused, Rejected) and refused.reason is Reason.KEY_INVALID

    activation = kit.email_code("alice@example.com")  # mailed on creation, bound to this key
    wrong = kit.keys.activate(
        alice.id, created.info.api_key, "000000" if activation != "000000" else "111111"
    )
    assert isinstance(wrong, Rejected) and wrong.reason is Reason.EMAIL_CODE_INVALID
    active = kit.keys.activate(alice.id, created.info.api_key, activation)
    assert not isinstance(active, Rejected) and active.state is KeyState.ACTIVE
    assert not isinstance(kit.auth.authenticate(kit.signed(created)), Rejected)
    again = kit.keys.activate(alice.id, created.info.api_key, activation)
    assert isinstance(again, Rejected) and again.reason is Reason.KEY_NOT_PENDING
    details = kit.keys.show(created.info.api_key)
    assert not isinstance(details, Rejected)
    assert [e.event for e in details.audit] == [AuditEvent.CREATED, AuditEvent.ACTIVATED]


def test_activation_code_of_one_key_does_not_activate_another(kit: Kit) -> None:
    alice = kit.user()
    first = kit.keys.create_from_console(
        alice.id,
        REQUEST,
        ConsoleConfirmation(email_code=kit.send_code(alice, CodePurpose.API_KEY_CREATE)),
    )
    assert not isinstance(first, Rejected)
    first_code = kit.email_code("alice@example.com")
    second = kit.keys.create_from_console(
        alice.id,
        CreateKeyRequest("other", PASSPHRASE),
        ConsoleConfirmation(email_code=kit.send_code(alice, CodePurpose.API_KEY_CREATE)),
    )
    assert not isinstance(second, Rejected)
    refused = kit.keys.activate(alice.id, second.info.api_key, first_code)
    assert isinstance(refused, Rejected)
    assert kit.keys.get(second.info.api_key).state is KeyState.PENDING  # type: ignore[union-attr]


def test_console_needs_the_email_code_and_changes_nothing_without_it(kit: Kit) -> None:
    alice = kit.user()
    refused = kit.keys.create_from_console(alice.id, REQUEST, ConsoleConfirmation())
    assert isinstance(refused, Rejected) and refused.reason is Reason.EMAIL_CODE_REQUIRED
    assert kit.keys.list(alice.id) == [] and kit.events == []


def test_an_invalid_request_does_not_burn_the_email_code(kit: Kit) -> None:
    alice = kit.user()
    kit.key(alice.id, label="console bot")
    code = kit.send_code(alice, CodePurpose.API_KEY_CREATE)
    taken = kit.keys.create_from_console(alice.id, REQUEST, ConsoleConfirmation(email_code=code))
    assert isinstance(taken, Rejected) and taken.reason is Reason.KEY_LABEL_TAKEN
    fixed = CreateKeyRequest("console bot 2", PASSPHRASE)
    created = kit.keys.create_from_console(alice.id, fixed, ConsoleConfirmation(email_code=code))
    assert not isinstance(created, Rejected), created


def test_with_2fa_on_the_totp_code_is_required_too(kit: Kit) -> None:
    alice = kit.user()
    secret = kit.enable_totp(alice)
    code = kit.send_code(alice, CodePurpose.API_KEY_CREATE)
    no_totp = kit.keys.create_from_console(alice.id, REQUEST, ConsoleConfirmation(email_code=code))
    assert isinstance(no_totp, Rejected) and no_totp.reason is Reason.TOTP_REQUIRED
    both = ConsoleConfirmation(totp_code=kit.totp(secret), email_code=code)
    created = kit.keys.create_from_console(alice.id, REQUEST, both)
    assert not isinstance(created, Rejected) and created.info.state is KeyState.PENDING


def test_console_edit_and_delete_need_confirmation(kit: Kit) -> None:
    alice = kit.user()
    created = kit.key(alice.id)
    from sandex.domain.keys.rules import EditKeyRequest

    refused = kit.keys.update_from_console(
        alice.id, created.info.api_key, EditKeyRequest(label="renamed"), ConsoleConfirmation()
    )
    assert isinstance(refused, Rejected) and refused.reason is Reason.EMAIL_CODE_REQUIRED
    code = kit.send_code(alice, CodePurpose.API_KEY_EDIT)
    edited = kit.keys.update_from_console(
        alice.id,
        created.info.api_key,
        EditKeyRequest(label="renamed"),
        ConsoleConfirmation(email_code=code),
    )
    assert not isinstance(edited, Rejected) and edited.label == "renamed"
    refused = kit.keys.delete_from_console(created.info.api_key, alice.id, ConsoleConfirmation())
    assert isinstance(refused, Rejected) and kit.keys.get(created.info.api_key).state is KeyState.ACTIVE  # type: ignore[union-attr]
    code = kit.send_code(alice, CodePurpose.API_KEY_DELETE)
    deleted = kit.keys.delete_from_console(
        created.info.api_key, alice.id, ConsoleConfirmation(email_code=code)
    )
    assert not isinstance(deleted, Rejected) and deleted.state is KeyState.DELETED
