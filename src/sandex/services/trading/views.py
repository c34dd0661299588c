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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Context, Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import InstType, PosSide
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Catalogue, Instrument
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import CancelCause, OrdState, OrdType, Side, StpMode, TgtCcy
from sandex.services.exchange.records import AlgoRecord, ExecType, FillRecord, OrderRecord, PostingRecord
from sandex.services.exchange.units import amount, plain
from sandex.services.trading.swap_views import SwapBillPart, SwapFillPart, SwapOrderPart

_MARKET = OrdType.MARKET
_EXACT = Context(prec=80)  # as in `exchange.units`: no product of units and steps rounds
_AVG_PX_EXTRA_DIGITS = 8  # avgPx: the tick's decimals plus this many (OKX shows a long average too)
_TRADE_REASONS = frozenset({PostingReason.TRADE, PostingReason.FEE})

MAX_BATCH = 20  # OKX: at most 20 orders per batch request (51111)
MAX_PAGE = 100  # OKX: `limit` of list endpoints is at most 100


def batch_too_large(count: int) -> Rejected | None:
    """The one batch-size rule (51111), for the service and for the transports that refuse a
    request before charging or parsing its items."""
    return Rejected.of(Reason.BATCH_TOO_LARGE, limit=str(MAX_BATCH)) if count > MAX_BATCH else None


@dataclass(frozen=True, slots=True)
class Trader:
    """Who trades: built by the transport from the authenticated `Principal`."""

    user_id: int
    environment: Environment


# --- requests ------------------------------------------------------------------------------------


# --- command results -----------------------------------------------------------------------------


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
    algo_id: str = ""  # the algo order that placed it ("" for the user's own)
    algo_cl_ord_id: str = ""
    source: str = ""  # OKX `source`: "6" trigger, "7" TP/SL, "25" trailing stop
    attached: tuple[AttachedAlgoView, ...] = ()  # its `attachAlgoOrds`
    swap: SwapOrderPart | None = None  # a swap order's position fields (None on spot)


@dataclass(frozen=True, slots=True)
class AttachedAlgoView:
    """One `attachAlgoOrds` item of an order: its TP/SL and the algo order made (or to be made)."""

    attach_algo_id: str
    attach_algo_cl_ord_id: str
    tp_trigger_px: Decimal | None
    tp_ord_px: Decimal | None  # -1: market
    sl_trigger_px: Decimal | None
    sl_ord_px: Decimal | None


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
    swap: SwapFillPart | None = None  # a swap fill's position fields (None on spot)


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
    swap: SwapBillPart | None = None  # a bill about a swap position (None otherwise)


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


def order_view(record: OrderRecord, catalogue: Catalogue, attached: Sequence[AlgoRecord] = ()) -> OrderView:
    inst = catalogue.instrument(record.inst_id)
    market = record.ord_type is _MARKET
    last = None
    if record.last_trade_id is not None:
        fill_px, fill_sz = record.last_fill_px or Decimal(0), record.last_fill_sz or Decimal(0)
        last = LastFill(str(record.last_trade_id), plain(fill_px), plain(fill_sz), record.last_fill_time or 0)
    return OrderView(
        ord_id=str(record.ord_id),
        cl_ord_id=record.cl_ord_id,
        tag=record.tag,
        inst_id=record.inst_id,
        side=record.side,
        ord_type=record.ord_type,
        tgt_ccy=record.tgt_ccy if market else None,
        td_mode=record.td_mode,
        px=None if record.px is None else plain(record.px),
        sz=plain(record.sz),
        acc_fill_sz=plain(record.acc_fill_sz),
        avg_px=_avg_px(record, inst),
        fee=-amount(record.fee),
        fee_ccy=record.fee_ccy,
        state=record.state,
        stp_mode=record.stp_mode,
        cancel_cause=record.cancel_cause,
        c_time=record.c_time,
        u_time=record.u_time,
        last_fill=last,
        algo_id="" if record.algo_id is None else str(record.algo_id),
        algo_cl_ord_id=record.algo_cl_ord_id,
        source=record.source,
        attached=tuple(
            AttachedAlgoView(
                str(a.algo_id),
                a.attach_algo_cl_ord_id,
                a.tp_trigger_px,
                a.tp_ord_px,
                a.sl_trigger_px,
                a.sl_ord_px,
            )
            for a in attached
        ),
        swap=_swap_order(record, inst),
    )


def _swap_order(record: OrderRecord, inst: Instrument | None) -> SwapOrderPart | None:
    if inst is None or inst.contract is None:
        return None
    return SwapOrderPart(
        inst_type=inst.inst_type,
        pos_side=record.pos_side or PosSide.NET,
        lever=plain(record.lever) if record.lever is not None else Decimal(0),
        pnl=amount(record.pnl),
        category=record.category,
        reduce_only=record.reduce_only,
    )


def _avg_px(record: OrderRecord, inst: Instrument | None) -> Decimal | None:
    if not record.acc_fill_sz:
        return None
    avg = _EXACT.divide(record.fill_notional, record.acc_fill_sz)
    if inst is not None:
        avg = avg.quantize(Decimal(1).scaleb(-(inst.px_decimals + _AVG_PX_EXTRA_DIGITS)))
    return plain(avg)


def fill_view(record: FillRecord) -> FillView:
    return FillView(
        bill_id=str(record.bill_id),
        trade_id=str(record.trade_id),
        ord_id=str(record.ord_id),
        cl_ord_id=record.cl_ord_id,
        tag=record.tag,
        inst_id=record.inst_id,
        side=record.side,
        px=plain(record.px),
        sz=plain(record.sz),
        exec_type=record.exec_type,
        fee=-amount(record.fee),
        fee_ccy=record.fee_ccy,
        fee_rate=-record.fee_rate,
        ts=record.ts,
        swap=_swap_fill(record),
    )


def _swap_fill(record: FillRecord) -> SwapFillPart | None:
    """A swap fill (swap fills carry their position side). It closed when it went against its
    side (long/short mode), or, in net mode, when it realised PnL."""
    pos_side = record.pos_side
    if pos_side is None:
        return None
    if pos_side is PosSide.NET:
        closes = record.fill_pnl != 0
    else:
        closes = (pos_side is PosSide.LONG) != (record.side is Side.BUY)
    return SwapFillPart(
        inst_type=InstType.SWAP,
        pos_side=pos_side,
        closes=closes,
        fill_pnl=amount(record.fill_pnl),
        fill_mark_px=None if record.fill_mark_px is None else plain(record.fill_mark_px),
        fill_idx_px=None,
    )


def bill_view(record: PostingRecord) -> BillView:
    change = record.delta_available + record.delta_frozen
    is_fee = record.reason is PostingReason.FEE
    return BillView(
        bill_id=str(record.bill_id),
        ccy=record.ccy,
        reason=record.reason,
        bal_chg=amount(change),
        bal=amount(record.available_after + record.frozen_after),
        fee=amount(change) if is_fee else Decimal(0),
        inst_id=record.inst_id,
        ord_id="" if record.ord_id is None else str(record.ord_id),
        trade_id=str(record.ref) if record.reason in _TRADE_REASONS else "",
        ts=record.ts,
        swap=_swap_bill(record),
    )


def bill_views(records: Sequence[PostingRecord], catalogue: Catalogue) -> list[BillView]:
    """Bills of a page. A swap trade's fee is its own posting; it shows as a bill of the fill it
    paid for (the same subType, size and price, no PnL or margin change) when that fill's bill is
    on the page (they are booked together)."""
    views = [bill_view(r) for r in records]
    fills = {(v.trade_id, v.ord_id): v.swap for v in views if v.swap is not None and v.trade_id}
    return [_as_swap_fee(v, fills, catalogue) for v in views]


def _as_swap_fee(
    view: BillView, fills: Mapping[tuple[str, str], SwapBillPart], catalogue: Catalogue
) -> BillView:
    if view.swap is not None or view.reason is not PostingReason.FEE:
        return view
    inst = catalogue.instrument(view.inst_id)
    part = fills.get((view.trade_id, view.ord_id))
    if inst is None or inst.contract is None or part is None:
        return view
    return replace(view, swap=replace(part, pnl=Decimal(0), pos_bal_chg=Decimal(0), pos_bal=None))


def _swap_bill(record: PostingRecord) -> SwapBillPart | None:
    """A bill the exchange booked about a swap position (it names its OKX subType)."""
    if record.sub_type is None:
        return None
    return SwapBillPart(
        sub_type=record.sub_type,
        mgn_mode=record.mgn_mode,
        sz=None if record.sz is None else plain(record.sz),
        px=None if record.px is None else plain(record.px),
        pnl=amount(record.pnl or 0),
        pos_bal_chg=amount(record.pos_bal_chg or 0),
    )
