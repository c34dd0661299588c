"""Email codes can't be farmed: issuance limits, one live code at a time, a guess cap across codes,
and an outbox that forgets a code's digits once the code is spent."""

from __future__ import annotations

from sandex.domain.accounts.email_codes import (
    ADDRESS_ISSUE_POLICY,
    CODE_TTL_MS,
    GUESS_POLICY,
    ISSUE_POLICY,
    MAX_ATTEMPTS,
)
from sandex.domain.errors import Reason, Rejected
from sandex.services.accounts.service import UserView
from tests.support.accounts import Kit, make_kit, wrong_code
from tests.support.factories import PASSWORD

EMAIL = "alice@example.test"
CREATE = "api_key_create"
TOO_FREQUENT = Reason.EMAIL_CODE_TOO_FREQUENT


def _send(kit: Kit, user: UserView, purpose: str = CREATE) -> str:
    assert kit.service.send_email_code(user.id, purpose) is None
    return kit.last_code(EMAIL)


def test_unused_codes_per_purpose_are_limited_until_the_window_passes(kit: Kit, alice: UserView) -> None:
    for _ in range(ISSUE_POLICY.max_failures):
        _send(kit, alice)
    kit.clock.advance(seconds=1)

    refused = kit.service.send_email_code(alice.id, CREATE)
    assert refused == Rejected.of(TOO_FREQUENT, retry_after=str(ISSUE_POLICY.window_ms // 1000 - 1))
    assert len(kit.service.list_mail(EMAIL)) == ISSUE_POLICY.max_failures
    assert kit.service.send_email_code(alice.id, "api_key_delete") is None  # another purpose: its own limit
    kit.clock.advance(ms=ISSUE_POLICY.window_ms)
    assert kit.service.send_email_code(alice.id, CREATE) is None


def test_using_a_code_gives_its_place_back(kit: Kit, alice: UserView) -> None:
    for _ in range(2 * ISSUE_POLICY.max_failures):
        assert kit.service.verify_email_code(alice.id, CREATE, _send(kit, alice)) is None


def test_a_code_that_could_not_be_mailed_does_not_count() -> None:
    kit = make_kit(broken_mail=True)
    user = kit.service.register(EMAIL, PASSWORD)
    assert isinstance(user, UserView)
    for _ in range(ISSUE_POLICY.max_failures + 1):
        assert kit.service.send_email_code(user.id, CREATE) == Rejected.of(Reason.SERVICE_UNAVAILABLE)


def test_one_client_address_gets_a_capped_number_of_codes_an_hour(kit: Kit, alice: UserView) -> None:
    ip = "203.0.113.5"
    for n in range(ADDRESS_ISSUE_POLICY.max_failures):
        assert kit.service.send_email_code(alice.id, "api_key_activate", f"key-{n}", ip=ip) is None

    refused = kit.service.send_email_code(alice.id, "api_key_activate", "key-x", ip=ip)
    assert isinstance(refused, Rejected) and refused.reason is TOO_FREQUENT
    assert kit.service.send_email_code(alice.id, "api_key_activate", "key-x", ip="203.0.113.6") is None


def test_a_new_code_kills_the_older_one_and_blanks_it_in_the_outbox(kit: Kit, alice: UserView) -> None:
    first = _send(kit, alice)
    second = _send(kit, alice)

    older, newer = kit.service.list_mail(EMAIL)[::-1]
    assert newer.code == second and first not in older.body and older.code is None
    assert "no longer valid" in older.body
    if first != second:
        refused = kit.service.verify_email_code(alice.id, CREATE, first)
        assert isinstance(refused, Rejected) and refused.reason is Reason.EMAIL_CODE_INVALID
    assert kit.service.verify_email_code(alice.id, CREATE, second) is None


def test_the_outbox_shows_a_live_code_and_blanks_it_once_used(kit: Kit, alice: UserView) -> None:
    code = _send(kit, alice)
    (live,) = kit.service.list_mail(EMAIL)
    assert live.code == code and code in live.body

    assert kit.service.verify_email_code(alice.id, CREATE, code) is None

    (spent,) = kit.service.list_mail(EMAIL)
    assert spent.code is None and code not in spent.body
    assert "create an API key" in spent.body  # the rest of the mail is still there


def test_the_outbox_blanks_an_expired_code(kit: Kit, alice: UserView) -> None:
    code = _send(kit, alice)
    kit.clock.advance(ms=CODE_TTL_MS - 1)
    assert kit.service.list_mail(EMAIL)[0].code == code
    kit.clock.advance(ms=1)
    (expired,) = kit.service.list_mail(EMAIL)
    assert expired.code is None and code not in expired.body


def test_asking_for_new_codes_gives_no_extra_guesses(kit: Kit, alice: UserView) -> None:
    guesses = 0
    while guesses < GUESS_POLICY.max_failures:
        code = _send(kit, alice)
        for _ in range(MAX_ATTEMPTS):
            answer = kit.service.verify_email_code(alice.id, CREATE, wrong_code(code))
            guesses += 1
            assert isinstance(answer, Rejected)
            if guesses == GUESS_POLICY.max_failures:
                break

    assert answer == Rejected.of(
        Reason.LOGIN_LOCKED, field="code", retry_after=str(GUESS_POLICY.lock_ms // 1000)
    )
    kit.clock.advance(ms=ISSUE_POLICY.window_ms)
    code = _send(kit, alice)
    locked = kit.service.verify_email_code(alice.id, CREATE, code)  # even the right code, for now
    assert isinstance(locked, Rejected) and locked.reason is Reason.LOGIN_LOCKED
    kit.clock.advance(ms=GUESS_POLICY.lock_ms)
    code = _send(kit, alice)
    assert kit.service.verify_email_code(alice.id, CREATE, code) is None


def test_the_guess_cap_is_per_purpose(kit: Kit, alice: UserView) -> None:
    for _ in range(2):
        code = _send(kit, alice)
        for _ in range(MAX_ATTEMPTS):
            kit.service.verify_email_code(alice.id, CREATE, wrong_code(code))

    assert (
        kit.service.verify_email_code(alice.id, "api_key_delete", _send(kit, alice, "api_key_delete")) is None
    )


def test_a_right_code_clears_the_wrong_guesses_of_its_purpose(kit: Kit, alice: UserView) -> None:
    code = _send(kit, alice)
    for _ in range(MAX_ATTEMPTS - 1):
        kit.service.verify_email_code(alice.id, CREATE, wrong_code(code))
    assert kit.service.verify_email_code(alice.id, CREATE, code) is None

    for _ in range(2):
        code = _send(kit, alice)
        for _ in range(MAX_ATTEMPTS - 1):
            refused = kit.service.verify_email_code(alice.id, CREATE, wrong_code(code))
            assert isinstance(refused, Rejected) and refused.reason is Reason.EMAIL_CODE_INVALID
    assert kit.service.verify_email_code(alice.id, CREATE, code) is None
