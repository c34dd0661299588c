"""Conversions between engine units, stored records and views (pure functions).

The engine counts ticks, lots and notional (ticks x lots); records and views carry Decimals in
plain instrument units, ledger amounts stay integer 10**-18 units until a view shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Context, Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import PosSide
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Instrument
from sandex.domain.ledger.amounts import from_amount
from sandex.domain.matching.order import CancelCause, OrderSnapshot, OrdType, Side, TgtCcy
from sandex.domain.matching.rules import notional_step
from sandex.domain.money import to_units
from sandex.services.exchange.records import AlgoRecord, OrderRecord

_MARKET = OrdType.MARKET
_QUOTE = TgtCcy.QUOTE_CCY
_EXACT = Context(prec=80)  # wide enough that no product of units and steps ever rounds
_ONE = Decimal(1)
_BUY = Side.BUY
_MAX_ID_DIGITS = 19  # ids are positive 64-bit integers


@dataclass(slots=True)
class OrderExtras:
    """What storage keeps about a pending order beyond the engine's snapshot."""

    td_mode: str = "cash"
    fee: int = 0  # ledger units charged so far
    last_trade_id: int | None = None
    last_fill_px: Decimal | None = None
    last_fill_sz: Decimal | None = None
    last_fill_time: int | None = None
    algo_id: int | None = None  # the algo order that placed it
    algo_cl_ord_id: str = ""
    source: str = ""
    attached: tuple[AlgoRecord, ...] = ()  # its TP/SL waiting on it (`attachAlgoOrds`)
    # swaps
    pos_side: PosSide | None = None
    reduce_only: bool = False
    lever: Decimal | None = None
    pnl: int = 0
    category: str = "normal"
    reserve_rate: Decimal | None = None

    @classmethod
    def of(cls, record: OrderRecord) -> OrderExtras:
        return cls(
            record.td_mode,
            record.fee,
            record.last_trade_id,
            record.last_fill_px,
            record.last_fill_sz,
            record.last_fill_time,
            record.algo_id,
            record.algo_cl_ord_id,
            record.source,
            (),
            record.pos_side,
            record.reduce_only,
            record.lever,
            record.pnl,
            record.category,
            record.reserve_rate,
        )


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
    """Fees are charged in what the order receives: base for buys, quote for sells (swaps: always
    the settlement currency)."""
    if inst.contract is not None:
        return inst.contract.settle_ccy
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
    # positional, in the record's field order: 36 keyword arguments cost ~4 µs more per record
    return OrderRecord(
        snap.ord_id,  # ord_id
        environment,  # environment
        snap.account_id,  # account_id
        snap.inst_id,  # inst_id
        snap.side,  # side
        snap.ord_type,  # ord_type
        snap.tgt_ccy,  # tgt_ccy
        extras.td_mode,  # td_mode
        None if market else px_of(inst, snap.px),  # px
        notional_of(inst, snap.sz) if quote_sized else sz_of(inst, snap.sz),  # sz
        sz_of(inst, snap.filled),  # acc_fill_sz
        notional_of(inst, snap.filled_notional),  # fill_notional
        extras.fee,  # fee
        fee_ccy_of(inst, snap.side),  # fee_ccy
        snap.state,  # state
        snap.stp_mode,  # stp_mode
        cause,  # cancel_cause
        snap.cl_ord_id,  # cl_ord_id
        snap.tag,  # tag
        snap.c_ts,  # c_time
        snap.u_ts,  # u_time
        snap.seq,  # seq
        extras.last_trade_id,  # last_trade_id
        extras.last_fill_px,  # last_fill_px
        extras.last_fill_sz,  # last_fill_sz
        extras.last_fill_time,  # last_fill_time
        extras.algo_id,  # algo_id
        extras.algo_cl_ord_id,  # algo_cl_ord_id
        extras.source,  # source
        extras.attached,  # attached
        extras.pos_side,  # pos_side
        extras.reduce_only,  # reduce_only
        extras.lever,  # lever
        extras.pnl,  # pnl
        extras.category,  # category
        extras.reserve_rate,  # reserve_rate
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
        record.ord_id,
        record.inst_id,
        record.account_id,
        record.side,
        record.ord_type,
        record.tgt_ccy,
        px,
        sz,
        filled,
        notional,
        record.state,
        record.cl_ord_id,
        record.tag,
        record.stp_mode,
        record.c_time,
        record.u_time,
        record.seq,
    )
