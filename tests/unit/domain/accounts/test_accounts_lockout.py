from sandex.domain.accounts.lockout import (
    ACCOUNT_POLICY,
    IP_POLICY,
    FailureCounter,
    LockoutPolicy,
    record_success,
    release,
    reserve,
    settle_failure,
    wait_s,
)
from sandex.domain.clock import MINUTE_MS, SECOND_MS
from sandex.domain.errors import Reason, Rejected
from sandex.testing.clock import ManualClock

T0 = 1_700_000_000_000


# The rules as a single request sees them (the service runs the same steps as separate writes).
def record_failure(counter: FailureCounter, policy: LockoutPolicy, now_ms: int) -> FailureCounter:
    """One failed attempt reserved and settled at once: the rules as a single request sees them."""
    return settle_failure(reserve(counter, policy, now_ms) or counter, policy, now_ms)


def check_locked(counter: FailureCounter, now_ms: int) -> Rejected | None:
    """LOGIN_LOCKED with params retry_after (seconds), or None."""
    if not counter.is_locked(now_ms):
        return None
    return Rejected.of(Reason.LOGIN_LOCKED, retry_after=str(counter.retry_after_s(now_ms)))


def check_login_allowed(account: FailureCounter, ip: FailureCounter, now_ms: int) -> Rejected | None:
    """Refuse while either the account or the client IP cannot take an attempt; report the longer wait."""
    wait = max(wait_s(account, ACCOUNT_POLICY, now_ms), wait_s(ip, IP_POLICY, now_ms))
    if wait == 0:
        return None
    return Rejected.of(Reason.LOGIN_LOCKED, retry_after=str(wait))


def fail(
    counter: FailureCounter,
    times: int,
    clock: ManualClock,
    policy: LockoutPolicy = ACCOUNT_POLICY,
    every_ms: int = SECOND_MS,
) -> FailureCounter:
    for _ in range(times):
        counter = record_failure(counter, policy, clock.now_ms())
        clock.advance(ms=every_ms)
    return counter


def test_policies() -> None:
    assert (ACCOUNT_POLICY.max_failures, ACCOUNT_POLICY.lock_ms) == (5, 15 * MINUTE_MS)
    assert IP_POLICY.max_failures == 20


def test_four_failures_do_not_lock_the_fifth_does() -> None:
    clock = ManualClock(T0)
    counter = fail(FailureCounter(), 4, clock)
    assert check_locked(counter, clock.now_ms()) is None
    assert counter.failures == 4
    counter = record_failure(counter, ACCOUNT_POLICY, clock.now_ms())
    assert check_locked(counter, clock.now_ms()) == Rejected.of(Reason.LOGIN_LOCKED, retry_after="900")


def test_retry_after_counts_down_and_rounds_up() -> None:
    clock = ManualClock(T0)
    counter = fail(FailureCounter(), 5, clock, every_ms=0)
    clock.advance(ms=14 * MINUTE_MS + 59 * SECOND_MS + 1)
    assert check_locked(counter, clock.now_ms()) == Rejected.of(Reason.LOGIN_LOCKED, retry_after="1")
    clock.advance(ms=SECOND_MS - 2)
    assert check_locked(counter, clock.now_ms()) == Rejected.of(Reason.LOGIN_LOCKED, retry_after="1")
    clock.advance(ms=1)
    assert check_locked(counter, clock.now_ms()) is None


def test_failures_while_locked_do_not_extend_the_lock() -> None:
    clock = ManualClock(T0)
    counter = fail(FailureCounter(), 5, clock, every_ms=0)
    assert fail(counter, 10, clock) == counter


def test_after_the_lock_counting_starts_afresh() -> None:
    clock = ManualClock(T0)
    counter = fail(FailureCounter(), 5, clock, every_ms=0)
    clock.advance(ms=15 * MINUTE_MS)
    counter = fail(counter, 4, clock)
    assert check_locked(counter, clock.now_ms()) is None
    counter = fail(counter, 1, clock)
    assert check_locked(counter, clock.now_ms()) is not None


def test_failures_outside_the_window_are_forgotten() -> None:
    clock = ManualClock(T0)
    counter = fail(FailureCounter(), 4, clock, every_ms=0)
    clock.advance(ms=15 * MINUTE_MS)
    counter = fail(counter, 4, clock, every_ms=0)
    assert counter.failures == 4
    assert check_locked(counter, clock.now_ms()) is None


def test_success_resets_the_account_counter() -> None:
    clock = ManualClock(T0)
    counter = fail(FailureCounter(), 4, clock)
    counter = record_success()
    counter = fail(counter, 4, clock)
    assert check_locked(counter, clock.now_ms()) is None


def test_ip_locks_after_20_even_across_accounts() -> None:
    clock = ManualClock(T0)
    ip = fail(FailureCounter(), 19, clock, IP_POLICY)
    assert check_login_allowed(FailureCounter(), ip, clock.now_ms()) is None
    ip = fail(ip, 1, clock, IP_POLICY, every_ms=0)
    assert check_login_allowed(FailureCounter(), ip, clock.now_ms()) == Rejected.of(
        Reason.LOGIN_LOCKED, retry_after="900"
    )


def test_both_locked_reports_the_longer_wait() -> None:
    account = FailureCounter(locked_until_ms=T0 + 60 * SECOND_MS)
    ip = FailureCounter(locked_until_ms=T0 + 300 * SECOND_MS)
    assert check_login_allowed(account, ip, T0) == Rejected.of(Reason.LOGIN_LOCKED, retry_after="300")
    assert check_login_allowed(account, FailureCounter(), T0) == Rejected.of(
        Reason.LOGIN_LOCKED, retry_after="60"
    )


def test_attempts_still_being_checked_take_the_windows_places() -> None:
    counter = FailureCounter()
    for _ in range(ACCOUNT_POLICY.max_failures):
        reserved = reserve(counter, ACCOUNT_POLICY, T0)
        assert reserved is not None
        counter = reserved
    assert reserve(counter, ACCOUNT_POLICY, T0 + SECOND_MS) is None
    assert wait_s(counter, ACCOUNT_POLICY, T0 + SECOND_MS) == 15 * 60 - 1  # until the window ends
    assert reserve(counter, ACCOUNT_POLICY, T0 + ACCOUNT_POLICY.window_ms) == FailureCounter(
        1, T0 + ACCOUNT_POLICY.window_ms
    )


def test_a_failure_settled_at_the_limit_locks_and_later_ones_change_nothing() -> None:
    counter = FailureCounter(failures=ACCOUNT_POLICY.max_failures, window_start_ms=T0)
    locked = settle_failure(counter, ACCOUNT_POLICY, T0 + SECOND_MS)
    assert locked == FailureCounter(locked_until_ms=T0 + SECOND_MS + ACCOUNT_POLICY.lock_ms)
    assert settle_failure(locked, ACCOUNT_POLICY, T0 + 2 * SECOND_MS) == locked
    assert reserve(locked, ACCOUNT_POLICY, T0 + 2 * SECOND_MS) is None
    below = FailureCounter(failures=2, window_start_ms=T0)
    assert settle_failure(below, ACCOUNT_POLICY, T0) == below


def test_releasing_gives_back_one_place_and_never_goes_below_zero() -> None:
    counter = FailureCounter(failures=IP_POLICY.max_failures, window_start_ms=T0)
    assert reserve(counter, IP_POLICY, T0) is None
    released = release(counter)
    assert released.failures == IP_POLICY.max_failures - 1
    assert reserve(released, IP_POLICY, T0) == counter
    assert release(FailureCounter()) == FailureCounter()
