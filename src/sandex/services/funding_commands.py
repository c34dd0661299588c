"""Funding commands: what the funding service submits to the sequencer, and what applying one gives.

Every command names its environment: the sequencer applies it to that environment's ledger.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.funding.model import AccountType, AddrType, Dest, TransferType
from sandex.domain.ledger.postings import Posting
from sandex.services.funding_ports import FundingChanges

TRANSFER_ID_BASE = 1_000_000_000  # transIds: 10 digits, like OKX's
WITHDRAWAL_ID_BASE = 20_000_000  # wdIds: 8 digits (deposit ids are 10,000,000+, trade ids 100,000,000+)


# --- commands ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Transfer:
    environment: Environment
    user_id: int  # whose key asked
    type: TransferType
    ccy: str
    units: int
    src_user: int
    src: AccountType
    src_account: int
    dst_user: int
    dst: AccountType
    dst_account: int
    sub_acct: str = ""
    client_id: str = ""


@dataclass(frozen=True, slots=True)
class Withdraw:
    environment: Environment
    user_id: int
    account_id: int  # the user's funding account
    ccy: str
    chain: str  # "" for internal
    units: int
    fee_units: int
    dest: Dest
    to_addr: str
    tag: str
    addr_type: AddrType
    usd_value: Decimal
    quota_usd: Decimal
    from_text: str
    receiver_id: int | None = None  # internal: the receiving user
    receiver_account: int | None = None  # internal: the receiver's funding account
    client_id: str = ""


@dataclass(frozen=True, slots=True)
class CancelWithdrawal:
    environment: Environment
    user_id: int
    wd_id: int


@dataclass(frozen=True, slots=True)
class FailWithdrawal:
    """The operator's (or a test's) simulated chain rejection."""

    environment: Environment
    wd_id: int


@dataclass(frozen=True, slots=True)
class ChainDeposit:
    environment: Environment
    user_id: int
    account_id: int
    ccy: str
    chain: str
    units: int
    to_addr: str
    tag: str
    arrival: int
    unlock: int
    tx_id: str = ""  # "" = make one up


@dataclass(frozen=True, slots=True)
class AdvanceFunding:
    """Move every open withdrawal and deposit of `environment` to where the clock says it is."""

    environment: Environment


FundingCommand = Transfer | Withdraw | CancelWithdrawal | FailWithdrawal | ChainDeposit | AdvanceFunding
FUNDING_COMMANDS = (Transfer, Withdraw, CancelWithdrawal, FailWithdrawal, ChainDeposit, AdvanceFunding)


@dataclass(slots=True)
class FundingApplied:
    result: object  # TransferRecord | WithdrawalRecord | DepositRecord | int (advanced) | Rejected
    postings: list[Posting] = field(default_factory=list)
    rows: FundingChanges = field(default_factory=FundingChanges)


def tx_hash(*parts: object) -> str:
    """A made-up but stable transaction hash."""
    return "0x" + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
