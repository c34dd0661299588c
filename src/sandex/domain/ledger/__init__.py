"""The double-entry ledger: balances, postings (the audit trail) and fees (pure, integer units)."""

from sandex.domain.ledger.amounts import AMOUNT_DECIMALS, AMOUNT_STEP, from_amount, to_amount, units_per
from sandex.domain.ledger.balances import FEE_ACCOUNT, BalanceRow, BalanceView, Ledger, LedgerError
from sandex.domain.ledger.fees import DEFAULT_TIER, FeeSchedule, FeeTier, fee_on
from sandex.domain.ledger.postings import Posting, PostingReason

__all__ = [
    "AMOUNT_DECIMALS",
    "AMOUNT_STEP",
    "DEFAULT_TIER",
    "FEE_ACCOUNT",
    "BalanceRow",
    "BalanceView",
    "FeeSchedule",
    "FeeTier",
    "Ledger",
    "LedgerError",
    "Posting",
    "PostingReason",
    "fee_on",
    "from_amount",
    "to_amount",
    "units_per",
]
