from __future__ import annotations

import pytest

from sandex.domain.accounts.lockout import ACCOUNT_POLICY, IP_POLICY
from sandex.domain.accounts.model import UserStatus
from sandex.domain.clock import MINUTE_MS
from sandex.domain.errors import Reason, Rejected
from sandex.services.accounts.service import LoginRecord, UserView
from tests.support.accounts import Kit
from tests.support.factories import PASSWORD

EMAIL = "alice@example.test"
IP = "203.0.113.7"
FAILED = Rejected.of(Reason.LOGIN_FAILED)


def _login(kit: Kit, password: str, email: str = EMAIL, ip: str = IP) -> UserView | Rejected:
    return kit.service.login(email, password, ip=ip, user_agent="pytest/1")


def test_the_right_password_logs_in_and_the_login_is_recorded(kit: Kit, alice: UserView) -> None:
    assert _login(kit, PASSWORD, email=" ALICE@example.test") == alice
    assert kit.service.recent_logins(alice.id) == [LoginRecord(kit.clock.now_ms(), IP, "pytest/1")]


def test_unknown_email_and_wrong_password_get_the_same_answer(kit: Kit, alice: UserView) -> None:
    assert _login(kit, "Wrong-Password-1") == FAILED
    assert _login(kit, PASSWORD, email="bob@example.test") == FAILED
    assert kit.service.recent_logins(alice.id) == []


@pytest.mark.parametrize("email", [EMAIL, "nobody@example.test"])
def test_every_failed_login_costs_one_argon2_verification(kit: Kit, alice: UserView, email: str) -> None:
    # Same work for known and unknown emails: response time does not reveal who has an account.
    before = kit.hasher.verifications
    _login(kit, "Wrong-Password-1", email=email)
    assert kit.hasher.verifications == before + 1


def test_an_over_long_password_fails_after_the_same_work(kit: Kit, alice: UserView) -> None:
    before = kit.hasher.verifications
    assert _login(kit, PASSWORD + "x" * 200) == FAILED
    assert kit.hasher.verifications == before + 1


def test_a_malformed_email_is_refused_as_such(kit: Kit) -> None:
    assert _login(kit, PASSWORD, email="not-an-email") == Rejected.of(Reason.EMAIL_INVALID, field="email")


def test_repeated_failures_lock_the_account_and_say_when_to_retry(kit: Kit, alice: UserView) -> None:
    for _ in range(ACCOUNT_POLICY.max_failures - 1):
        assert _login(kit, "Wrong-Password-1") == FAILED
    lock_s = str(ACCOUNT_POLICY.lock_ms // 1000)
    assert _login(kit, "Wrong-Password-1") == Rejected.of(Reason.LOGIN_LOCKED, retry_after=lock_s)

    kit.clock.advance(seconds=60)
    still = str(ACCOUNT_POLICY.lock_ms // 1000 - 60)
    assert _login(kit, PASSWORD) == Rejected.of(Reason.LOGIN_LOCKED, retry_after=still)
    assert _login(kit, PASSWORD, ip="198.51.100.1") == Rejected.of(Reason.LOGIN_LOCKED, retry_after=still)

    kit.clock.advance(ms=ACCOUNT_POLICY.lock_ms)
    assert _login(kit, PASSWORD) == alice


def test_unknown_emails_lock_exactly_like_known_ones(kit: Kit) -> None:
    answers = [_login(kit, "Wrong-Password-1", email="ghost@example.test") for _ in range(5)]
    assert answers[:4] == [FAILED] * 4
    assert isinstance(answers[4], Rejected) and answers[4].reason is Reason.LOGIN_LOCKED


def test_a_success_clears_the_account_count(kit: Kit, alice: UserView) -> None:
    for _ in range(ACCOUNT_POLICY.max_failures - 1):
        _login(kit, "Wrong-Password-1")
    assert _login(kit, PASSWORD) == alice
    for _ in range(ACCOUNT_POLICY.max_failures - 1):
        assert _login(kit, "Wrong-Password-1") == FAILED


def test_many_failures_from_one_ip_lock_that_ip_only(kit: Kit, alice: UserView) -> None:
    for i in range(IP_POLICY.max_failures):
        _login(kit, "Wrong-Password-1", email=f"spray{i}@example.test")

    refused = _login(kit, PASSWORD)
    assert isinstance(refused, Rejected) and refused.reason is Reason.LOGIN_LOCKED
    assert _login(kit, PASSWORD, ip="198.51.100.1") == alice


def test_successes_from_an_ip_neither_count_nor_clear_its_failures(kit: Kit, alice: UserView) -> None:
    for i in range(IP_POLICY.max_failures - 1):
        _login(kit, "Wrong-Password-1", email=f"spray{i}@example.test")

    for _ in range(3):
        assert _login(kit, PASSWORD) == alice  # each success gives its reserved place back
    assert _login(kit, "Wrong-Password-1", email="spray-last@example.test") == Rejected.of(
        Reason.LOGIN_LOCKED, retry_after=str(IP_POLICY.lock_ms // 1000)
    )


def test_a_right_password_on_a_frozen_account_is_no_failure(kit: Kit, alice: UserView) -> None:
    kit.service.set_status(alice.id, UserStatus.FROZEN)
    for _ in range(2 * ACCOUNT_POLICY.max_failures):
        assert _login(kit, PASSWORD) == Rejected.of(Reason.ACCOUNT_FROZEN)
    kit.service.set_status(alice.id, UserStatus.ACTIVE)
    assert _login(kit, PASSWORD) == alice


def test_failures_spread_over_time_do_not_lock(kit: Kit, alice: UserView) -> None:
    for _ in range(3 * ACCOUNT_POLICY.max_failures):
        assert _login(kit, "Wrong-Password-1") == FAILED
        kit.clock.advance(ms=ACCOUNT_POLICY.window_ms // (ACCOUNT_POLICY.max_failures - 1) + MINUTE_MS)


def test_a_frozen_user_learns_it_only_with_the_right_password(kit: Kit, alice: UserView) -> None:
    kit.service.set_status(alice.id, UserStatus.FROZEN)

    assert _login(kit, "Wrong-Password-1") == FAILED
    assert _login(kit, PASSWORD) == Rejected.of(Reason.ACCOUNT_FROZEN)
    assert kit.service.recent_logins(alice.id) == []


def test_over_long_client_details_are_cut_to_what_is_stored(kit: Kit, alice: UserView) -> None:
    assert kit.service.login(EMAIL, PASSWORD, ip="1" * 100, user_agent="u" * 1000) == alice

    (record,) = kit.service.recent_logins(alice.id)
    assert (len(record.ip), len(record.user_agent)) == (64, 512)
