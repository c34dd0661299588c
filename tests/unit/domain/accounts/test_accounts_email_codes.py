import pytest

from sandex.domain.accounts.email_codes import (
    CODE_TTL_MS,
    MAX_ATTEMPTS,
    CodePurpose,
    EmailCode,
    issue,
    verify,
)
from sandex.domain.clock import MINUTE_MS
from sandex.domain.errors import Reason, Rejected
from sandex.testing.clock import ManualClock

T0 = 1_700_000_000_000
PEPPER = b"p" * 32
SALT = b"s" * 16
KEY = "b68428e0-1f2a-4c3d-8e9f-0a1b2c3d4e5f"
PURPOSE = CodePurpose.API_KEY_ACTIVATE


def fresh(code: str = "042917") -> EmailCode:
    return issue(PURPOSE, KEY, code, SALT, PEPPER, T0)


def test_record_stores_a_digest_not_the_code() -> None:
    record = fresh()
    assert b"042917" not in record.digest
    assert record.expires_at_ms == T0 + 10 * MINUTE_MS == T0 + CODE_TTL_MS
    assert "042917" not in repr(record)


def test_correct_code_verifies_once() -> None:
    record, refusal = verify(fresh(), PURPOSE, KEY, "042917", PEPPER, T0 + 1000)
    assert refusal is None
    assert record.used
    again, refusal = verify(record, PURPOSE, KEY, "042917", PEPPER, T0 + 2000)
    assert refusal == Rejected.of(Reason.EMAIL_CODE_EXPIRED, field="code")
    assert again == record


def test_spaces_are_ignored() -> None:
    assert verify(fresh(), PURPOSE, KEY, " 042 917 ", PEPPER, T0)[1] is None


def test_expiry_at_10_minutes() -> None:
    clock = ManualClock(T0)
    clock.advance(ms=CODE_TTL_MS - 1)
    assert verify(fresh(), PURPOSE, KEY, "042917", PEPPER, clock.now_ms())[1] is None
    clock.advance(ms=1)
    record, refusal = verify(fresh(), PURPOSE, KEY, "042917", PEPPER, clock.now_ms())
    assert refusal == Rejected.of(Reason.EMAIL_CODE_EXPIRED, field="code")
    assert record == fresh()  # an expired code's record does not change


def test_five_wrong_attempts_exhaust_the_code() -> None:
    record = fresh()
    for attempt in range(1, MAX_ATTEMPTS):
        record, refusal = verify(record, PURPOSE, KEY, "000000", PEPPER, T0)
        assert refusal == Rejected.of(
            Reason.EMAIL_CODE_INVALID, field="code", attempts_left=str(MAX_ATTEMPTS - attempt)
        )
    record, refusal = verify(record, PURPOSE, KEY, "000000", PEPPER, T0)
    assert refusal == Rejected.of(Reason.EMAIL_CODE_EXHAUSTED, field="code")
    record, refusal = verify(record, PURPOSE, KEY, "042917", PEPPER, T0)  # even the right one now
    assert refusal == Rejected.of(Reason.EMAIL_CODE_EXHAUSTED, field="code")
    assert record.attempts == MAX_ATTEMPTS


def test_right_code_after_some_wrong_ones() -> None:
    record, _ = verify(fresh(), PURPOSE, KEY, "111111", PEPPER, T0)
    record, refusal = verify(record, PURPOSE, KEY, "042917", PEPPER, T0)
    assert refusal is None
    assert record.used


@pytest.mark.parametrize("candidate", ["42917", "0429170", "04291a", "٠٤٢٩١٧", ""])
def test_malformed_candidates_count_as_wrong(candidate: str) -> None:
    record, refusal = verify(fresh(), PURPOSE, KEY, candidate, PEPPER, T0)
    assert refusal is not None
    assert refusal.reason is Reason.EMAIL_CODE_INVALID
    assert record.attempts == 1


def test_code_is_bound_to_purpose_subject_and_pepper() -> None:
    assert verify(fresh(), CodePurpose.API_KEY_DELETE, KEY, "042917", PEPPER, T0)[1] is not None
    assert verify(fresh(), PURPOSE, "another-key", "042917", PEPPER, T0)[1] is not None
    assert verify(fresh(), PURPOSE, KEY, "042917", b"q" * 32, T0)[1] is not None


def test_issue_refuses_bad_inputs() -> None:
    with pytest.raises(ValueError, match="digits"):
        issue(PURPOSE, KEY, "12345", SALT, PEPPER, T0)
    with pytest.raises(ValueError, match="16"):
        issue(PURPOSE, KEY, "123456", b"short", PEPPER, T0)


def test_purposes() -> None:
    assert {p.value for p in CodePurpose} == {
        "login",
        "api_key_create",
        "api_key_activate",
        "api_key_edit",
        "api_key_delete",
        "api_key_revoke",  # the 2FA code alone confirms it: never mailed
        "withdraw_address",
        "withdraw",
        "totp_disable",
    }
