"""The accounts service over the real SQL unit of work, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyotp
import pytest
from sqlalchemy import Connection, Engine, func, select, text

from sandex.domain.accounts.email_codes import CODE_TTL_MS, CodePurpose
from sandex.domain.accounts.lockout import ACCOUNT_POLICY
from sandex.domain.accounts.model import UserStatus
from sandex.domain.errors import Reason, Rejected
from sandex.runtime.crypto import AesGcmCipher, Argon2Hasher, OsRandom
from sandex.runtime.mailers import OutboxMailer
from sandex.services.accounts.ports import ConflictError, NewUser
from sandex.services.accounts.service import AccountsService, TotpEnrollment, UserView
from sandex.storage.db import create_db_engine, migrate, session_factory
from sandex.storage.orm.accounts import EmailCodeRow, LoginThrottleRow, MailRow, UserRow
from sandex.storage.repositories import SqlMailOutbox, SqlUserRepository
from sandex.storage.uow import SqlUnitOfWork, unit_of_work_factory
from sandex.testing.clock import ManualClock

PASSWORD = "Correct-Horse-9"
EMAIL = "alice@example.test"


@dataclass
class Env:
    engine: Engine
    clock: ManualClock
    cipher: AesGcmCipher

    def service(self) -> AccountsService:
        """A fresh service on the same database: what another process would see."""
        sessions = session_factory(self.engine)
        outbox = SqlMailOutbox(sessions)
        return AccountsService(
            unit_of_work_factory(sessions),
            clock=self.clock,
            hasher=Argon2Hasher(fast=True),
            cipher=self.cipher,
            random=OsRandom(),
            mailer=OutboxMailer(outbox, self.clock),
            outbox=outbox,
            email_pepper=self.cipher.derive_key(b"email-codes"),
        )

    def count(self, row: type) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(row)) or 0)


@pytest.fixture
def env(migrated_database_url: str) -> Iterator[Env]:
    engine = create_db_engine(migrated_database_url)
    migrate(engine)
    yield Env(engine, ManualClock(1_750_000_000_000), AesGcmCipher({"k1": b"k" * 32}, "k1"))
    engine.dispose()


def _alice(service: AccountsService) -> UserView:
    user = service.register(EMAIL, PASSWORD)
    assert isinstance(user, UserView)
    return user


def test_a_registered_user_logs_in_from_another_process(env: Env) -> None:
    alice = _alice(env.service())

    other = env.service()
    assert other.login(EMAIL, PASSWORD, ip="203.0.113.7", user_agent="ua/1") == alice
    assert [r.ip for r in other.recent_logins(alice.id)] == ["203.0.113.7"]
    assert other.register("ALICE@example.test", PASSWORD) == Rejected.of(Reason.EMAIL_TAKEN, field="email")
    assert env.count(UserRow) == 1


def test_lockout_is_shared_by_every_process_on_the_database(env: Env) -> None:
    _alice(env.service())
    for _ in range(ACCOUNT_POLICY.max_failures):
        env.service().login(EMAIL, "Wrong-Password-1", ip="203.0.113.7", user_agent="ua")

    refused = env.service().login(EMAIL, PASSWORD, ip="203.0.113.7", user_agent="ua")
    assert isinstance(refused, Rejected) and refused.reason is Reason.LOGIN_LOCKED
    assert env.count(LoginThrottleRow) == 2  # one per account, one per IP: upserted, not duplicated


def test_a_duplicate_insert_is_a_conflict_not_a_crash(env: Env) -> None:
    _alice(env.service())
    sessions = session_factory(env.engine)

    with SqlUnitOfWork(sessions) as uow, pytest.raises(ConflictError):
        uow.users.add(NewUser(uid="1234567890123456", created_ms=1, email=EMAIL, password_hash="x"))
    assert env.count(UserRow) == 1


def test_leaving_a_unit_of_work_without_commit_changes_nothing(env: Env) -> None:
    sessions = session_factory(env.engine)
    with SqlUnitOfWork(sessions) as uow:
        uow.users.add(NewUser(uid="1234567890123456", created_ms=1, email=EMAIL, password_hash="x"))
        uow.counters.bump("users")
    assert env.count(UserRow) == 0
    with SqlUnitOfWork(sessions) as uow:
        assert uow.counters.version("users") == 0


def test_change_counters_count_every_bump(env: Env) -> None:
    sessions = session_factory(env.engine)
    for _ in range(3):
        with SqlUnitOfWork(sessions) as uow:
            uow.counters.bump("users")
            uow.commit()
    with SqlUnitOfWork(sessions) as uow:
        assert (uow.counters.version("users"), uow.counters.version("keys")) == (3, 0)


def test_sub_account_names_are_unique_and_case_sensitive_in_the_database(env: Env) -> None:
    service = env.service()
    alice = _alice(service)

    assert isinstance(service.create_subaccount(alice.id, "Trader01", "one"), UserView)
    assert isinstance(service.create_subaccount(alice.id, "trader01"), UserView)
    assert service.create_subaccount(alice.id, "Trader01") == Rejected.of(
        Reason.SUBACCOUNT_NAME_TAKEN, field="sub_account"
    )
    sessions = session_factory(env.engine)
    with SqlUnitOfWork(sessions) as uow, pytest.raises(ConflictError):
        uow.users.add(NewUser(uid="1234567890123456", created_ms=1, sub_name="Trader01", master_id=alice.id))


def test_sub_account_list_filters_run_in_sql(env: Env) -> None:
    service = env.service()
    alice = _alice(service)
    stamps = []
    for name in ("Alpha0001", "Bravo0002", "Charlie03"):
        stamps.append(service.create_subaccount(alice.id, name).created_ms)  # type: ignore[union-attr]
        env.clock.advance(seconds=1)
    service.set_subaccount_enabled(alice.id, "Alpha0001", False)

    def names(**filters: object) -> list[str]:
        return [s.name for s in service.list_subaccounts(alice.id, **filters)]  # type: ignore[arg-type]

    assert names() == ["Charlie03", "Bravo0002", "Alpha0001"]
    assert names(enable=False) == ["Alpha0001"]
    assert names(after_ms=stamps[2], limit=1) == ["Bravo0002"]
    assert names(before_ms=stamps[0], name="Bravo0002") == ["Bravo0002"]
    frozen = service.get_subaccount(alice.id, "Alpha0001")
    assert isinstance(frozen, UserView)
    assert env.service().effective_status(frozen.id) is UserStatus.FROZEN


def test_email_codes_round_trip_through_the_database(env: Env) -> None:
    service = env.service()
    alice = _alice(service)
    service.send_email_code(alice.id, "api_key_create", reference="draft-1")
    (mail,) = service.list_mail(EMAIL)
    assert mail.code is not None

    wrong = f"{(int(mail.code) + 1) % 1_000_000:06d}"
    assert env.service().verify_email_code(alice.id, "api_key_create", wrong, "draft-1") == Rejected.of(
        Reason.EMAIL_CODE_INVALID, field="code", attempts_left="4"
    )
    assert env.service().verify_email_code(alice.id, "api_key_create", mail.code, "draft-1") is None
    assert env.service().verify_email_code(alice.id, "api_key_create", mail.code, "draft-1") == Rejected.of(
        Reason.EMAIL_CODE_EXPIRED, field="code"
    )
    with env.engine.connect() as conn:
        stored = conn.execute(
            select(EmailCodeRow.code_hash, EmailCodeRow.attempts, EmailCodeRow.used_ms)
        ).one()
    assert mail.code not in stored.code_hash and stored.attempts == 1 and stored.used_ms is not None


def test_two_factor_state_persists(env: Env) -> None:
    service = env.service()
    alice = _alice(service)
    enrollment = service.begin_totp(alice.id)
    assert isinstance(enrollment, TotpEnrollment)
    totp = pyotp.TOTP(enrollment.secret)
    recovery = env.service().confirm_totp(alice.id, totp.at(env.clock.now_ms() // 1000))
    assert isinstance(recovery, list)
    with env.engine.connect() as conn:
        secret_ct = conn.scalar(select(UserRow.totp_secret_ct))
    assert secret_ct is not None and enrollment.secret.encode() not in secret_ct

    assert env.service().verify_second_factor(alice.id, recovery[0]) is None
    assert isinstance(env.service().verify_second_factor(alice.id, recovery[0]), Rejected)
    env.clock.advance(seconds=30)
    assert env.service().verify_second_factor(alice.id, totp.at(env.clock.now_ms() // 1000)) is None


def test_the_outbox_lists_mail_per_address_newest_first(env: Env) -> None:
    service = env.service()
    alice = _alice(service)
    bob = service.register("bob@example.test", PASSWORD)
    assert isinstance(bob, UserView)
    service.send_email_code(alice.id, "api_key_create")
    env.clock.advance(seconds=1)
    service.send_email_code(alice.id, "api_key_delete")
    service.send_email_code(bob.id, "api_key_create")

    mails = env.service().list_mail(" Alice@Example.test")
    assert [m.to for m in mails] == [EMAIL, EMAIL]
    assert "delete an API key" in mails[0].body and "create an API key" in mails[1].body
    assert len(env.service().list_mail(EMAIL, limit=1)) == 1
    assert env.count(MailRow) == 3


def test_of_two_racing_requests_with_one_code_only_one_uses_it(env: Env) -> None:
    service = env.service()
    alice = _alice(service)
    service.send_email_code(alice.id, "api_key_create")
    sessions = session_factory(env.engine)

    with SqlUnitOfWork(sessions) as first, SqlUnitOfWork(sessions) as second:
        seen_first = first.email_codes.latest(alice.id, CodePurpose.API_KEY_CREATE, "")
        seen_second = second.email_codes.latest(alice.id, CodePurpose.API_KEY_CREATE, "")
        assert seen_first is not None and seen_second is not None
        assert first.email_codes.use(seen_first.id, 1)
        assert first.users.advance_totp_step(alice.id, 100)
        first.commit()

        assert not second.email_codes.use(seen_second.id, 2)
        assert not second.users.advance_totp_step(alice.id, 100)
        assert second.users.advance_totp_step(alice.id, 101)


def _outbox_bodies(env: Env) -> list[str]:
    with env.engine.connect() as conn:
        return list(conn.scalars(select(MailRow.body).order_by(MailRow.id)))


def test_the_outbox_keeps_a_code_only_while_it_can_be_used(env: Env) -> None:
    service = env.service()
    alice = _alice(service)
    service.send_email_code(alice.id, "api_key_create")
    used = service.list_mail(EMAIL)[0].code
    service.send_email_code(alice.id, "api_key_delete")
    replaced = service.list_mail(EMAIL)[0].code
    service.send_email_code(alice.id, "api_key_delete")
    live = service.list_mail(EMAIL)[0].code
    assert used and replaced and live

    assert env.service().verify_email_code(alice.id, "api_key_create", used) is None

    bodies = _outbox_bodies(env)  # what is stored, not only what is shown
    assert used not in bodies[0] and replaced not in bodies[1] and live in bodies[2]
    assert [m.code for m in env.service().list_mail(EMAIL)] == [live, None, None]
    env.clock.advance(ms=CODE_TTL_MS)
    assert [m.code for m in env.service().list_mail(EMAIL)] == [None, None, None]
    assert not any(live in body for body in _outbox_bodies(env))


def _two_factor_state(connection: Connection) -> tuple[int, bool, int]:
    """Spent email codes, whether 2FA is on, and how many recovery codes are stored."""
    spent = connection.scalar(
        select(func.count()).select_from(EmailCodeRow).where(EmailCodeRow.used_ms.is_not(None))
    )
    enabled = connection.scalar(select(UserRow.totp_enabled).where(UserRow.email == EMAIL))
    recovery = connection.scalar(text("SELECT count(*) FROM recovery_codes"))
    return int(spent or 0), bool(enabled), int(recovery or 0)


def _with_2fa_and_a_disable_code(env: Env) -> tuple[AccountsService, UserView, pyotp.TOTP, str]:
    service = env.service()
    alice = _alice(service)
    enrollment = service.begin_totp(alice.id)
    assert isinstance(enrollment, TotpEnrollment)
    totp = pyotp.TOTP(enrollment.secret)
    assert not isinstance(service.confirm_totp(alice.id, totp.at(env.clock.now_ms() // 1000)), Rejected)
    env.clock.advance(seconds=30)  # the next TOTP code is a new step (replay guard)
    assert service.send_email_code(alice.id, CodePurpose.TOTP_DISABLE.value) is None
    code = service.list_mail(EMAIL)[0].code
    assert code is not None
    return service, alice, totp, code


def test_turning_2fa_off_spends_both_codes_in_the_commit_that_turns_it_off(
    env: Env, commit_log: Callable[..., list[tuple[int, bool, int]]]
) -> None:
    service, alice, totp, code = _with_2fa_and_a_disable_code(env)
    with env.engine.connect() as connection:
        before = _two_factor_state(connection)
    log = commit_log(env.engine, _two_factor_state)
    assert service.disable_totp(alice.id, totp.at(env.clock.now_ms() // 1000), code) is None
    after = (before[0] + 1, False, 0)
    # the TOTP guess and the email-code guess are counted first; then one commit does the rest
    assert log[:3] == [before, before, after] and all(state == after for state in log[3:])


def test_a_failure_while_turning_2fa_off_leaves_it_on_and_the_codes_usable(
    env: Env, commit_log: Callable[..., list[tuple[int, bool, int]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    service, alice, totp, code = _with_2fa_and_a_disable_code(env)
    with env.engine.connect() as connection:
        before = _two_factor_state(connection)
    log = commit_log(env.engine, _two_factor_state)

    def broken(*args: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(SqlUserRepository, "replace_recovery_codes", broken)
    with pytest.raises(RuntimeError):
        service.disable_totp(alice.id, totp.at(env.clock.now_ms() // 1000), code)
    assert log and all(state == before for state in log)
    monkeypatch.undo()
    assert service.disable_totp(alice.id, totp.at(env.clock.now_ms() // 1000), code) is None
