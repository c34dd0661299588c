"""Sensitive actions (API-key changes, withdrawal addresses): an email code always, TOTP when on."""

from __future__ import annotations

from sandex.domain.accounts.model import UserStatus
from sandex.domain.errors import Reason, Rejected
from sandex.services.accounts.service import TotpEnrollment, UserView
from tests.support.accounts import Kit

EMAIL = "alice@example.test"
EDIT = "api_key_edit"


def _with_2fa(kit: Kit, user: UserView) -> str:
    enrollment = kit.service.begin_totp(user.id)
    assert isinstance(enrollment, TotpEnrollment)
    kit.service.confirm_totp(user.id, kit.totp_now(enrollment.secret))
    kit.clock.advance(seconds=30)
    return enrollment.secret


def _mailed_code(kit: Kit, user: UserView, purpose: str = EDIT) -> str:
    assert kit.service.send_email_code(user.id, purpose) is None
    return kit.last_code(EMAIL)


def test_without_2fa_an_email_code_is_enough_and_works_once(kit: Kit, alice: UserView) -> None:
    code = _mailed_code(kit, alice)

    assert kit.service.verify_sensitive_action(alice.id, EDIT, totp_code=None, email_code=code) is None
    refused = kit.service.verify_sensitive_action(alice.id, EDIT, totp_code=None, email_code=code)
    assert refused == Rejected.of(Reason.EMAIL_CODE_EXPIRED, field="code")


def test_the_email_code_is_always_required(kit: Kit, alice: UserView) -> None:
    refused = kit.service.verify_sensitive_action(alice.id, EDIT, totp_code=None, email_code=None)
    assert refused == Rejected.of(Reason.EMAIL_CODE_REQUIRED, field="code")


def test_the_email_code_must_be_for_this_action(kit: Kit, alice: UserView) -> None:
    code = _mailed_code(kit, alice, "api_key_delete")

    refused = kit.service.verify_sensitive_action(alice.id, EDIT, totp_code=None, email_code=code)
    assert isinstance(refused, Rejected) and refused.reason is Reason.EMAIL_CODE_INVALID


def test_a_reference_binds_the_code_to_one_object(kit: Kit, alice: UserView) -> None:
    kit.service.send_email_code(alice.id, EDIT, reference="key-a")
    code = kit.last_code(EMAIL)

    other = kit.service.verify_sensitive_action(
        alice.id, EDIT, totp_code=None, email_code=code, reference="key-b"
    )
    assert isinstance(other, Rejected)
    assert (
        kit.service.verify_sensitive_action(
            alice.id, EDIT, totp_code=None, email_code=code, reference="key-a"
        )
        is None
    )


def test_with_2fa_a_fresh_totp_code_is_required_too(kit: Kit, alice: UserView) -> None:
    secret = _with_2fa(kit, alice)
    code = _mailed_code(kit, alice)

    missing = kit.service.verify_sensitive_action(alice.id, EDIT, totp_code=None, email_code=code)
    assert missing == Rejected.of(Reason.TOTP_REQUIRED, field="totp")
    totp = kit.totp_now(secret)
    assert kit.service.verify_sensitive_action(alice.id, EDIT, totp_code=totp, email_code=code) is None

    again = _mailed_code(kit, alice)
    replay = kit.service.verify_sensitive_action(alice.id, EDIT, totp_code=totp, email_code=again)
    assert replay == Rejected.of(Reason.TOTP_INVALID, field="totp")


def test_a_wrong_totp_code_does_not_spend_the_email_code(kit: Kit, alice: UserView) -> None:
    secret = _with_2fa(kit, alice)
    code = _mailed_code(kit, alice)

    wrong = kit.service.verify_sensitive_action(alice.id, EDIT, totp_code="000000", email_code=code)
    assert wrong == Rejected.of(Reason.TOTP_INVALID, field="totp")
    right = kit.service.verify_sensitive_action(
        alice.id, EDIT, totp_code=kit.totp_now(secret), email_code=code
    )
    assert right is None


def test_a_wrong_email_code_does_not_spend_the_totp_code(kit: Kit, alice: UserView) -> None:
    secret = _with_2fa(kit, alice)
    code = _mailed_code(kit, alice)
    totp = kit.totp_now(secret)
    wrong_code = f"{(int(code) + 1) % 1_000_000:06d}"

    wrong = kit.service.verify_sensitive_action(alice.id, EDIT, totp_code=totp, email_code=wrong_code)
    assert isinstance(wrong, Rejected) and wrong.reason is Reason.EMAIL_CODE_INVALID
    assert kit.service.verify_sensitive_action(alice.id, EDIT, totp_code=totp, email_code=code) is None


def test_recovery_codes_do_not_confirm_sensitive_actions(kit: Kit, alice: UserView) -> None:
    enrollment = kit.service.begin_totp(alice.id)
    assert isinstance(enrollment, TotpEnrollment)
    recovery = kit.service.confirm_totp(alice.id, kit.totp_now(enrollment.secret))
    assert isinstance(recovery, list)
    code = _mailed_code(kit, alice)

    refused = kit.service.verify_sensitive_action(alice.id, EDIT, totp_code=recovery[0], email_code=code)
    assert refused == Rejected.of(Reason.TOTP_INVALID, field="totp")


def test_frozen_or_unknown_users_cannot_confirm_anything(kit: Kit, alice: UserView) -> None:
    code = _mailed_code(kit, alice)
    kit.service.set_status(alice.id, UserStatus.FROZEN)

    frozen = kit.service.verify_sensitive_action(alice.id, EDIT, totp_code=None, email_code=code)
    assert frozen == Rejected.of(Reason.ACCOUNT_FROZEN)
    assert kit.service.send_email_code(alice.id, EDIT) == Rejected.of(Reason.ACCOUNT_FROZEN)
    unknown = kit.service.verify_sensitive_action(404, EDIT, totp_code=None, email_code=code)
    assert unknown == Rejected.of(Reason.USER_NOT_FOUND)
    bad_purpose = kit.service.verify_sensitive_action(alice.id, "nope", totp_code=None, email_code=code)
    assert bad_purpose == Rejected.of(Reason.PARAM_ERROR, field="purpose")


def test_a_sub_accounts_actions_are_confirmed_by_its_master(kit: Kit, alice: UserView) -> None:
    secret = _with_2fa(kit, alice)
    sub = kit.service.create_subaccount(alice.id, "Trader01")
    assert isinstance(sub, UserView)
    kit.service.send_email_code(sub.id, EDIT)
    code = kit.last_code(EMAIL)

    assert kit.service.verify_sensitive_action(sub.id, EDIT, totp_code=None, email_code=code) == Rejected.of(
        Reason.TOTP_REQUIRED, field="totp"
    )
    totp = kit.totp_now(secret)
    assert kit.service.verify_sensitive_action(sub.id, EDIT, totp_code=totp, email_code=code) is None
