"""Swap conversions between engine state and stored records: positions, an order's swap terms."""

from __future__ import annotations

from decimal import Context, Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import MgnMode, PosSide
from sandex.domain.derivatives.positions import CLOSED, Position
from sandex.domain.instruments import Instrument
from sandex.domain.money import to_units
from sandex.domain.trading.swap_listing import SwapTerms
from sandex.services.exchange.records import OrderRecord
from sandex.services.exchange.swap_records import PositionRecord
from sandex.services.exchange.units import OrderExtras, plain, px_of, sz_of

_DIV = Context(prec=34)  # average prices: exact when they terminate, 34 digits otherwise


def avg_px(inst: Instrument, cost: int, lots: int) -> Decimal | None:
    """cost (ticks x lots) / lots, as a price."""
    if not lots:
        return None
    return plain(_DIV.multiply(_DIV.divide(Decimal(cost), Decimal(lots)), inst.tick_sz))


def position_record(environment: Environment, pos: Position, inst: Instrument) -> PositionRecord:
    return PositionRecord(
        environment=environment,
        account_id=pos.account_id,
        pos_id=pos.pos_id,
        inst_id=pos.inst_id,
        mgn_mode=pos.mgn_mode,
        pos_side=pos.pos_side,
        pos=sz_of(inst, pos.pos),
        avg_px=avg_px(inst, pos.cost, pos.size) or Decimal(0),
        margin=pos.margin,
        lever=pos.lever,
        realized_pnl=pos.realized_pnl,
        pnl=pos.pnl,
        fee=pos.fee,
        funding_fee=pos.funding_fee,
        liq_penalty=pos.liq_penalty,
        c_time=pos.c_time,
        u_time=pos.u_time,
        trade_id=pos.trade_id,
        open_max_pos=sz_of(inst, pos.open_max_pos),
        close_total_pos=sz_of(inst, pos.close_lots),
        close_avg_px=avg_px(inst, pos.close_cost, pos.close_lots),
        state=pos.state,
        close_type=pos.close_type,
        trigger_px=None if pos.trigger_px is None else px_of(inst, pos.trigger_px),
        cost=pos.cost,
        close_cost=pos.close_cost,
    )


def position_of(record: PositionRecord, inst: Instrument) -> Position:
    """A stored position back in engine units (exact: it was stored from them)."""
    lots = to_units(record.pos, inst.lot_sz)
    open_max = to_units(record.open_max_pos, inst.lot_sz)
    closed = to_units(record.close_total_pos, inst.lot_sz)
    trigger = None if record.trigger_px is None else to_units(record.trigger_px, inst.tick_sz)
    if lots is None or open_max is None or closed is None:
        raise ValueError(f"position {record.pos_id} does not fit {inst.inst_id}'s lot size")
    return Position(
        account_id=record.account_id,
        inst_id=record.inst_id,
        mgn_mode=record.mgn_mode,
        pos_side=record.pos_side,
        pos_id=record.pos_id,
        lever=record.lever,
        c_time=record.c_time,
        u_time=record.u_time,
        pos=lots,
        cost=record.cost,
        margin=record.margin,
        pnl=record.pnl,
        fee=record.fee,
        funding_fee=record.funding_fee,
        liq_penalty=record.liq_penalty,
        trade_id=record.trade_id,
        open_max_pos=open_max,
        close_lots=closed,
        close_cost=record.close_cost,
        state=record.state if record.state == CLOSED else "live",
        close_type=record.close_type,
        trigger_px=trigger,
    )


def note_terms(extras: OrderExtras, terms: SwapTerms) -> None:
    """What storage keeps of a swap order's terms."""
    extras.td_mode = terms.mgn_mode.value
    extras.pos_side = terms.pos_side
    extras.reduce_only = terms.reduce_only
    extras.lever = terms.lever
    extras.reserve_rate = terms.fee_rate
    extras.category = terms.category


def terms_of(record: OrderRecord) -> SwapTerms:
    """A stored pending swap order's terms (what its reservation was computed with)."""
    pos_side = record.pos_side or PosSide.NET
    closing = record.reduce_only or (
        pos_side is not PosSide.NET and (pos_side is PosSide.LONG) != (record.side.value == "buy")
    )
    return SwapTerms(
        MgnMode(record.td_mode),
        pos_side,
        record.reduce_only,
        closing,
        record.lever or Decimal(1),
        record.reserve_rate or Decimal(0),
        record.category,
    )
