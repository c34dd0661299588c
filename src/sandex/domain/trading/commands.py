"""Order commands as the transport parses them (decimals) and the exchange runs them: place, amend
and cancel specs. They name no account: whose they are travels beside them (the command batch).

`to_new_order` turns an `OrderSpec` into engine units against its instrument, or refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.derivatives.contracts import PosSide
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Instrument
from sandex.domain.matching.order import NewOrder, OrdType, Side, StpMode, TgtCcy
from sandex.domain.matching.rules import amend_lots, price_ticks, quote_notional, size_lots
from sandex.domain.trading.algos import AttachedAlgo, AttachedAmend


@dataclass(frozen=True, slots=True)
class OrderSpec:
    inst_id: str
    side: Side
    ord_type: OrdType
    sz: Decimal  # base currency; quote currency for quote-sized market orders
    px: Decimal | None = None  # required unless market
    tgt_ccy: TgtCcy | None = None  # market only; None = OKX default (buy: quote, sell: base)
    cl_ord_id: str = ""  # "" = none; unique among the account's pending orders (51016)
    tag: str = ""
    stp_mode: StpMode = StpMode.CANCEL_MAKER  # OKX's default
    attach_algo_ords: tuple[AttachedAlgo, ...] = ()  # TP/SL made once the order is fully filled
    # derivatives (a spot order is "cash", no position side, never reduce-only)
    td_mode: str = "cash"  # "cash" | "cross" | "isolated" (`MgnMode` on derivatives)
    pos_side: PosSide | None = None  # None: not sent ("net" in net mode; required in long/short mode)
    reduce_only: bool = False


@dataclass(frozen=True, slots=True)
class AmendSpec:
    inst_id: str
    ord_id: int | None = None  # wins over cl_ord_id when both are given
    cl_ord_id: str = ""
    new_sz: Decimal | None = None  # includes what is already filled; <= filled completes the order
    new_px: Decimal | None = None
    cxl_on_fail: bool = False
    req_id: str = ""  # the client's name for this amend, echoed back in its answer
    attach_algo_ords: tuple[AttachedAmend, ...] = ()  # changes to the order's TP/SL (checked by the caller)


@dataclass(frozen=True, slots=True)
class CancelSpec:
    inst_id: str
    ord_id: int | None = None  # wins over cl_ord_id when both are given
    cl_ord_id: str = ""


def market_target(cmd: OrderSpec) -> TgtCcy:
    """What a market order's `sz` counts; limit-priced orders are always sized in base."""
    if cmd.ord_type is not OrdType.MARKET:
        return TgtCcy.BASE_CCY
    if cmd.tgt_ccy is not None:
        return cmd.tgt_ccy
    return TgtCcy.QUOTE_CCY if cmd.side is Side.BUY else TgtCcy.BASE_CCY


def to_new_order(inst: Instrument, account_id: int, cmd: OrderSpec) -> NewOrder | Rejected:
    if cmd.ord_type is OrdType.OPTIMAL_LIMIT_IOC:  # derivatives only (the swap admission builds it)
        return Rejected.of(Reason.PARAM_ERROR, field="ordType")
    if cmd.ord_type is OrdType.FOK and cmd.stp_mode is StpMode.CANCEL_BOTH:
        return Rejected.of(Reason.PARAM_ERROR, field="stp_mode")  # OKX: cancel_both does not support FOK
    tgt = market_target(cmd)
    if cmd.ord_type is OrdType.MARKET:
        sz = _market_size(inst, cmd.sz, tgt)
        px: int | Rejected = 0
    else:
        sz = size_lots(inst, cmd.sz)
        px = price_ticks(inst, cmd.px)
    if isinstance(px, Rejected):
        return px
    if isinstance(sz, Rejected):
        return sz
    return NewOrder(account_id, cmd.side, cmd.ord_type, sz, px, tgt, cmd.cl_ord_id, cmd.tag, cmd.stp_mode)


def _market_size(inst: Instrument, sz: Decimal, tgt: TgtCcy) -> int | Rejected:
    quoted = tgt is TgtCcy.QUOTE_CCY
    if sz.is_finite() and sz > (inst.max_mkt_amt if quoted else inst.max_mkt_sz):
        return Rejected(Reason.MARKET_ORDER_TOO_LARGE)
    return quote_notional(inst, sz) if quoted else size_lots(inst, sz)


def amend_units(inst: Instrument, cmd: AmendSpec) -> tuple[int | None, int | None] | Rejected:
    """`(new_sz lots, new_px ticks)`; a new size below `min_sz` is fine (it may complete the order)."""
    new_px = None if cmd.new_px is None else price_ticks(inst, cmd.new_px, "new_px")
    if isinstance(new_px, Rejected):
        return new_px
    if cmd.new_sz is None:
        return None, new_px
    lots = amend_lots(inst, cmd.new_sz)
    return lots if isinstance(lots, Rejected) else (lots, new_px)
