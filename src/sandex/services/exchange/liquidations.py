"""Liquidations as the exchange core records them: one row per position liquidated, for
`public/liquidation-orders` (and its WS channel), written in the liquidation's group commit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import PosSide
from sandex.domain.instruments import Instrument
from sandex.domain.ledger.amounts import from_amount
from sandex.domain.trading.events import Liquidated


@dataclass(frozen=True, slots=True)
class LiquidationRecord:
    environment: Environment
    inst_id: str
    pos_side: PosSide  # the position's side (net, long, short)
    side: str  # the liquidation order's side: "sell" for a long, "buy" for a short
    sz: Decimal  # contracts
    bk_px: Decimal
    bk_loss: Decimal  # what the insurance fund paid beyond the margin
    ccy: str
    ts: int
    category: str  # full_liquidation | partial_liquidation


def liquidation_record(environment: Environment, done: Liquidated, inst: Instrument) -> LiquidationRecord:
    return LiquidationRecord(
        environment,
        done.inst_id,
        done.pos_side,
        "sell" if done.long else "buy",
        done.lots * inst.lot_sz,
        done.bk_px * inst.tick_sz,
        from_amount(done.bk_loss),
        done.ccy,
        done.ts,
        done.category,
    )
