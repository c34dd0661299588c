"""Revoking an API key: the 2FA code alone confirms it (seed 000), never a mailed code."""

from __future__ import annotations

from sandex.domain.accounts.email_codes import CodePurpose
from sandex.domain.errors import Reason, Rejected
from sandex.services.accounts.security import Confirmation
from sandex.services.accounts.service import TotpEnrollment, UserView
from tests.support.accounts import Kit, MemoryUnitOfWork

REVOKE = CodePurpose.API_KEY_REVOKE


def _with_2fa(kit: Kit, user: UserView) -> str:
    enrollment = kit.service.begin_totp(user.id)
    assert isinstance(enrollment, TotpEnrollment)
    kit.service.confirm_totp(user.id, kit.totp_now(enrollment.secret))
    kit.clock.advance(seconds=30)
    return enrollment.secret


def _check(kit: Kit, user: UserView, code: str | None) -> Confirmation | Rejected | None:
    with MemoryUnitOfWork(kit.store) as uow:
        checked = kit.service.check_totp_action(uow, user.id, REVOKE, totp_code=code)
        if isinstance(checked, Confirmation):
            assert kit.service.use_confirmation(uow, checked) is None
            uow.commit()
    return checked


def test_without_2fa_there_is_nothing_to_ask(kit: Kit, alice: UserView) -> None:
    assert _check(kit, alice, None) is None


def test_with_2fa_a_fresh_code_is_needed_and_works_once(kit: Kit, alice: UserView) -> None:
    secret = _with_2fa(kit, alice)
    assert _check(kit, alice, None) == Rejected.of(Reason.TOTP_REQUIRED, field="totp")
    code = kit.totp_now(secret)
    assert isinstance(_check(kit, alice, code), Confirmation)
    replayed = _check(kit, alice, code)
    assert isinstance(replayed, Rejected) and replayed.reason is Reason.TOTP_INVALID


def test_no_code_is_ever_mailed_for_it(kit: Kit, alice: UserView) -> None:
    before = kit.outbox.list_for("alice@example.test", 50)
    refused = kit.service.send_email_code(alice.id, REVOKE.value)
    assert refused == Rejected.of(Reason.PARAM_ERROR, field="purpose")
    assert kit.outbox.list_for("alice@example.test", 50) == before
