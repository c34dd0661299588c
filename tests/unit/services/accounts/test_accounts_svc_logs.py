"""No password, code or secret ever reaches a log record, whatever the flow and its outcome."""

from __future__ import annotations

import logging

import pytest

from sandex.services.accounts.service import TotpEnrollment, UserView
from tests.support.accounts import Kit
from tests.support.factories import PASSWORD


def _all_flows(kit: Kit) -> list[str]:
    """Sign-up, logins (right, wrong, locked), 2FA set-up and use, email codes; the secrets involved."""
    service, email = kit.service, "alice@example.test"
    secrets = [PASSWORD, "Wrong-Password-1", "Weak"]
    service.register(email, "Weak")
    user = service.register(email, PASSWORD)
    assert isinstance(user, UserView)
    service.login(email, PASSWORD, ip="203.0.113.7", user_agent="ua")
    for _ in range(6):
        service.login(email, "Wrong-Password-1", ip="203.0.113.7", user_agent="ua")
    kit.clock.advance(days=1)

    enrollment = service.begin_totp(user.id)
    assert isinstance(enrollment, TotpEnrollment)
    first = kit.totp_now(enrollment.secret)
    recovery = service.confirm_totp(user.id, first)
    assert isinstance(recovery, list)
    secrets += [enrollment.secret, first, *recovery]
    kit.clock.advance(seconds=30)

    service.verify_second_factor(user.id, recovery[0])
    service.verify_second_factor(user.id, "000000")
    service.send_email_code(user.id, "api_key_create")
    code = kit.last_code(email)
    totp = kit.totp_now(enrollment.secret)
    service.verify_email_code(user.id, "api_key_create", "999999")
    service.verify_sensitive_action(user.id, "api_key_create", totp_code=totp, email_code=code)
    service.send_email_code(user.id, "totp_disable")
    disable_code = kit.last_code(email)
    kit.clock.advance(seconds=30)
    later = kit.totp_now(enrollment.secret)
    service.disable_totp(user.id, later, disable_code)
    return [*secrets, code, totp, disable_code, later]


def test_no_secret_appears_in_any_log_record(kit: Kit, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        secrets = _all_flows(kit)

    assert caplog.records, "the flows are expected to log something"
    logged = caplog.text + "".join(repr(r.args) + r.getMessage() for r in caplog.records)
    leaked = [s for s in secrets if s in logged]
    assert leaked == []
