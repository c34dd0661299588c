"""Deposit and withdrawal states as pure functions of (record, now_ms) on the simulated clock.

A chain deposit is seen at `created_ms`, then one simulated block passes every `block_ms`:
it is credited after the chain's arrival confirmations and becomes withdrawable after its unlock
confirmations (OKX `minDepArrivalConfirm` / `minWdUnlockConfirm`). An on-chain withdrawal waits
`review_ms` (cancellable), is broadcast for `broadcast_ms`, then succeeds; an operator may fail it
before that. Nothing here moves money: the caller applies the balance effect of each transition.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.model import DepositState, WithdrawalState

_W = WithdrawalState


@dataclass(frozen=True, slots=True)
class FundingTiming:
    block_ms: int = 250  # one simulated block (deposit confirmations)
    review_ms: int = 5_000  # a withdrawal waits this long (cancellable) before it is broadcast
    broadcast_ms: int = 5_000  # and is broadcast this long before it succeeds

    def __post_init__(self) -> None:
        if self.block_ms <= 0 or self.review_ms < 0 or self.broadcast_ms < 0:
            raise ValueError(f"invalid funding timing {self}")


DEFAULT_TIMING = FundingTiming()


def unlock_confirmations(arrival: int) -> int:
    """Confirmations after which a deposit may be withdrawn: twice those that credit it."""
    return 2 * max(arrival, 1)


# --- deposits ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DepositClock:
    """What a deposit's state depends on. Instant deposits (operator credits, internal transfers)
    have no confirmations to wait for."""

    created_ms: int
    arrival: int  # confirmations before it is credited
    unlock: int  # confirmations before it is withdrawable (>= arrival)


def confirmations(clock: DepositClock, now_ms: int, timing: FundingTiming = DEFAULT_TIMING) -> int:
    """Blocks seen since the deposit was detected, up to its unlock count (OKX `actualDepBlkConfirm`)."""
    blocks = max(0, now_ms - clock.created_ms) // timing.block_ms
    return min(blocks, clock.unlock)


def deposit_state(clock: DepositClock, now_ms: int, timing: FundingTiming = DEFAULT_TIMING) -> DepositState:
    blocks = max(0, now_ms - clock.created_ms) // timing.block_ms
    if blocks >= clock.unlock:
        return DepositState.SUCCESS
    if blocks >= clock.arrival:
        return DepositState.CREDITED
    return DepositState.WAITING


def deposit_next_ms(
    clock: DepositClock, state: DepositState, timing: FundingTiming = DEFAULT_TIMING
) -> int | None:
    """When a deposit in `state` next changes state; None once it is final."""
    if state is DepositState.WAITING:
        return clock.created_ms + clock.arrival * timing.block_ms
    if state is DepositState.CREDITED:
        return clock.created_ms + clock.unlock * timing.block_ms
    return None


# --- withdrawals ---------------------------------------------------------------------------------
def withdrawal_state(
    state: WithdrawalState, created_ms: int, now_ms: int, timing: FundingTiming = DEFAULT_TIMING
) -> WithdrawalState:
    """Where an on-chain withdrawal recorded in `state` should be at `now_ms`."""
    if state.is_final:
        return state
    elapsed = now_ms - created_ms
    if elapsed >= timing.review_ms + timing.broadcast_ms:
        return _W.SUCCESS
    if elapsed >= timing.review_ms:
        return _W.BROADCASTING
    return state


def withdrawal_next_ms(
    state: WithdrawalState, created_ms: int, timing: FundingTiming = DEFAULT_TIMING
) -> int | None:
    if state is _W.WAITING:
        return created_ms + timing.review_ms
    if state is _W.BROADCASTING:
        return created_ms + timing.review_ms + timing.broadcast_ms
    return None


def cancel_withdrawal(state: WithdrawalState) -> WithdrawalState | Rejected:
    """OKX: only a waiting withdrawal can be canceled (58220 when already canceled, else 58216)."""
    if state is _W.WAITING:
        return _W.CANCELED
    if state is _W.CANCELED:
        return Rejected(Reason.WITHDRAWAL_ALREADY_CANCELED)
    return Rejected(Reason.WITHDRAWAL_NOT_CANCELLABLE)


def fail_withdrawal(state: WithdrawalState) -> WithdrawalState | Rejected:
    """An operator (or a test) makes the chain reject a withdrawal that has not finished."""
    if state.is_final:
        return Rejected(Reason.WITHDRAWAL_NOT_CANCELLABLE)
    return _W.FAILED
