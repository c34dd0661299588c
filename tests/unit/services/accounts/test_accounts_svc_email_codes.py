from __future__ import annotations

from sandex.domain.accounts.email_codes import CODE_TTL_MS, MAX_ATTEMPTS
from sandex.domain.errors import Reason, Rejected
from sandex.services.accounts.service import UserView
from tests.support.accounts import Kit, make_kit, wrong_code
from tests.support.factories import PASSWORD

EMAIL = "alice@example.test"
CREATE = "api_key_create"
INVALID = Reason.EMAIL_CODE_INVALID
EXPIRED = Rejected.of(Reason.EMAIL_CODE_EXPIRED, field="code")


def test_a_code_is_mailed_and_confirms_its_purpose_once(kit: Kit, alice: UserView) -> None:
    assert kit.service.send_email_code(alice.id, CREATE) is None
    (mail,) = kit.service.list_mail(EMAIL)
    code = mail.code
    assert code is not None and len(code) == 6 and code.isdigit()
    assert code not in mail.subject  # subjects end up in mail logs

    assert kit.service.verify_email_code(alice.id, CREATE, code) is None
    assert kit.service.verify_email_code(alice.id, CREATE, code) == EXPIRED


def test_the_code_is_stored_only_as_a_digest(kit: Kit, alice: UserView) -> None:
    kit.service.send_email_code(alice.id, CREATE)
    code = kit.last_code(EMAIL)

    ((_, record, _),) = kit.store.state.codes.values()
    assert code.encode() not in record.digest and code not in record.digest.hex()


def test_a_wrong_code_says_how_many_attempts_are_left(kit: Kit, alice: UserView) -> None:
    kit.service.send_email_code(alice.id, CREATE)
    code = kit.last_code(EMAIL)

    refused = kit.service.verify_email_code(alice.id, CREATE, wrong_code(code))
    assert refused == Rejected.of(INVALID, field="code", attempts_left=str(MAX_ATTEMPTS - 1))
    assert kit.service.verify_email_code(alice.id, CREATE, f"{code[:3]} {code[3:]}") is None


def test_too_many_wrong_codes_kill_the_code(kit: Kit, alice: UserView) -> None:
    kit.service.send_email_code(alice.id, CREATE)
    code = kit.last_code(EMAIL)
    answers = [kit.service.verify_email_code(alice.id, CREATE, wrong_code(code)) for _ in range(MAX_ATTEMPTS)]

    assert answers[-1] == Rejected.of(Reason.EMAIL_CODE_EXHAUSTED, field="code")
    assert kit.service.verify_email_code(alice.id, CREATE, code) == Rejected.of(
        Reason.EMAIL_CODE_EXHAUSTED, field="code"
    )


def test_a_code_expires_after_ten_minutes(kit: Kit, alice: UserView) -> None:
    kit.service.send_email_code(alice.id, CREATE)
    code = kit.last_code(EMAIL)

    kit.clock.advance(ms=CODE_TTL_MS)
    assert kit.service.verify_email_code(alice.id, CREATE, code) == EXPIRED


def test_a_code_confirms_only_its_own_purpose_and_reference(kit: Kit, alice: UserView) -> None:
    kit.service.send_email_code(alice.id, "api_key_activate", reference="key-1")
    code = kit.last_code(EMAIL)

    assert kit.service.verify_email_code(alice.id, "api_key_delete", code) == Rejected.of(
        INVALID, field="code"
    )
    wrong_ref = kit.service.verify_email_code(alice.id, "api_key_activate", code, reference="key-2")
    assert wrong_ref == Rejected.of(INVALID, field="code")
    assert kit.service.verify_email_code(alice.id, "api_key_activate", code, reference="key-1") is None


def test_a_new_code_replaces_the_previous_one(kit: Kit, alice: UserView) -> None:
    kit.service.send_email_code(alice.id, CREATE)
    first = kit.last_code(EMAIL)
    assert kit.service.send_email_code(alice.id, CREATE) is None
    second = kit.last_code(EMAIL)

    if first != second:
        refused = kit.service.verify_email_code(alice.id, CREATE, first)
        assert isinstance(refused, Rejected) and refused.reason is INVALID
    assert kit.service.verify_email_code(alice.id, CREATE, second) is None


def test_bad_requests_are_refused_precisely(kit: Kit, alice: UserView) -> None:
    unknown_purpose = Rejected.of(Reason.PARAM_ERROR, field="purpose")
    assert kit.service.send_email_code(alice.id, "launch_rockets") == unknown_purpose
    assert kit.service.verify_email_code(alice.id, "launch_rockets", "123456") == unknown_purpose
    assert kit.service.send_email_code(alice.id, CREATE, reference="r" * 65) == Rejected.of(
        Reason.PARAM_ERROR, field="reference"
    )
    assert kit.service.send_email_code(999, CREATE) == Rejected.of(Reason.USER_NOT_FOUND)
    assert kit.service.verify_email_code(alice.id, CREATE, "") == Rejected.of(
        Reason.EMAIL_CODE_REQUIRED, field="code"
    )
    assert kit.service.verify_email_code(alice.id, CREATE, "123456") == Rejected.of(INVALID, field="code")
    assert kit.service.list_mail(EMAIL) == []


def test_a_sub_accounts_code_goes_to_its_master(kit: Kit, alice: UserView) -> None:
    sub = kit.service.create_subaccount(alice.id, "Trader01")
    assert isinstance(sub, UserView)

    assert kit.service.send_email_code(sub.id, CREATE) is None
    assert kit.service.verify_email_code(sub.id, CREATE, kit.last_code(EMAIL)) is None


def test_a_mail_server_failure_is_reported_as_unavailable() -> None:
    kit = make_kit(broken_mail=True)
    user = kit.service.register(EMAIL, PASSWORD)
    assert isinstance(user, UserView)

    assert kit.service.send_email_code(user.id, CREATE) == Rejected.of(Reason.SERVICE_UNAVAILABLE)
