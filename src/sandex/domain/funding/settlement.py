"""The money side of funding, as ledger postings (double entry; see `sandex.domain.ledger`).

* A withdrawal request holds `amt + fee` (available -> frozen): nothing leaves yet.
* On success the hold is released and `amt` leaves the exchange (a withdrawal: the only way money
  goes out), while the fee moves to the exchange's fee account (it stays inside: conservation).
* Canceled or failed: the hold is released, nothing else changes.
* An internal withdrawal moves `amt` from the sender's funding account to the receiver's at once:
  money never leaves, so the sum over all accounts and the net external amount stay as they were.
* A chain deposit is external money in, credited once it has its arrival confirmations.
"""

from __future__ import annotations

from sandex.domain.errors import Reason, Rejected
from sandex.domain.ledger.balances import Ledger
from sandex.domain.ledger.postings import Posting, PostingReason


def hold(
    ledger: Ledger, account: int, ccy: str, total: int, withdrawable: int, wd_id: int
) -> list[Posting] | Rejected:
    """Set `total` (amount + fee) aside for a withdrawal; 58350 unless that much is withdrawable.

    `withdrawable` is what the account may withdraw now: its available balance less deposits that
    are credited but not yet unlocked.
    """
    if withdrawable < total:
        return Rejected(Reason.FUNDING_INSUFFICIENT)
    frozen = ledger.freeze(account, ccy, total, wd_id)
    return Rejected(Reason.FUNDING_INSUFFICIENT) if isinstance(frozen, Rejected) else frozen


def release(ledger: Ledger, account: int, ccy: str, total: int, wd_id: int) -> list[Posting]:
    """Give a canceled or failed withdrawal's hold back."""
    return ledger.unfreeze(account, ccy, total, wd_id)


def complete(ledger: Ledger, account: int, ccy: str, units: int, fee_units: int, wd_id: int) -> list[Posting]:
    """A successful on-chain withdrawal: `units` leave the exchange, the fee goes to the fee account."""
    postings = ledger.unfreeze(account, ccy, units + fee_units, wd_id)
    out = ledger.withdraw(account, ccy, units, wd_id)
    assert not isinstance(out, Rejected), "the hold covered it"
    postings.extend(out)
    if fee_units:
        postings.extend(
            ledger.post(
                [
                    Posting(account, ccy, -fee_units, 0, PostingReason.FEE, wd_id),
                    Posting(ledger.fee_account, ccy, fee_units, 0, PostingReason.FEE, wd_id),
                ]
            )
        )
    return postings


def move_internal(
    ledger: Ledger, src: int, dst: int, ccy: str, units: int, withdrawable: int, wd_id: int, dep_id: int
) -> list[Posting] | Rejected:
    """An internal withdrawal: the sender's withdrawal and the receiver's deposit, in one batch."""
    if withdrawable < units:
        return Rejected(Reason.FUNDING_INSUFFICIENT)
    return ledger.post(
        [
            Posting(src, ccy, -units, 0, PostingReason.WITHDRAWAL, wd_id),
            Posting(dst, ccy, units, 0, PostingReason.DEPOSIT, dep_id),
        ]
    )


def credit(ledger: Ledger, account: int, ccy: str, units: int, dep_id: int) -> list[Posting]:
    """A chain deposit reaching its arrival confirmations: external money in."""
    out = ledger.deposit(account, ccy, units, dep_id)
    assert not isinstance(out, Rejected), "deposit amounts are checked when the deposit is seen"
    return out
