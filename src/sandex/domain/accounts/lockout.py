"""Login lockout: a counter per account and one per client IP, persisted by the service.

A counter counts failures inside a fixed window opened by the first failure; reaching the limit
locks for `lock_ms` and starts counting afresh afterwards. A fixed window (rather than a sliding
log of timestamps) keeps the persisted state three integers.

The service, per login attempt:
    refusal = check_login_allowed(account_counter, ip_counter, now_ms)   # before any hashing
    ... verify the password ...
    on failure: save record_failure(...) for both counters
    on success: save record_success() for the account counter only. The IP counter is never reset
    by a success: otherwise an attacker who owns one account could clear their IP's count at will.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandex.domain.clock import MINUTE_MS, SECOND_MS
from sandex.domain.errors import Reason, Rejected


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    max_failures: int
    window_ms: int
    lock_ms: int


ACCOUNT_POLICY = LockoutPolicy(max_failures=5, window_ms=15 * MINUTE_MS, lock_ms=15 * MINUTE_MS)
IP_POLICY = LockoutPolicy(max_failures=20, window_ms=15 * MINUTE_MS, lock_ms=15 * MINUTE_MS)


@dataclass(frozen=True, slots=True)
class FailureCounter:
    failures: int = 0  # failures in the current window
    window_start_ms: int = 0  # when the first of them happened
    locked_until_ms: int = 0  # 0 or a past instant: not locked

    def is_locked(self, now_ms: int) -> bool:
        return now_ms < self.locked_until_ms

    def retry_after_s(self, now_ms: int) -> int:
        """Whole seconds until the lock ends, rounded up so a client never retries too early."""
        return max(0, -(-(self.locked_until_ms - now_ms) // SECOND_MS))


def record_failure(counter: FailureCounter, policy: LockoutPolicy, now_ms: int) -> FailureCounter:
    """The counter after one more failed attempt at `now_ms`."""
    if counter.is_locked(now_ms):
        return counter  # attempts while locked are refused before checking; they don't extend it
    window_over = now_ms - counter.window_start_ms >= policy.window_ms
    if counter.failures == 0 or window_over:
        counter = FailureCounter(failures=0, window_start_ms=now_ms)
    failures = counter.failures + 1
    if failures >= policy.max_failures:
        return FailureCounter(locked_until_ms=now_ms + policy.lock_ms)
    return FailureCounter(failures=failures, window_start_ms=counter.window_start_ms)


def record_success() -> FailureCounter:
    """A successful login clears the account's consecutive-failure count."""
    return FailureCounter()


def check_locked(counter: FailureCounter, now_ms: int) -> Rejected | None:
    """LOGIN_LOCKED with params retry_after (seconds), or None."""
    if not counter.is_locked(now_ms):
        return None
    return Rejected.of(Reason.LOGIN_LOCKED, retry_after=str(counter.retry_after_s(now_ms)))


def check_login_allowed(account: FailureCounter, ip: FailureCounter, now_ms: int) -> Rejected | None:
    """Refuse while either the account or the client IP is locked; report the longer wait."""
    wait_s = max(account.retry_after_s(now_ms), ip.retry_after_s(now_ms))
    if wait_s == 0:
        return None
    return Rejected.of(Reason.LOGIN_LOCKED, retry_after=str(wait_s))
