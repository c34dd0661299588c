"""Attempt counters: login lockout per account and per client IP, 2FA and email-code guesses.

A counter counts attempts inside a fixed window opened by the first one; reaching the limit locks
for `lock_ms` and starts counting afresh afterwards. A fixed window (rather than a sliding log of
timestamps) keeps the persisted state three integers.

Counting happens BEFORE the expensive check, so parallel requests cannot all be checked against one
stale count. The service, per attempt, with each step one atomic write (compare-and-set):
    reserve(...)          # refused (None) while locked or while the window's attempts are taken
    ... commit, then verify the password / code ...
    on failure: settle_failure(...)   # the reservation already counted it; lock at the limit
    on success: record_success() for counters a success clears (the account), release(...) for
        the others. The IP counter is never cleared by a success: otherwise an attacker who owns
        one account could clear their IP's count at will.
An attempt still being checked counts as a failure, so a crash between the steps errs on the safe side.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sandex.domain.clock import MINUTE_MS, SECOND_MS


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    max_failures: int  # attempts allowed per window (for issuance limits: issues per window)
    window_ms: int
    lock_ms: int


ACCOUNT_POLICY = LockoutPolicy(max_failures=5, window_ms=15 * MINUTE_MS, lock_ms=15 * MINUTE_MS)
IP_POLICY = LockoutPolicy(max_failures=20, window_ms=15 * MINUTE_MS, lock_ms=15 * MINUTE_MS)


@dataclass(frozen=True, slots=True)
class FailureCounter:
    failures: int = 0  # attempts counted in the current window (failed or still being checked)
    window_start_ms: int = 0  # when the first of them happened
    locked_until_ms: int = 0  # 0 or a past instant: not locked

    def is_locked(self, now_ms: int) -> bool:
        return now_ms < self.locked_until_ms

    def retry_after_s(self, now_ms: int) -> int:
        """Whole seconds until the lock ends, rounded up so a client never retries too early."""
        return _ceil_s(self.locked_until_ms - now_ms)


def reserve(counter: FailureCounter, policy: LockoutPolicy, now_ms: int) -> FailureCounter | None:
    """The counter with one more attempt counted, or None when no attempt may be made now: locked,
    or every attempt of the window taken (by failures or by attempts still being checked)."""
    if counter.is_locked(now_ms):
        return None
    if counter.failures == 0 or now_ms - counter.window_start_ms >= policy.window_ms:
        return FailureCounter(failures=1, window_start_ms=now_ms)
    if counter.failures >= policy.max_failures:
        return None
    return replace(counter, failures=counter.failures + 1)


def settle_failure(counter: FailureCounter, policy: LockoutPolicy, now_ms: int) -> FailureCounter:
    """After a reserved attempt failed: lock once the window holds `max_failures` attempts."""
    if counter.is_locked(now_ms) or counter.failures < policy.max_failures:
        return counter
    return FailureCounter(locked_until_ms=now_ms + policy.lock_ms)


def release(counter: FailureCounter) -> FailureCounter:
    """Give back a reserved attempt that did not fail (for counters a success must not clear)."""
    if counter.failures == 0:
        return counter
    return replace(counter, failures=counter.failures - 1)


def record_success() -> FailureCounter:
    """A successful login clears the account's consecutive-failure count."""
    return FailureCounter()


def wait_s(counter: FailureCounter, policy: LockoutPolicy, now_ms: int) -> int:
    """Whole seconds until `reserve` can succeed again (0: now): the lock's end, or the window's
    while all its attempts are taken."""
    if counter.is_locked(now_ms):
        return counter.retry_after_s(now_ms)
    window_end = counter.window_start_ms + policy.window_ms
    if counter.failures >= policy.max_failures and now_ms < window_end:
        return _ceil_s(window_end - now_ms)
    return 0


def _ceil_s(ms: int) -> int:
    return max(0, -(-ms // SECOND_MS))
