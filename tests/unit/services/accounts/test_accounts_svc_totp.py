from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sandex.domain.accounts.lockout import ACCOUNT_POLICY
from sandex.domain.accounts.recovery import CODE_COUNT
from sandex.domain.errors import Reason, Rejected
from sandex.services.accounts.service import TotpEnrollment, UserView
from tests.support.accounts import Kit

EMAIL = "alice@example.test"
TOTP_INVALID = Rejected.of(Reason.TOTP_INVALID, field="totp")


def _enroll(kit: Kit, user: UserView) -> tuple[str, list[str]]:
    enrollment = kit.service.begin_totp(user.id)
    assert isinstance(enrollment, TotpEnrollment)
    codes = kit.service.confirm_totp(user.id, kit.totp_now(enrollment.secret))
    assert isinstance(codes, list)
    kit.clock.advance(seconds=30)  # the confirming code is spent; the next one is fresh
    return enrollment.secret, codes


def test_enrollment_shows_secret_uri_and_qr_code(kit: Kit, alice: UserView) -> None:
    enrollment = kit.service.begin_totp(alice.id)

    assert isinstance(enrollment, TotpEnrollment)
    uri = urlsplit(enrollment.provisioning_uri)
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert parse_qs(uri.query) == {"secret": [enrollment.secret], "issuer": ["sandex"]}
    assert "alice%40example.test" in uri.path
    assert enrollment.qr_svg.startswith("<svg") and enrollment.qr_svg.rstrip().endswith("</svg>")
    assert enrollment.secret not in repr(enrollment)


def test_the_secret_is_stored_encrypted(kit: Kit, alice: UserView) -> None:
    enrollment = kit.service.begin_totp(alice.id)
    assert isinstance(enrollment, TotpEnrollment)

    stored = kit.store.state.users[alice.id]
    assert stored.totp_secret_ct is not None and stored.totp_key_id == "k1"
    assert enrollment.secret.encode() not in stored.totp_secret_ct
    assert not stored.totp_enabled


def test_a_first_code_turns_2fa_on_and_yields_recovery_codes(kit: Kit, alice: UserView) -> None:
    _, codes = _enroll(kit, alice)

    assert len(codes) == CODE_COUNT == len(set(codes))
    assert kit.service.get_user(alice.id).totp_enabled  # type: ignore[union-attr]
    assert "enabled" in kit.service.list_mail(EMAIL)[0].subject
    hashes = [h for _, h, _ in kit.store.state.recovery.values()]
    assert all(h.startswith("$argon2id$") for h in hashes) and not set(codes) & set(hashes)


def test_a_wrong_first_code_leaves_2fa_off(kit: Kit, alice: UserView) -> None:
    kit.service.begin_totp(alice.id)

    assert kit.service.confirm_totp(alice.id, "000000") == TOTP_INVALID
    assert not kit.service.get_user(alice.id).totp_enabled  # type: ignore[union-attr]
    assert kit.store.state.recovery == {}


def test_enrollment_states_are_refused_precisely(kit: Kit, alice: UserView) -> None:
    assert kit.service.confirm_totp(alice.id, "123456") == Rejected.of(Reason.TOTP_NOT_ENABLED)
    assert kit.service.verify_second_factor(alice.id, "123456") == Rejected.of(Reason.TOTP_NOT_ENABLED)
    sub = kit.service.create_subaccount(alice.id, "Trader01")
    assert isinstance(sub, UserView)
    assert kit.service.begin_totp(sub.id) == Rejected.of(Reason.MASTER_ONLY)
    assert kit.service.begin_totp(404) == Rejected.of(Reason.USER_NOT_FOUND)
    _enroll(kit, alice)
    assert kit.service.begin_totp(alice.id) == Rejected.of(Reason.TOTP_ALREADY_ENABLED)
    assert kit.service.confirm_totp(alice.id, "123456") == Rejected.of(Reason.TOTP_ALREADY_ENABLED)


def test_a_totp_code_works_once_even_inside_its_window(kit: Kit, alice: UserView) -> None:
    secret, _ = _enroll(kit, alice)
    code = kit.totp_now(secret)

    assert kit.service.verify_second_factor(alice.id, code) is None
    assert kit.service.verify_second_factor(alice.id, code) == TOTP_INVALID
    kit.clock.advance(seconds=30)
    assert kit.service.verify_second_factor(alice.id, kit.totp_now(secret)) is None


def test_the_confirming_code_cannot_be_replayed(kit: Kit, alice: UserView) -> None:
    enrollment = kit.service.begin_totp(alice.id)
    assert isinstance(enrollment, TotpEnrollment)
    code = kit.totp_now(enrollment.secret)
    kit.service.confirm_totp(alice.id, code)

    assert kit.service.verify_second_factor(alice.id, code) == TOTP_INVALID


def test_a_recovery_code_stands_in_for_the_device_once(kit: Kit, alice: UserView) -> None:
    _, codes = _enroll(kit, alice)

    assert kit.service.verify_second_factor(alice.id, codes[3].upper().replace("-", " ")) is None
    assert kit.service.verify_second_factor(alice.id, codes[3]) == Rejected.of(
        Reason.TOTP_INVALID, field="recovery_code"
    )
    assert kit.service.verify_second_factor(alice.id, codes[4]) is None


def test_guessing_codes_locks_the_second_factor(kit: Kit, alice: UserView) -> None:
    secret, _ = _enroll(kit, alice)
    answers = [
        kit.service.verify_second_factor(alice.id, "000000") for _ in range(ACCOUNT_POLICY.max_failures)
    ]

    assert answers[-1] == Rejected.of(Reason.LOGIN_LOCKED, retry_after=str(ACCOUNT_POLICY.lock_ms // 1000))
    locked = kit.service.verify_second_factor(alice.id, kit.totp_now(secret))
    assert isinstance(locked, Rejected) and locked.reason is Reason.LOGIN_LOCKED


def test_disabling_needs_a_code_and_an_email_code(kit: Kit, alice: UserView) -> None:
    secret, _ = _enroll(kit, alice)
    kit.service.send_email_code(alice.id, "totp_disable")
    email_code = kit.last_code(EMAIL)

    assert kit.service.disable_totp(alice.id, "", email_code) == Rejected.of(
        Reason.TOTP_REQUIRED, field="totp"
    )
    assert kit.service.disable_totp(alice.id, kit.totp_now(secret), "") == Rejected.of(
        Reason.EMAIL_CODE_REQUIRED, field="code"
    )
    assert kit.service.disable_totp(alice.id, "000000", email_code) == TOTP_INVALID
    assert kit.service.get_user(alice.id).totp_enabled  # type: ignore[union-attr]

    # the wrong TOTP did not use up the email code
    assert kit.service.disable_totp(alice.id, kit.totp_now(secret), email_code) is None
    assert not kit.service.get_user(alice.id).totp_enabled  # type: ignore[union-attr]
    assert kit.store.state.recovery == {}
    assert "disabled" in kit.service.list_mail(EMAIL)[0].subject
    assert kit.service.disable_totp(alice.id, "123456", email_code) == Rejected.of(Reason.TOTP_NOT_ENABLED)


def test_a_wrong_email_code_does_not_spend_the_totp_code(kit: Kit, alice: UserView) -> None:
    secret, _ = _enroll(kit, alice)
    kit.service.send_email_code(alice.id, "totp_disable")
    email_code = kit.last_code(EMAIL)
    code = kit.totp_now(secret)

    refused = kit.service.disable_totp(alice.id, code, f"{(int(email_code) + 1) % 1_000_000:06d}")
    assert isinstance(refused, Rejected) and refused.reason is Reason.EMAIL_CODE_INVALID
    assert kit.service.disable_totp(alice.id, code, email_code) is None


def test_a_recovery_code_can_disable_2fa(kit: Kit, alice: UserView) -> None:
    _, codes = _enroll(kit, alice)
    kit.service.send_email_code(alice.id, "totp_disable")

    assert kit.service.disable_totp(alice.id, codes[0], kit.last_code(EMAIL)) is None


def test_2fa_can_be_set_up_again_after_disabling(kit: Kit, alice: UserView) -> None:
    secret, _ = _enroll(kit, alice)
    kit.service.send_email_code(alice.id, "totp_disable")
    kit.service.disable_totp(alice.id, kit.totp_now(secret), kit.last_code(EMAIL))

    new_secret, codes = _enroll(kit, alice)
    assert new_secret != secret and len(codes) == CODE_COUNT
