"""Balances, postings and their invariants: refusals change nothing, money is conserved."""

from __future__ import annotations

import pytest

from sandex.domain.errors import Reason, Rejected
from sandex.domain.ledger import BalanceRow, BalanceView, Ledger, LedgerError, Posting, PostingReason


def _funded(amount: int = 1000) -> Ledger:
    ledger = Ledger()
    ledger.deposit(1, "USDT", amount, ref=1)
    return ledger


def test_deposit_credits_available_and_records_a_posting() -> None:
    ledger = Ledger()
    assert ledger.deposit(1, "USDT", 500, ref=7) == [Posting(1, "USDT", 500, 0, PostingReason.DEPOSIT, 7)]
    assert ledger.balance(1, "USDT") == BalanceView(500, 0)
    assert ledger.total("USDT") == ledger.net_external("USDT") == 500


def test_non_positive_deposit_or_withdrawal_is_refused() -> None:
    ledger = _funded()
    assert ledger.deposit(1, "USDT", 0, ref=2) == Rejected.of(Reason.PARAM_ERROR, field="amt")
    assert ledger.withdraw(1, "USDT", -5, ref=2) == Rejected.of(Reason.PARAM_ERROR, field="amt")
    assert ledger.balance(1, "USDT") == BalanceView(1000, 0)


def test_withdraw_only_from_available() -> None:
    ledger = _funded()
    ledger.freeze(1, "USDT", 600, ref=9)
    assert ledger.withdraw(1, "USDT", 401, ref=3) == Rejected.of(Reason.INSUFFICIENT_BALANCE, ccy="USDT")
    assert ledger.withdraw(1, "USDT", 400, ref=3) == [
        Posting(1, "USDT", -400, 0, PostingReason.WITHDRAWAL, 3)
    ]
    assert ledger.balance(1, "USDT") == BalanceView(0, 600)
    assert ledger.total("USDT") == ledger.net_external("USDT") == 600


def test_freeze_and_unfreeze_move_between_available_and_frozen() -> None:
    ledger = _funded()
    assert ledger.freeze(1, "USDT", 300, ref=5) == [Posting(1, "USDT", -300, 300, PostingReason.FREEZE, 5)]
    assert ledger.balance(1, "USDT") == BalanceView(700, 300)
    assert ledger.unfreeze(1, "USDT", 100, ref=5) == [
        Posting(1, "USDT", 100, -100, PostingReason.UNFREEZE, 5)
    ]
    assert ledger.balance(1, "USDT") == BalanceView(800, 200)
    assert ledger.freeze(1, "USDT", 0, ref=5) == [] and ledger.unfreeze(1, "USDT", 0, ref=5) == []


def test_insufficient_freeze_is_refused_and_changes_nothing() -> None:
    ledger = _funded()
    assert ledger.freeze(1, "USDT", 1001, ref=5) == Rejected.of(Reason.INSUFFICIENT_BALANCE, ccy="USDT")
    assert ledger.freeze(2, "BTC", 1, ref=5) == Rejected.of(Reason.INSUFFICIENT_BALANCE, ccy="BTC")
    assert ledger.balance(1, "USDT") == BalanceView(1000, 0)
    assert list(ledger.rows()) == [BalanceRow(1, "USDT", 1000, 0)]  # no empty balance was created


def test_unfreezing_more_than_frozen_is_a_bug() -> None:
    ledger = _funded()
    ledger.freeze(1, "USDT", 10, ref=5)
    with pytest.raises(LedgerError):
        ledger.unfreeze(1, "USDT", 11, ref=5)
    assert ledger.balance(1, "USDT") == BalanceView(990, 10)


def test_transfer_moves_available_between_accounts() -> None:
    ledger = _funded()
    assert ledger.transfer(1, 2, "USDT", 250, ref=4) == [
        Posting(1, "USDT", -250, 0, PostingReason.TRANSFER, 4),
        Posting(2, "USDT", 250, 0, PostingReason.TRANSFER, 4),
    ]
    assert (ledger.balance(1, "USDT"), ledger.balance(2, "USDT")) == (
        BalanceView(750, 0),
        BalanceView(250, 0),
    )
    assert ledger.total("USDT") == 1000


@pytest.mark.parametrize(
    ("src", "dst", "amount", "reason"),
    [
        (1, 1, 10, Reason.TRANSFER_SAME_ACCOUNT),
        (1, 2, 0, Reason.TRANSFER_AMOUNT_INVALID),
        (1, 2, 1001, Reason.TRANSFER_EXCEEDS_AVAILABLE),
    ],
)
def test_refused_transfers_change_nothing(src: int, dst: int, amount: int, reason: Reason) -> None:
    ledger = _funded()
    refused = ledger.transfer(src, dst, "USDT", amount, ref=4)
    assert isinstance(refused, Rejected) and refused.reason is reason
    assert list(ledger.rows()) == [BalanceRow(1, "USDT", 1000, 0)]


def test_a_batch_that_would_go_negative_applies_nothing() -> None:
    ledger = _funded()
    batch = [
        Posting(2, "USDT", 500, 0, PostingReason.TRADE, 1),
        Posting(1, "USDT", -1500, 0, PostingReason.TRADE, 1),
    ]
    with pytest.raises(LedgerError):
        ledger.post(batch)
    assert ledger.balance(1, "USDT") == BalanceView(1000, 0)
    assert ledger.balance(2, "USDT") == BalanceView(0, 0)


def test_balances_per_account_and_restore_round_trip() -> None:
    ledger = _funded()
    ledger.deposit(1, "BTC", 3, ref=2)
    ledger.freeze(1, "BTC", 1, ref=3)
    assert ledger.balances(1) == {"USDT": BalanceView(1000, 0), "BTC": BalanceView(2, 1)}
    copy = Ledger()
    copy.restore(ledger.rows())
    assert list(copy.rows()) == list(ledger.rows())
    assert copy.net_external("BTC") == 3 and copy.currencies() == {"USDT", "BTC"}


def test_restore_refuses_negative_balances() -> None:
    with pytest.raises(LedgerError):
        Ledger().restore([BalanceRow(1, "USDT", -1, 0)])
