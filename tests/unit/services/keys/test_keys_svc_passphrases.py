"""Passphrase checks cannot be turned into free argon2 runs: no oracle, memos of wrong guesses, a
per-key budget, one run per key at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sandex.domain.errors import Reason, Rejected
from sandex.runtime.crypto import OsRandom
from sandex.services.keys.auth import AuthService, Principal
from sandex.services.keys.passphrases import QUEUED_PER_KEY, PassphraseGuard
from tests.support.keys import Kit

WAIT_S = 30.0  # generous: CI is a loaded box


class CountingPlainHasher:
    """Stands in for argon2: verifiers are "plain:<passphrase>"; counts (and may hold) each run."""

    def __init__(self, *, held: bool = False) -> None:
        self.runs = 0
        self.release = threading.Event()
        if not held:
            self.release.set()
        self._lock = threading.Lock()

    def hash(self, secret: str) -> str:
        return "plain:" + secret

    def verify(self, hashed: str, secret: str) -> bool:
        with self._lock:
            self.runs += 1
        self.release.wait(WAIT_S)
        return hashed == "plain:" + secret


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _reason(outcome: Principal | Rejected) -> Reason:
    assert isinstance(outcome, Rejected), outcome
    return outcome.reason


def _guard(hasher: CountingPlainHasher, clock: FakeMonotonic, **limits: int) -> PassphraseGuard:
    return PassphraseGuard(hasher, b"p" * 32, monotonic=clock, **limits)


# --- through the auth service ----------------------------------------------------------------------
def test_without_the_secret_every_guess_is_a_bad_signature_and_argon2_never_runs(kit: Kit) -> None:
    created = kit.key(kit.user().id)
    before = kit.hasher.verifications
    for passphrase in (created.passphrase, "Wrong#Pass1", "Wrong#Pass2"):
        unsigned = kit.signed(created, passphrase=passphrase, sign="A" * 44)
        assert _reason(kit.auth.authenticate(unsigned)) is Reason.SIGNATURE_INVALID
    assert kit.hasher.verifications == before
    assert isinstance(kit.auth.authenticate(kit.signed(created)), Principal)


def test_a_repeated_wrong_passphrase_on_a_cold_key_runs_argon2_once(kit: Kit) -> None:
    created = kit.key(kit.user().id)
    before = kit.hasher.verifications
    wrong = kit.signed(created, passphrase="Wrong#Pass1")
    for _ in range(10):
        assert _reason(kit.auth.authenticate(wrong)) is Reason.PASSPHRASE_INCORRECT
    assert kit.hasher.verifications == before + 1


def test_concurrent_wrong_guesses_of_one_passphrase_run_argon2_once(kit: Kit) -> None:
    created = kit.key(kit.user().id)
    before = kit.hasher.verifications
    wrong = kit.signed(created, passphrase="Wrong#Pass1")
    with ThreadPoolExecutor(QUEUED_PER_KEY) as pool:
        outcomes = list(pool.map(lambda _: kit.auth.authenticate(wrong), range(32)))
    assert {_reason(outcome) for outcome in outcomes} == {Reason.PASSPHRASE_INCORRECT}
    assert kit.hasher.verifications == before + 1


def test_a_burst_of_correct_logins_on_a_fresh_key_costs_one_argon2_run(kit: Kit) -> None:
    created = kit.key(kit.user().id)
    before = kit.hasher.verifications
    with ThreadPoolExecutor(QUEUED_PER_KEY) as pool:
        outcomes = list(pool.map(lambda _: kit.auth.authenticate(kit.signed(created)), range(32)))
    assert all(isinstance(outcome, Principal) for outcome in outcomes)
    assert kit.hasher.verifications == before + 1


def test_a_flood_of_distinct_wrong_passphrases_is_refused_with_50011_then_the_owner_gets_in(
    kit: Kit,
) -> None:
    clock = FakeMonotonic()
    guard = PassphraseGuard(kit.hasher, b"p" * 32, monotonic=clock, runs_per_key=3)
    auth = AuthService(kit.uow, kit.accounts, kit.cipher, kit.hasher, OsRandom(), kit.clock, guard)
    created = kit.key(kit.user().id)
    before = kit.hasher.verifications
    reasons = [_reason(auth.authenticate(kit.signed(created, passphrase=f"Guess#{n}"))) for n in range(10)]
    assert reasons == [Reason.PASSPHRASE_INCORRECT] * 3 + [Reason.RATE_LIMITED] * 7
    assert kit.hasher.verifications == before + 3  # refused before hashing
    clock.now += 1.0  # the next window
    assert isinstance(auth.authenticate(kit.signed(created)), Principal)
    assert kit.hasher.verifications == before + 4


# --- the guard on its own --------------------------------------------------------------------------
def test_budget_is_per_key_and_per_window() -> None:
    hasher, clock = CountingPlainHasher(), FakeMonotonic()
    guard = _guard(hasher, clock, runs_per_key=2)
    limited = Rejected.of(Reason.RATE_LIMITED)
    assert [guard.check("plain:a", f"x{n}") for n in range(3)] == [False, False, limited]
    assert guard.check("plain:b", "x") is False  # another key has its own budget
    assert guard.check("plain:a", "x0") is False  # a remembered guess needs no budget
    clock.now += 0.999
    assert guard.check("plain:a", "a") == Rejected.of(Reason.RATE_LIMITED)
    clock.now += 0.001
    assert guard.check("plain:a", "a") is True
    assert hasher.runs == 4


def test_a_clock_that_steps_back_does_not_lock_a_key_out() -> None:
    hasher, clock = CountingPlainHasher(), FakeMonotonic()
    guard = _guard(hasher, clock, runs_per_key=1)
    assert guard.check("plain:a", "x") is False
    clock.now -= 5.0
    assert guard.check("plain:a", "a") is True


def test_once_known_every_guess_is_decided_without_argon2() -> None:
    hasher, clock = CountingPlainHasher(), FakeMonotonic()
    guard = _guard(hasher, clock, runs_per_key=1)
    assert not guard.knows("plain:a")
    assert guard.check("plain:a", "a") is True
    assert guard.knows("plain:a")
    assert [guard.check("plain:a", f"x{n}") for n in range(20)] == [False] * 20
    assert hasher.runs == 1


def test_the_wrong_guess_memo_is_bounded_and_forgets_the_oldest() -> None:
    hasher, clock = CountingPlainHasher(), FakeMonotonic()
    guard = _guard(hasher, clock, runs_per_key=100, wrong_memo_size=2)
    for guess in ("x", "y", "z"):
        assert guard.check("plain:a", guess) is False
    assert hasher.runs == 3
    assert guard.check("plain:a", "z") is False  # remembered
    assert guard.check("plain:a", "x") is False  # forgotten: hashed again
    assert hasher.runs == 4


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.001)


def test_checks_queued_for_one_key_are_bounded_and_the_rest_refused_at_once() -> None:
    hasher, clock = CountingPlainHasher(held=True), FakeMonotonic()
    guard = _guard(hasher, clock, queued_per_key=3)
    with ThreadPoolExecutor(3) as pool:
        queued = [pool.submit(guard.check, "plain:a", "x") for _ in range(3)]
        wait_until(lambda: guard.queued("plain:a") == 3)
        assert guard.check("plain:a", "y") == Rejected.of(Reason.RATE_LIMITED)  # no wait, no run
        hasher.release.set()
        assert [future.result(WAIT_S) for future in queued] == [False] * 3
    assert guard.queued("plain:a") == 0
    assert guard.check("plain:a", "a") is True
