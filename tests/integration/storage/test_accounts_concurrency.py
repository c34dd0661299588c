"""Attempt caps hold under parallel requests, on SQLite and PostgreSQL alike.

Each test fires N requests at once from N threads (as N console workers or processes would) and
counts how often the expensive check really ran: never more than the cap, whatever the timing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import pyotp
import pytest
from sqlalchemy import Engine, func, select

from sandex.domain.accounts import email_codes
from sandex.domain.accounts.email_codes import ADDRESS_ISSUE_POLICY, ISSUE_POLICY, MAX_ATTEMPTS
from sandex.domain.accounts.lockout import ACCOUNT_POLICY, IP_POLICY
from sandex.domain.errors import Reason, Rejected
from sandex.runtime.crypto import AesGcmCipher, Argon2Hasher, OsRandom
from sandex.runtime.mailers import OutboxMailer
from sandex.services.accounts.service import AccountsService, TotpEnrollment, UserView
from sandex.storage.db import create_db_engine, migrate, session_factory
from sandex.storage.orm.accounts import EmailCodeRow, MailRow
from sandex.storage.repositories import SqlMailOutbox
from sandex.storage.uow import unit_of_work_factory
from sandex.testing.clock import ManualClock

PARALLEL = 40
PASSWORD = "Correct-Horse-9"
EMAIL = "alice@example.test"
T = TypeVar("T")


class Tally:
    """A thread-safe count of calls."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0

    def hit(self) -> None:
        with self._lock:
            self.calls += 1


class CountingHasher:
    """Fast argon2, counting verifications (the expensive check of a password or recovery code)."""

    def __init__(self) -> None:
        self._inner = Argon2Hasher(fast=True)
        self.verified, self.hashed = Tally(), Tally()

    def hash(self, secret: str) -> str:
        self.hashed.hit()
        return self._inner.hash(secret)

    def verify(self, hashed: str, secret: str) -> bool:
        self.verified.hit()
        return self._inner.verify(hashed, secret)


class CountingCipher(AesGcmCipher):
    """Counts decryptions: every TOTP check decrypts the user's secret once."""

    def __init__(self) -> None:
        super().__init__({"k1": b"k" * 32}, "k1")
        self.decrypted = Tally()

    def decrypt(self, key_id: str, ciphertext: bytes, associated: bytes) -> bytes:
        self.decrypted.hit()
        return super().decrypt(key_id, ciphertext, associated)


@dataclass
class Env:
    engine: Engine
    service: AccountsService
    clock: ManualClock
    hasher: CountingHasher
    cipher: CountingCipher

    def count(self, row: type) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(row)) or 0)


@pytest.fixture
def env(migrated_database_url: str) -> Iterator[Env]:
    engine = create_db_engine(migrated_database_url)
    migrate(engine)
    sessions, clock = session_factory(engine), ManualClock(1_750_000_000_000)
    hasher, cipher, outbox = CountingHasher(), CountingCipher(), SqlMailOutbox(sessions)
    service = AccountsService(
        unit_of_work_factory(sessions),
        clock=clock,
        hasher=hasher,
        cipher=cipher,
        random=OsRandom(),
        mailer=OutboxMailer(outbox, clock),
        outbox=outbox,
        email_pepper=cipher.derive_key(b"email-codes"),
    )
    yield Env(engine, service, clock, hasher, cipher)
    engine.dispose()


def all_at_once(attempt: Callable[[int], T], n: int = PARALLEL) -> list[T]:
    """Run attempt(0..n-1) in n threads released together."""
    start = threading.Barrier(n, timeout=120)

    def run(i: int) -> T:
        start.wait()
        return attempt(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def reasons(answers: list[Rejected | None]) -> list[Reason | None]:
    return [answer.reason if isinstance(answer, Rejected) else None for answer in answers]


def _alice(env: Env) -> UserView:
    user = env.service.register(EMAIL, PASSWORD)
    assert isinstance(user, UserView)
    return user


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_parallel_wrong_passwords_from_many_addresses_lock_the_account_after_five(env: Env) -> None:
    _alice(env)
    before = env.hasher.verified.calls

    answers = all_at_once(
        lambda i: env.service.login(EMAIL, "Wrong-Password-1", ip=f"198.51.100.{i}", user_agent="ua")
    )

    assert env.hasher.verified.calls - before <= ACCOUNT_POLICY.max_failures
    seen = reasons(answers)  # type: ignore[arg-type]
    assert set(seen) <= {Reason.LOGIN_FAILED, Reason.LOGIN_LOCKED}
    assert seen.count(Reason.LOGIN_FAILED) < ACCOUNT_POLICY.max_failures
    refused = env.service.login(EMAIL, PASSWORD, ip="192.0.2.1", user_agent="ua")
    assert isinstance(refused, Rejected) and refused.reason is Reason.LOGIN_LOCKED
    assert 0 < int(refused.params["retry_after"]) <= ACCOUNT_POLICY.lock_ms // 1000


def test_parallel_guesses_from_one_address_stop_at_its_cap(env: Env) -> None:
    _alice(env)
    before, hashed = env.hasher.verified.calls, env.hasher.hashed.calls

    answers = all_at_once(
        lambda i: env.service.login(
            f"user{i}@example.test", "Wrong-Password-1", ip="203.0.113.9", user_agent="ua"
        )
    )

    assert env.hasher.verified.calls - before <= IP_POLICY.max_failures
    assert env.hasher.hashed.calls - hashed == 1  # the stand-in hash for unknown emails, made once
    assert set(reasons(answers)) <= {Reason.LOGIN_FAILED, Reason.LOGIN_LOCKED}  # type: ignore[arg-type]
    blocked = env.service.login(EMAIL, PASSWORD, ip="203.0.113.9", user_agent="ua")
    assert isinstance(blocked, Rejected) and blocked.reason is Reason.LOGIN_LOCKED
    assert isinstance(env.service.login(EMAIL, PASSWORD, ip="203.0.113.10", user_agent="ua"), UserView)


def test_parallel_totp_guesses_are_checked_at_most_five_times(env: Env) -> None:
    alice = _alice(env)
    enrollment = env.service.begin_totp(alice.id)
    assert isinstance(enrollment, TotpEnrollment)
    totp = pyotp.TOTP(enrollment.secret)
    assert isinstance(env.service.confirm_totp(alice.id, totp.at(env.clock.now_ms() // 1000)), list)
    env.clock.advance(seconds=30)
    right = totp.at(env.clock.now_ms() // 1000)
    before = env.cipher.decrypted.calls

    answers = all_at_once(lambda _: env.service.verify_second_factor(alice.id, _wrong(right)))

    assert env.cipher.decrypted.calls - before <= ACCOUNT_POLICY.max_failures
    assert set(reasons(answers)) <= {Reason.TOTP_INVALID, Reason.LOGIN_LOCKED}
    refused = env.service.verify_second_factor(alice.id, right)
    assert isinstance(refused, Rejected) and refused.reason is Reason.LOGIN_LOCKED


def test_parallel_recovery_code_guesses_run_argon2_for_at_most_five(env: Env) -> None:
    alice = _alice(env)
    enrollment = env.service.begin_totp(alice.id)
    assert isinstance(enrollment, TotpEnrollment)
    totp = pyotp.TOTP(enrollment.secret)
    recovery = env.service.confirm_totp(alice.id, totp.at(env.clock.now_ms() // 1000))
    assert isinstance(recovery, list)
    guess = "zzzz-zzzz"  # a well-formed recovery code, so each check runs argon2
    assert guess not in recovery
    before = env.hasher.verified.calls

    answers = all_at_once(lambda _: env.service.verify_second_factor(alice.id, guess))

    # each checked guess is compared with every unused recovery code
    assert env.hasher.verified.calls - before <= ACCOUNT_POLICY.max_failures * len(recovery)
    assert set(reasons(answers)) <= {Reason.TOTP_INVALID, Reason.LOGIN_LOCKED}
    refused = env.service.verify_second_factor(alice.id, recovery[1])
    assert isinstance(refused, Rejected) and refused.reason is Reason.LOGIN_LOCKED


def test_parallel_email_code_guesses_are_checked_at_most_five_times(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = _alice(env)
    assert env.service.send_email_code(alice.id, "api_key_create") is None
    (mail,) = env.service.list_mail(EMAIL)
    assert mail.code is not None
    checked, matches = Tally(), email_codes.matches

    def counted(*args: object) -> bool:
        checked.hit()
        return matches(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(email_codes, "matches", counted)

    answers = all_at_once(
        lambda _: env.service.verify_email_code(alice.id, "api_key_create", _wrong(mail.code))
    )

    assert checked.calls <= MAX_ATTEMPTS
    assert set(reasons(answers)) <= {Reason.EMAIL_CODE_INVALID, Reason.EMAIL_CODE_EXHAUSTED}
    assert Reason.EMAIL_CODE_EXHAUSTED in reasons(answers)
    refused = env.service.verify_email_code(alice.id, "api_key_create", mail.code)
    assert refused == Rejected.of(Reason.EMAIL_CODE_EXHAUSTED, field="code")
    with env.engine.connect() as conn:
        assert conn.scalar(select(EmailCodeRow.attempts)) == MAX_ATTEMPTS


def test_parallel_code_requests_mail_no_more_than_the_limit(env: Env) -> None:
    alice = _alice(env)

    answers = all_at_once(lambda _: env.service.send_email_code(alice.id, "api_key_create"))

    assert reasons(answers).count(None) == ISSUE_POLICY.max_failures
    assert set(reasons(answers)) == {None, Reason.EMAIL_CODE_TOO_FREQUENT}
    assert env.count(EmailCodeRow) == env.count(MailRow) == ISSUE_POLICY.max_failures


def test_parallel_code_requests_from_one_address_stop_at_its_hourly_cap(env: Env) -> None:
    alice = _alice(env)

    answers = all_at_once(
        lambda i: env.service.send_email_code(alice.id, "api_key_activate", f"key-{i}", ip="203.0.113.5")
    )

    assert reasons(answers).count(None) == ADDRESS_ISSUE_POLICY.max_failures < PARALLEL
    assert env.count(MailRow) == ADDRESS_ISSUE_POLICY.max_failures
    assert env.service.send_email_code(alice.id, "api_key_activate", "key-x", ip="203.0.113.6") is None


def test_right_and_wrong_codes_and_new_requests_at_once_never_deadlock(env: Env) -> None:
    alice = _alice(env)
    assert env.service.send_email_code(alice.id, "api_key_create") is None
    code = env.service.list_mail(EMAIL)[0].code
    assert code is not None

    def mixed(i: int) -> Rejected | None:
        if i % 3 == 0:
            return env.service.verify_email_code(alice.id, "api_key_create", code)
        if i % 3 == 1:
            return env.service.verify_email_code(alice.id, "api_key_create", _wrong(code))
        return env.service.send_email_code(alice.id, "api_key_create")

    answers = all_at_once(mixed)  # a deadlock or a lock timeout would raise here

    verified = [a for i, a in enumerate(answers) if i % 3 == 0]
    assert verified.count(None) <= 1


def test_right_and_wrong_passwords_at_once_never_deadlock(env: Env) -> None:
    alice = _alice(env)

    def mixed(i: int) -> UserView | Rejected:
        password = PASSWORD if i % 2 else "Wrong-Password-1"
        return env.service.login(EMAIL, password, ip=f"198.51.100.{i % 4}", user_agent="ua")

    answers = all_at_once(mixed)

    assert all(a == alice or isinstance(a, Rejected) for a in answers)
