"""Postings: the audit trail. Every balance change is one posting, and nothing else changes a balance."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class PostingReason(StrEnum):
    DEPOSIT = "deposit"  # ref: deposit id (external money in: the only source of money)
    WITHDRAWAL = "withdrawal"  # ref: withdrawal id (external money out)
    TRANSFER = "transfer"  # ref: transfer id (one posting out, one in)
    FREEZE = "freeze"  # ref: order id (available -> frozen)
    UNFREEZE = "unfreeze"  # ref: order id (frozen -> available: order finished or shrank)
    TRADE = "trade"  # ref: trade id (frozen spent, proceeds received, price improvement back)
    FEE = "fee"  # ref: trade id (payer debited, fee account credited)
    CONVERT = "convert"  # ref: convert trade number (the user and the convert desk swap currencies)
    MARGIN = "margin"  # ref: position id (swap margin moved between the user and clearing, not a fill)
    FUNDING = "funding"  # ref: position id (a swap funding payment between the user and clearing)
    LIQUIDATION = "liquidation"  # ref: position id (insurance-fund takeover, liquidation penalty)


class Posting(NamedTuple):
    """One change to one balance, in ledger units (10**-18)."""

    account_id: int
    ccy: str
    delta_available: int
    delta_frozen: int
    reason: PostingReason
    ref: int
