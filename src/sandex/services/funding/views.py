"""What the funding service takes and hands back: typed requests in, plain views out.

Contract for the REST transport (`transport/okx/rest/asset.py`), as for trading (`trading_views`):
requests carry values already parsed from the wire; a refusal is a `Rejected` whose `field`, when
present, is a snake_case attribute (`sub_acct`, `amt`, `chain`…) the transport spells in camelCase.
Amounts are `Decimal`s in plain currency units; ids are decimal strings; times are ms.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from sandex.domain.accounts.model import Environment
from sandex.domain.funding.model import (
    AccountType,
    AddrType,
    DepositState,
    DepositType,
    Dest,
    TransferState,
    TransferType,
    WithdrawalState,
)


@dataclass(frozen=True, slots=True)
class Funder:
    """Who asks: built by the transport from the authenticated principal (demo keys act on demo)."""

    user_id: int
    environment: Environment
    is_sub: bool = False


@dataclass(frozen=True, slots=True)
class TransferView:
    """A transfer (OKX `asset/transfer` answer and `asset/transfer-state` row)."""

    trans_id: str
    client_id: str
    ccy: str
    amount: Decimal
    type: TransferType
    src: AccountType
    dst: AccountType
    sub_acct: str
    state: TransferState
    ts: int


@dataclass(frozen=True, slots=True)
class WithdrawalView:
    """A withdrawal (OKX `asset/withdrawal` answer and `asset/withdrawal-history` row)."""

    wd_id: str
    client_id: str
    ccy: str
    chain: str
    amount: Decimal
    fee: Decimal
    dest: Dest
    to_addr: str
    tag: str
    tag_field: str  # "tag" or "memo": how OKX names the tag on this chain
    addr_type: AddrType
    from_text: str
    tx_id: str
    state: WithdrawalState
    ts: int


@dataclass(frozen=True, slots=True)
class DepositView:
    """A deposit (OKX `asset/deposit-history` row)."""

    dep_id: str
    ccy: str
    chain: str
    amount: Decimal
    dep_type: DepositType
    from_text: str
    to_addr: str
    tag: str
    tx_id: str
    state: DepositState
    confirmations: int  # OKX actualDepBlkConfirm
    from_wd_id: str
    ts: int


@dataclass(frozen=True, slots=True)
class AddressView:
    """A deposit address (OKX `asset/deposit-address` row)."""

    ccy: str
    chain: str
    addr: str
    tag: str | None
    tag_field: str
    to: AccountType


@dataclass(frozen=True, slots=True)
class FundingBalance:
    ccy: str
    total: Decimal
    available: Decimal
    frozen: Decimal


@dataclass(frozen=True, slots=True)
class Valuation:
    """OKX `asset/asset-valuation`: both accounts valued in `ccy`."""

    ccy: str
    total: Decimal
    funding: Decimal
    trading: Decimal
    ts: int


class BillKind(StrEnum):
    """Funding-account bill types, by OKX `asset/bills` `type` code."""

    DEPOSIT = "1"
    WITHDRAWAL = "2"
    TO_SUB = "20"  # master: transfer to a sub-account
    FROM_SUB = "21"  # master: transfer from a sub-account
    SUB_OUT = "22"  # sub-account: transfer out (to its master or a sibling)
    SUB_IN = "23"  # sub-account: transfer in (from its master or a sibling)
    FROM_TRADING = "130"
    TO_TRADING = "131"
    WITHDRAWAL_FEE = "221"  # "Blockchain's withdrawal fee"


@dataclass(frozen=True, slots=True)
class FundingBillView:
    bill_id: str
    ccy: str
    client_id: str
    bal_chg: Decimal
    bal: Decimal
    kind: BillKind
    ts: int


@dataclass(frozen=True, slots=True)
class AllowListView:
    id: str
    chain: str  # "" for internal receivers
    addr: str
    tag: str
    label: str
    created_ms: int


@dataclass(frozen=True, slots=True)
class QuotaView:
    """The daily withdrawal limit (USD) and what the last 24 h used of it (OKX wdQuota/usedWdQuota)."""

    quota_usd: Decimal
    used_usd: Decimal


# --- requests ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HistoryFilter:
    """deposit-history / withdrawal-history: ids, states and ts cursors as OKX takes them."""

    ccy: str | None = None
    record_id: str | None = None  # depId / wdId
    client_id: str | None = None
    tx_id: str | None = None
    kind: str | None = None  # "3" | "4"
    state: str | None = None
    from_wd_id: str | None = None
    after: int | None = None
    before: int | None = None
    limit: int = 100
