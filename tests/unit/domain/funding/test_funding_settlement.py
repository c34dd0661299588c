"""The money side of funding: holds, completions, releases, internal moves and chain credits keep
the double-entry invariants (no negative balance; total == deposits - withdrawals)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding import settlement
from sandex.domain.ledger import BalanceView, Ledger, Posting, PostingReason

FEE_ACCOUNT, ALICE, BOB = 100, 1, 2


def _ledger(amount: int = 1000) -> Ledger:
    ledger = Ledger(fee_account=FEE_ACCOUNT)
    settlement.credit(ledger, ALICE, "USDT", amount, 10)
    return ledger


def test_hold_sets_amount_and_fee_aside_or_refuses_with_58350() -> None:
    ledger = _ledger()
    assert settlement.hold(ledger, ALICE, "USDT", 1001, 1000, 7) == Rejected(Reason.FUNDING_INSUFFICIENT)
    assert settlement.hold(ledger, ALICE, "USDT", 600, 500, 7) == Rejected(Reason.FUNDING_INSUFFICIENT)
    assert ledger.balance(ALICE, "USDT") == BalanceView(1000, 0)
    assert settlement.hold(ledger, ALICE, "USDT", 600, 1000, 7) == [
        Posting(ALICE, "USDT", -600, 600, PostingReason.FREEZE, 7)
    ]
    assert ledger.balance(ALICE, "USDT") == BalanceView(400, 600)


def test_complete_sends_the_amount_out_and_the_fee_to_the_fee_account() -> None:
    ledger = _ledger()
    settlement.hold(ledger, ALICE, "USDT", 510, 1000, 7)
    postings = settlement.complete(ledger, ALICE, "USDT", 500, 10, 7)
    assert [p.reason for p in postings] == [
        PostingReason.UNFREEZE,
        PostingReason.WITHDRAWAL,
        PostingReason.FEE,
        PostingReason.FEE,
    ]
    assert ledger.balance(ALICE, "USDT") == BalanceView(490, 0)
    assert ledger.balance(FEE_ACCOUNT, "USDT") == BalanceView(10, 0)
    assert ledger.total("USDT") == ledger.net_external("USDT") == 500


def test_release_gives_the_hold_back() -> None:
    ledger = _ledger()
    settlement.hold(ledger, ALICE, "USDT", 510, 1000, 7)
    settlement.release(ledger, ALICE, "USDT", 510, 7)
    assert ledger.balance(ALICE, "USDT") == BalanceView(1000, 0)


def test_internal_move_is_a_withdrawal_and_a_deposit_that_net_to_nothing() -> None:
    ledger = _ledger()
    assert settlement.move_internal(ledger, ALICE, BOB, "USDT", 300, 1000, 7, 11) == [
        Posting(ALICE, "USDT", -300, 0, PostingReason.WITHDRAWAL, 7),
        Posting(BOB, "USDT", 300, 0, PostingReason.DEPOSIT, 11),
    ]
    assert settlement.move_internal(ledger, ALICE, BOB, "USDT", 800, 700, 8, 12) == Rejected(
        Reason.FUNDING_INSUFFICIENT
    )
    assert ledger.total("USDT") == ledger.net_external("USDT") == 1000


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["credit", "hold", "complete", "release", "internal"]), st.integers(1, 500)
        ),
        max_size=40,
    )
)
def test_any_sequence_conserves_money_and_never_goes_negative(steps: list[tuple[str, int]]) -> None:
    ledger = Ledger(fee_account=FEE_ACCOUNT)
    holds: list[tuple[int, int]] = []  # (amount, fee) held for ALICE
    for ref, (action, amount) in enumerate(steps, 1):
        fee = amount // 10
        if action == "credit":
            settlement.credit(ledger, ALICE, "USDT", amount, ref)
        elif action == "hold":
            done = settlement.hold(ledger, ALICE, "USDT", amount + fee, ledger.available(ALICE, "USDT"), ref)
            if not isinstance(done, Rejected):
                holds.append((amount, fee))
        elif holds and action in ("complete", "release"):
            held, held_fee = holds.pop()
            if action == "complete":
                settlement.complete(ledger, ALICE, "USDT", held, held_fee, ref)
            else:
                settlement.release(ledger, ALICE, "USDT", held + held_fee, ref)
        elif action == "internal":
            settlement.move_internal(
                ledger, ALICE, BOB, "USDT", amount, ledger.available(ALICE, "USDT"), ref, ref
            )
        assert ledger.total("USDT") == ledger.net_external("USDT")
        assert all(
            v.available >= 0 and v.frozen >= 0
            for acct in (ALICE, BOB, FEE_ACCOUNT)
            for v in ledger.balances(acct).values()
        )
        assert ledger.balance(ALICE, "USDT").frozen == sum(a + f for a, f in holds)
