"""The security campaign's bursts against the attempt caps, and what counting first costs a login.

    python bench/bench_attempt_caps.py [--database-url postgresql+psycopg://...] [--parallel 40]
                                       [--real-argon2]

Builds a throw-away accounts service (SQLite in a temp dir unless a URL is given) and fires each
burst from N threads released together: wrong passwords for one account from N addresses, wrong
passwords for N accounts from one address, wrong TOTP codes, wrong email codes, and a flood of code
requests. For each it prints how many expensive checks really ran against the documented cap.
Then it times sequential successful logins (median and p99): the reservation is one more short
transaction per login.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyotp

from sandex.domain.accounts import email_codes
from sandex.domain.accounts.email_codes import ADDRESS_ISSUE_POLICY, ISSUE_POLICY, MAX_ATTEMPTS
from sandex.domain.accounts.lockout import ACCOUNT_POLICY, IP_POLICY
from sandex.runtime.crypto import AesGcmCipher, Argon2Hasher, OsRandom
from sandex.runtime.mailers import OutboxMailer
from sandex.services.accounts.service import AccountsService, TotpEnrollment, UserView
from sandex.storage.db import create_db_engine, migrate, session_factory
from sandex.storage.repositories import SqlMailOutbox
from sandex.storage.uow import unit_of_work_factory
from sandex.testing.clock import ManualClock

PASSWORD = "Correct-Horse-9"


class Counting:
    """Wraps a callable and counts calls from any thread."""

    def __init__(self, inner: Callable[..., Any]) -> None:
        self._inner, self._lock, self.calls = inner, threading.Lock(), 0

    def __call__(self, *args: Any) -> Any:
        with self._lock:
            self.calls += 1
        return self._inner(*args)


def build(url: str, real_argon2: bool) -> tuple[AccountsService, ManualClock, Counting, Counting]:
    engine = create_db_engine(url)
    migrate(engine)
    sessions, clock = session_factory(engine), ManualClock(1_750_000_000_000)
    hasher = Argon2Hasher(fast=not real_argon2)
    verify = Counting(hasher.verify)
    hasher.verify = verify  # type: ignore[method-assign,assignment]
    cipher = AesGcmCipher({"k1": b"k" * 32}, "k1")
    decrypt = Counting(cipher.decrypt)  # one per TOTP check
    cipher.decrypt = decrypt  # type: ignore[method-assign,assignment]
    outbox = SqlMailOutbox(sessions)
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
    return service, clock, verify, decrypt


def burst(n: int, attempt: Callable[[int], object]) -> float:
    start = threading.Barrier(n)

    def run(i: int) -> object:
        start.wait()
        return attempt(i)

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=n) as pool:
        list(pool.map(run, range(n)))
    return time.perf_counter() - began


def user(service: AccountsService, email: str) -> UserView:
    made = service.register(email, PASSWORD)
    assert isinstance(made, UserView)
    return made


def report(what: str, checked: int, cap: int, seconds: float) -> None:
    verdict = "ok" if checked <= cap else "OVER THE CAP"
    print(f"{what:<48} checked {checked:>3} (cap {cap:>3})  {seconds * 1000:7.0f} ms  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--parallel", type=int, default=40)
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument(
        "--real-argon2", action="store_true", help="the server's argon2 cost, not the test one"
    )
    args = parser.parse_args()
    n = args.parallel
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        service, clock, verify, decrypt = build(url, args.real_argon2)
        alice = user(service, "alice@example.test")

        before = verify.calls
        took = burst(
            n, lambda i: service.login(alice.email or "", "Wrong-1", ip=f"198.51.100.{i}", user_agent="b")
        )
        report(
            f"{n} wrong passwords, one account, {n} addresses",
            verify.calls - before,
            ACCOUNT_POLICY.max_failures,
            took,
        )

        before = verify.calls
        took = burst(
            n, lambda i: service.login(f"u{i}@example.test", "Wrong-1", ip="203.0.113.9", user_agent="b")
        )
        report(
            f"{n} wrong passwords, {n} accounts, one address",
            verify.calls - before,
            IP_POLICY.max_failures,
            took,
        )

        bob = user(service, "bob@example.test")
        enrollment = service.begin_totp(bob.id)
        assert isinstance(enrollment, TotpEnrollment)
        totp = pyotp.TOTP(enrollment.secret)
        assert isinstance(service.confirm_totp(bob.id, totp.at(clock.now_ms() // 1000)), list)
        before = decrypt.calls
        took = burst(n, lambda _: service.verify_second_factor(bob.id, "000000"))
        report(f"{n} wrong TOTP codes", decrypt.calls - before, ACCOUNT_POLICY.max_failures, took)

        carol = user(service, "carol@example.test")
        assert service.send_email_code(carol.id, "api_key_create") is None
        matches = Counting(email_codes.matches)
        email_codes.matches = matches  # type: ignore[assignment]
        took = burst(n, lambda _: service.verify_email_code(carol.id, "api_key_create", "000000"))
        report(f"{n} wrong email codes", matches.calls, MAX_ATTEMPTS, took)

        dave = user(service, "dave@example.test")
        took = burst(n, lambda _: service.send_email_code(dave.id, "api_key_create", ip="192.0.2.7"))
        issued = len(service.list_mail("dave@example.test", 1000))
        report(f"{n} code requests, one purpose", issued, ISSUE_POLICY.max_failures, took)
        took = burst(
            n, lambda i: service.send_email_code(dave.id, "api_key_activate", f"k{i}", ip="192.0.2.8")
        )
        issued = len(service.list_mail("dave@example.test", 1000)) - issued
        report(f"{n} code requests, one address", issued, ADDRESS_ISSUE_POLICY.max_failures, took)

        erin = user(service, "erin@example.test")
        times = []
        for _ in range(args.logins):
            began = time.perf_counter()
            assert isinstance(
                service.login(erin.email or "", PASSWORD, ip="192.0.2.1", user_agent="b"), UserView
            )
            times.append(time.perf_counter() - began)
        times.sort()
        median_ms, p99_ms = statistics.median(times) * 1000, times[int(len(times) * 0.99) - 1] * 1000
        print(f"sequential good logins: median {median_ms:.2f} ms, p99 {p99_ms:.2f} ms")


if __name__ == "__main__":
    main()
