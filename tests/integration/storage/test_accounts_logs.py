"""The whole process, SQL logging included, never logs a password, code or secret."""

from __future__ import annotations

import logging
from pathlib import Path

import pyotp
import pytest

from sandex.config import Settings
from sandex.process import open_runtime
from sandex.services.accounts.service import AccountsService, TotpEnrollment, UserView

PASSWORD = "Correct-Horse-9"
EMAIL = "alice@example.test"


def _flows(accounts: AccountsService) -> list[str]:
    secrets = [PASSWORD, "Wrong-Password-9"]
    user = accounts.register(EMAIL, PASSWORD)
    assert isinstance(user, UserView)
    accounts.login(EMAIL, "Wrong-Password-9", ip="203.0.113.7", user_agent="ua")
    accounts.login(EMAIL, PASSWORD, ip="203.0.113.7", user_agent="ua")
    enrollment = accounts.begin_totp(user.id)
    assert isinstance(enrollment, TotpEnrollment)
    first = pyotp.TOTP(enrollment.secret).now()
    recovery = accounts.confirm_totp(user.id, first)
    assert isinstance(recovery, list)
    accounts.verify_second_factor(user.id, recovery[1])
    accounts.send_email_code(user.id, "api_key_create")
    code = accounts.list_mail(EMAIL)[0].code
    assert code is not None
    accounts.verify_email_code(user.id, "api_key_create", "000000")
    accounts.verify_email_code(user.id, "api_key_create", code)
    return [*secrets, enrollment.secret, first, *recovery, code]


def test_no_secret_reaches_the_logs_even_with_sql_logging_on(
    tmp_path: Path, migrated_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=migrated_database_url, rate_limits="off")
    # An operator debugging the database turns SQL logging on: statements are logged, values never.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        with caplog.at_level(logging.DEBUG):
            runtime = open_runtime(settings, fast_hashing=True)
            secrets = _flows(runtime.accounts)
        runtime.engine.dispose()
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.NOTSET)

    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records), "SQL logging was not on"
    logged = caplog.text + "".join(repr(r.args) + r.getMessage() for r in caplog.records)
    assert [s for s in secrets if s in logged] == []
