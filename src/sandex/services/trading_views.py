"""What the trading service takes and hands back: typed requests in, plain views out.

Contract for the REST transport (`transport/okx/rest/trade.py`, `account.py`):

* Requests carry values already parsed from the wire (Decimals, enums); the transport checks
  presence and syntax (50014/51000 naming the wire field), the service checks everything else.
* A refusal is a `Rejected`. When it names a field (`params["field"]`), the name is the
  snake_case request attribute (`sz`, `px`, `new_sz`, `new_px`, `ord_id`, `cl_ord_id`, `stp_mode`,
  `ccy`, `amt`...): the transport renders it in wire camelCase (`newSz`...).
* Ids (`ord_id`, `trade_id`, `bill_id`) are decimal strings: OKX sends them as strings and they
  are larger than JavaScript's safe integers. Timestamps are integer milliseconds.
* Amounts are `Decimal`s in plain units of their currency/instrument. Fees follow OKX's sign:
  **negative = charged** (`fee`, `fee_rate`, `maker`/`taker` rates of `FeeView`).
* `None` means "not applicable" (the transport renders `""`), e.g. `px` of a market order or
  `avg_px` of an order that has not filled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import CancelCause, OrdState, OrdType, Side, StpMode, TgtCcy

MAX_BATCH = 20  # OKX: at most 20 orders per batch request (51111)
MAX_PAGE = 100  # OKX: `limit` of list endpoints is at most 100


@dataclass(frozen=True, slots=True)
class Trader:
    """Who trades: built by the transport from the authenticated `Principal`."""

    user_id: int
    environment: Environment


class LedgerAccountKind(StrEnum):
    """OKX's account types in transfers: 18 = trading, 6 = funding; plus sandex's own accounts."""

    TRADING = "trading"
    FUNDING = "funding"
    FEE = "fee"  # one per environment: collects every fee
    SYSTEM = "system"


# --- requests ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PlaceOrderRequest:
    inst_id: str
    side: Side
    ord_type: OrdType
    sz: Decimal  # base ccy; quote ccy for market orders with tgt_ccy quote (OKX default for buys)
    px: Decimal | None = None  # required unless market (51204 when missing)
    tgt_ccy: TgtCcy | None = None  # market orders only (ignored otherwise); None = OKX default
    cl_ord_id: str = ""  # "" = none; unique among the account's pending orders (51016)
    tag: str = ""
    stp_mode: StpMode | None = None  # None = cancel_maker (OKX default)
    td_mode: str = "cash"  # echoed back in order views


@dataclass(frozen=True, slots=True)
class CancelRequest:
    inst_id: str
    ord_id: str | None = None  # wins over cl_ord_id when both are given
    cl_ord_id: str = ""


@dataclass(frozen=True, slots=True)
class AmendRequest:
    inst_id: str
    ord_id: str | None = None  # wins over cl_ord_id when both are given
    cl_ord_id: str = ""
    new_sz: Decimal | None = None  # includes what is already filled; <= filled completes the order
    new_px: Decimal | None = None
    cxl_on_fail: bool = False
    req_id: str = ""  # echoed back in the ack


# --- command results -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OrderAck:
    """One item of a place/cancel/amend answer (OKX `data[i]` with `sCode`/`sMsg`).

    `rejected` None means sCode "0". `ord_id` is "" when a placement was refused; for cancel/amend
    it echoes the order's id (the requested one when it was given). `ts` is the sequencer's time.
    """

    ord_id: str
    cl_ord_id: str
    tag: str
    ts: int
    rejected: Rejected | None = None
    req_id: str = ""  # amend only

    @property
    def ok(self) -> bool:
        return self.rejected is None


# --- reads ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LastFill:
    """The order's most recent fill (OKX `tradeId`, `fillPx`, `fillSz`, `fillTime`)."""

    trade_id: str
    px: Decimal
    sz: Decimal
    ts: int


@dataclass(frozen=True, slots=True)
class OrderView:
    ord_id: str
    cl_ord_id: str
    tag: str
    inst_id: str
    side: Side
    ord_type: OrdType
    tgt_ccy: TgtCcy | None  # market orders only; None for limit-priced orders ("" on the wire)
    td_mode: str
    px: Decimal | None  # None for market orders
    sz: Decimal  # in tgt_ccy units for market orders (quote for a quote-sized buy)
    acc_fill_sz: Decimal  # base currency
    avg_px: Decimal | None  # None until something filled
    fee: Decimal  # accumulated, negative = charged
    fee_ccy: str
    state: OrdState
    stp_mode: StpMode
    cancel_cause: CancelCause | None  # why it was canceled (OKX cancelSource), None otherwise
    c_time: int
    u_time: int
    last_fill: LastFill | None = None


class ExecType(StrEnum):
    TAKER = "T"
    MAKER = "M"


@dataclass(frozen=True, slots=True)
class FillView:
    """One side of one trade, as the account that traded sees it (OKX `trade/fills`)."""

    bill_id: str
    trade_id: str
    ord_id: str
    cl_ord_id: str
    tag: str
    inst_id: str
    side: Side
    px: Decimal
    sz: Decimal
    exec_type: ExecType
    fee: Decimal  # negative = charged
    fee_ccy: str
    fee_rate: Decimal  # negative = charged (OKX feeRate)
    ts: int


@dataclass(frozen=True, slots=True)
class CurrencyBalance:
    ccy: str
    available: Decimal  # OKX availBal / availEq
    frozen: Decimal  # OKX frozenBal / ordFrozen
    total: Decimal  # OKX eq / cashBal
    eq_usd: Decimal | None  # None when sandex has no USD price for the currency
    u_time: int


@dataclass(frozen=True, slots=True)
class AccountBalanceView:
    """The trading account (OKX `account/balance`): currencies with a non-zero total."""

    total_eq: Decimal  # USD, over the currencies that have a price
    u_time: int
    details: list[CurrencyBalance] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BillView:
    """One balance change of the trading account (OKX `account/bills`).

    Order freezes/unfreezes are not bills (they move nothing in or out of the balance). A trade's
    fee is its own bill (`reason` FEE, `bal_chg` = `fee` < 0) after the trade's bills.
    """

    bill_id: str
    ccy: str
    reason: PostingReason  # the transport maps it to OKX `type`/`subType`
    bal_chg: Decimal
    bal: Decimal  # total balance of `ccy` right after this bill
    fee: Decimal  # negative = charged; 0 except for fee bills
    inst_id: str  # "" when not about an order
    ord_id: str  # "" when not about an order
    trade_id: str  # "" when not about a trade
    ts: int


@dataclass(frozen=True, slots=True)
class FeeView:
    """OKX `account/trade-fee` for spot: rates negative = charged."""

    inst_id: str
    maker: Decimal
    taker: Decimal
    level: str  # e.g. "Lv1"
    ts: int


@dataclass(frozen=True, slots=True)
class MaxSizeView:
    """OKX `account/max-size` (spot, cash): what a buy and a sell could be at most, in base ccy."""

    inst_id: str
    ccy: str  # the base currency
    max_buy: Decimal
    max_sell: Decimal


@dataclass(frozen=True, slots=True)
class MaxAvailView:
    """OKX `account/max-avail-size` (spot, cash): available quote for buys, base for sells."""

    inst_id: str
    avail_buy: Decimal  # quote currency available
    avail_sell: Decimal  # base currency available


@dataclass(frozen=True, slots=True)
class DepositView:
    dep_id: str
    user_id: int
    environment: Environment
    ccy: str
    amount: Decimal
    account: LedgerAccountKind
    available: Decimal  # the account's available balance of `ccy` right after the deposit
    ts: int
