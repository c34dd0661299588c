"""Attempt counters as the accounts flows use them: reserve before checking, then settle.

Every guess (password, TOTP, recovery code, email code) and every code issued is counted BEFORE the
check runs, in a transaction the caller commits at once; the check then runs with no lock held.
So N parallel requests can never all be checked against one stale count: at most the policy's
limit get through, whatever the timing (see `domain.accounts.lockout`).

Lock order (PostgreSQL locks each row written until commit): within one transaction, always the
client-address counter before the account's, and counters before an email code's row. Taken in one
order everywhere, two transactions can wait on each other but never deadlock.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from sandex.domain.accounts import lockout
from sandex.domain.accounts.lockout import FailureCounter, LockoutPolicy
from sandex.domain.clock import Clock
from sandex.domain.errors import Reason, Rejected
from sandex.services.accounts.ports import AccountsUnitOfWork


@dataclass(frozen=True, slots=True)
class Counted:
    """One counter: a row (scope, subject), its policy and what a success does to it."""

    scope: str  # at most 16 characters (the column's size)
    subject: str
    policy: LockoutPolicy
    cleared_by_success: bool = False  # True: a success forgets earlier failures (never for an IP)


class AttemptCounters:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def reserve(self, uow: AccountsUnitOfWork, *counters: Counted) -> int:
        """Count one attempt on every counter, all or none: 0, or the seconds to wait before the
        next attempt can be made. Call it first in a transaction: a refusal rolls it back."""
        now = self._clock.now_ms()
        wait = 0
        for counted in counters:
            before, after = uow.logins.change_counter(
                counted.scope, counted.subject, partial(lockout.reserve, policy=counted.policy, now_ms=now)
            )
            if after is None:
                wait = max(wait, lockout.wait_s(before, counted.policy, now), 1)
        if wait:
            uow.rollback()
        return wait

    def fail(self, uow: AccountsUnitOfWork, *counters: Counted) -> int:
        """A reserved attempt failed: lock at the limit. The seconds to wait now (0: not locked)."""
        now = self._clock.now_ms()
        wait = 0
        for counted in counters:
            _, after = uow.logins.change_counter(
                counted.scope,
                counted.subject,
                partial(lockout.settle_failure, policy=counted.policy, now_ms=now),
            )
            wait = max(wait, lockout.wait_s(after or FailureCounter(), counted.policy, now))
        return wait

    def succeed(self, uow: AccountsUnitOfWork, *counters: Counted) -> None:
        """A reserved attempt succeeded: clear the counters that a success clears, release the others."""
        for counted in counters:
            if counted.cleared_by_success:
                uow.logins.change_counter(counted.scope, counted.subject, _cleared)
            else:
                self.give_back(uow, counted)

    def give_back(self, uow: AccountsUnitOfWork, *counters: Counted) -> None:
        """Un-count a reserved attempt that neither failed nor succeeded (e.g. the other factor failed)."""
        for counted in counters:
            uow.logins.change_counter(counted.scope, counted.subject, lockout.release)


def locked(wait_s: int, **params: str) -> Rejected | None:
    """LOGIN_LOCKED (retry_after) when there is a wait, else None."""
    if wait_s <= 0:
        return None
    return Rejected.of(Reason.LOGIN_LOCKED, retry_after=str(wait_s), **params)


def _cleared(_counter: FailureCounter) -> FailureCounter:
    return lockout.record_success()
