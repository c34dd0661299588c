"""Deposit and withdrawal states on the simulated clock, as OKX numbers them."""

from __future__ import annotations

import pytest

from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.lifecycle import (
    DepositClock,
    FundingTiming,
    cancel_withdrawal,
    confirmations,
    deposit_next_ms,
    deposit_state,
    fail_withdrawal,
    unlock_confirmations,
    withdrawal_next_ms,
    withdrawal_state,
)
from sandex.domain.funding.model import DepositState, WithdrawalState

T0 = 1_700_000_000_000
TIMING = FundingTiming(block_ms=1000, review_ms=5_000, broadcast_ms=3_000)
W = WithdrawalState


def test_a_chain_deposit_waits_for_arrival_then_unlock_confirmations() -> None:
    clock = DepositClock(T0, arrival=2, unlock=unlock_confirmations(2))
    assert clock.unlock == 4
    seen = [
        (deposit_state(clock, T0 + s * 1000, TIMING), confirmations(clock, T0 + s * 1000, TIMING))
        for s in range(6)
    ]
    assert seen == [
        (DepositState.WAITING, 0),
        (DepositState.WAITING, 1),
        (DepositState.CREDITED, 2),
        (DepositState.CREDITED, 3),
        (DepositState.SUCCESS, 4),
        (DepositState.SUCCESS, 4),  # confirmations stop counting once it is withdrawable
    ]


def test_deposit_next_transition_times() -> None:
    clock = DepositClock(T0, arrival=3, unlock=6)
    assert deposit_next_ms(clock, DepositState.WAITING, TIMING) == T0 + 3000
    assert deposit_next_ms(clock, DepositState.CREDITED, TIMING) == T0 + 6000
    assert deposit_next_ms(clock, DepositState.SUCCESS, TIMING) is None


def test_an_instant_deposit_is_successful_at_once() -> None:
    assert deposit_state(DepositClock(T0, arrival=0, unlock=0), T0, TIMING) is DepositState.SUCCESS


def test_a_clock_earlier_than_the_deposit_never_goes_backwards_below_waiting() -> None:
    clock = DepositClock(T0, arrival=1, unlock=2)
    assert deposit_state(clock, T0 - 10_000, TIMING) is DepositState.WAITING
    assert confirmations(clock, T0 - 10_000, TIMING) == 0


@pytest.mark.parametrize(
    ("elapsed_ms", "expected"),
    [
        (0, W.WAITING),
        (4_999, W.WAITING),
        (5_000, W.BROADCASTING),
        (7_999, W.BROADCASTING),
        (8_000, W.SUCCESS),
    ],
)
def test_withdrawal_moves_pending_broadcasting_success(elapsed_ms: int, expected: WithdrawalState) -> None:
    assert withdrawal_state(W.WAITING, T0, T0 + elapsed_ms, TIMING) is expected
    assert withdrawal_state(W.BROADCASTING, T0, T0 + max(elapsed_ms, 5_000), TIMING) in (
        W.BROADCASTING,
        W.SUCCESS,
    )


@pytest.mark.parametrize("final", [W.SUCCESS, W.FAILED, W.CANCELED])
def test_final_withdrawal_states_never_change(final: WithdrawalState) -> None:
    assert withdrawal_state(final, T0, T0 + 10**9, TIMING) is final
    assert withdrawal_next_ms(final, T0, TIMING) is None
    assert final.is_final


def test_withdrawal_next_transition_times() -> None:
    assert withdrawal_next_ms(W.WAITING, T0, TIMING) == T0 + 5_000
    assert withdrawal_next_ms(W.BROADCASTING, T0, TIMING) == T0 + 8_000


def test_only_a_waiting_withdrawal_can_be_canceled() -> None:
    assert cancel_withdrawal(W.WAITING) is W.CANCELED
    assert cancel_withdrawal(W.CANCELED) == Rejected(Reason.WITHDRAWAL_ALREADY_CANCELED)
    for state in (W.BROADCASTING, W.SUCCESS, W.FAILED):
        assert cancel_withdrawal(state) == Rejected(Reason.WITHDRAWAL_NOT_CANCELLABLE)


def test_an_unfinished_withdrawal_can_be_failed_by_the_operator() -> None:
    assert fail_withdrawal(W.WAITING) is W.FAILED
    assert fail_withdrawal(W.BROADCASTING) is W.FAILED
    assert fail_withdrawal(W.SUCCESS) == Rejected(Reason.WITHDRAWAL_NOT_CANCELLABLE)


def test_canceled_and_failed_withdrawals_give_their_quota_back() -> None:
    assert [s for s in W if s.counts_toward_quota] == [W.WAITING, W.BROADCASTING, W.SUCCESS]


def test_timing_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="invalid funding timing"):
        FundingTiming(block_ms=0)
