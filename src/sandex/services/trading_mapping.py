"""Conversions between engine units, stored records and views (pure functions).

The engine counts ticks, lots and notional (ticks x lots); records and views carry Decimals in
plain instrument units, ledger amounts stay integer 10**-18 units until a view shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Context, Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Catalogue, Instrument
from sandex.domain.ledger.amounts import from_amount
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import CancelCause, OrderSnapshot, OrdType, Side, TgtCcy
from sandex.domain.matching.rules import notional_step
from sandex.domain.money import to_units
from sandex.services.trading_ports import FillRecord, OrderRecord, PostingRecord
from sandex.services.trading_views import BillView, FillView, LastFill, OrderView

_MARKET = OrdType.MARKET
_QUOTE = TgtCcy.QUOTE_CCY
_EXACT = Context(prec=80)  # wide enough that no product of units and steps ever rounds
_ONE = Decimal(1)
_BUY = Side.BUY
_AVG_PX_EXTRA_DIGITS = 8  # avgPx: the tick's decimals plus this many (OKX shows a long average too)
_MAX_ID_DIGITS = 19  # ids are positive 64-bit integers
_TRADE_REASONS = frozenset({PostingReason.TRADE, PostingReason.FEE})


@dataclass(slots=True)
class OrderExtras:
    """What storage keeps about a pending order beyond the engine's snapshot."""

    td_mode: str = "cash"
    fee: int = 0  # ledger units charged so far
    last_trade_id: int | None = None
    last_fill_px: Decimal | None = None
    last_fill_sz: Decimal | None = None
    last_fill_time: int | None = None

    @classmethod
    def of(cls, record: OrderRecord) -> OrderExtras:
        return cls(
            record.td_mode, record.fee, record.last_trade_id, record.last_fill_px,
            record.last_fill_sz, record.last_fill_time,
        )  # fmt: skip


def plain(value: Decimal) -> Decimal:
    """The same number without trailing zeros and never in exponent form: 1.500 -> 1.5, 1E+5 -> 100000."""
    if value == value.to_integral_value(context=_EXACT):
        return value.quantize(_ONE, context=_EXACT)
    return value.normalize(_EXACT)


def amount(units: int) -> Decimal:
    """Ledger units as a plain decimal of the currency."""
    return plain(from_amount(units)) if units else Decimal(0)


def parse_id(text: str) -> int | Rejected:
    """An ordId/billId/tradeId from the wire: digits only, positive, at most 64-bit."""
    if not text.isdigit() or not text.isascii() or len(text) > _MAX_ID_DIGITS or not 0 < int(text) < 1 << 63:
        return Rejected.of(Reason.PARAM_ERROR, field="ord_id")
    return int(text)


# Several conversions per order on the sequencer: the context's own methods, not `localcontext`
# (a context switch per call cost more than the multiplication).
def px_of(inst: Instrument, ticks: int) -> Decimal:
    return _EXACT.multiply(ticks, inst.tick_sz)


def sz_of(inst: Instrument, lots: int) -> Decimal:
    return _EXACT.multiply(lots, inst.lot_sz)


def notional_of(inst: Instrument, notional: int) -> Decimal:
    return _EXACT.multiply(notional, notional_step(inst))


def fee_ccy_of(inst: Instrument, side: Side) -> str:
    """Fees are charged in what the order receives: base for buys, quote for sells."""
    return inst.base_ccy if side is _BUY else inst.quote_ccy


def record_of(
    snap: OrderSnapshot,
    inst: Instrument,
    environment: Environment,
    extras: OrderExtras,
    cause: CancelCause | None,
) -> OrderRecord:
    market = snap.ord_type is _MARKET
    quote_sized = snap.tgt_ccy is _QUOTE
    return OrderRecord(
        ord_id=snap.ord_id,
        environment=environment,
        account_id=snap.account_id,
        inst_id=snap.inst_id,
        side=snap.side,
        ord_type=snap.ord_type,
        tgt_ccy=snap.tgt_ccy,
        td_mode=extras.td_mode,
        px=None if market else px_of(inst, snap.px),
        sz=notional_of(inst, snap.sz) if quote_sized else sz_of(inst, snap.sz),
        acc_fill_sz=sz_of(inst, snap.filled),
        fill_notional=notional_of(inst, snap.filled_notional),
        fee=extras.fee,
        fee_ccy=fee_ccy_of(inst, snap.side),
        state=snap.state,
        stp_mode=snap.stp_mode,
        cancel_cause=cause,
        cl_ord_id=snap.cl_ord_id,
        tag=snap.tag,
        c_time=snap.c_ts,
        u_time=snap.u_ts,
        seq=snap.seq,
        last_trade_id=extras.last_trade_id,
        last_fill_px=extras.last_fill_px,
        last_fill_sz=extras.last_fill_sz,
        last_fill_time=extras.last_fill_time,
    )


def snapshot_of(record: OrderRecord, inst: Instrument) -> OrderSnapshot:
    """A stored resting order back in engine units (exact: it was stored from them)."""
    px = to_units(record.px or Decimal(0), inst.tick_sz)
    sz = to_units(record.sz, inst.lot_sz)
    filled = to_units(record.acc_fill_sz, inst.lot_sz)
    notional = to_units(record.fill_notional, notional_step(inst))
    if px is None or sz is None or filled is None or notional is None:
        raise ValueError(f"order {record.ord_id} does not fit {inst.inst_id}'s tick/lot sizes")
    return OrderSnapshot(
        record.ord_id, record.inst_id, record.account_id, record.side, record.ord_type, record.tgt_ccy,
        px, sz, filled, notional, record.state, record.cl_ord_id, record.tag, record.stp_mode,
        record.c_time, record.u_time, record.seq,
    )  # fmt: skip


def order_view(record: OrderRecord, catalogue: Catalogue) -> OrderView:
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
    )
