"""Positions in OKX's words: `account/positions` and the WS `positions` channel (one object),
`account/positions-history`, and `balance_and_position`'s `posData` (trading_account.md).

Every documented field is present. Fields for other instrument types or account modes (options
greeks, MARGIN liabilities, Portfolio-margin spot offsets, settled PnL of dated futures) are `""`;
`adl` is "1" (sandex has no auto-deleveraging queue) and `interest` "0" (swaps borrow nothing).
Money of the record is ledger units of the settlement currency; the view's is already decimal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandex.domain.derivatives.contracts import PosSide
from sandex.domain.ledger.amounts import from_amount
from sandex.services.exchange.swap_records import PositionRecord, PositionView
from sandex.transport.okx.trade_wire import ms, num

RATIO_STEP = Decimal("1e-16")  # OKX shows ratios with up to 16 decimals
ADL_NONE = "1"  # OKX's lowest ADL level shown for an open position
# Fields of other instrument types or account modes: always "" on a USDT swap in Futures mode.
_NOT_APPLICABLE = (
    "baseBal",
    "quoteBal",
    "baseBorrowed",
    "baseInterest",
    "quoteBorrowed",
    "quoteInterest",
    "posCcy",
    "liab",
    "liabCcy",
    "optVal",
    "pendingCloseOrdLiabVal",
    "deltaBS",
    "deltaPA",
    "gammaBS",
    "gammaPA",
    "thetaBS",
    "thetaPA",
    "vegaBS",
    "vegaPA",
    "spotInUseAmt",
    "spotInUseCcy",
    "clSpotInUseAmt",
    "maxSpotInUseAmt",
    "bizRefId",
    "bizRefType",
    "settledPnl",
    "nonSettleAvgPx",
)


def amount(units: int) -> str:
    """Ledger units of the settlement currency as OKX shows an amount."""
    return num(from_amount(units))


def avg_px(record: PositionRecord) -> str:
    """`avgPx`: "" once the position holds nothing."""
    return "" if record.pos == 0 else num(record.avg_px)


def position_wire(view: PositionView) -> dict[str, Any]:
    """One position object (`account/positions`, WS `positions`)."""
    record = view.record
    wire: dict[str, Any] = {
        "instType": view.inst_type,
        "instId": record.inst_id,
        "mgnMode": record.mgn_mode.value,
        "posId": str(record.pos_id),
        "posSide": record.pos_side.value,
        "pos": num(record.pos),
        "availPos": num(view.avail_pos),
        "avgPx": avg_px(record),
        "markPx": num(view.mark_px),
        "upl": num(view.upl),
        "uplRatio": num(view.upl_ratio),
        "uplLastPx": num(view.upl_last_px),
        "uplRatioLastPx": num(_ratio_last_px(view)),
        "lever": num(record.lever),
        "liqPx": num(view.liq_px),
        "imr": num(view.imr),
        "margin": num(view.margin),
        "mgnRatio": num(view.mgn_ratio),
        "mmr": num(view.mmr),
        "interest": "0",
        "tradeId": "" if record.trade_id is None else str(record.trade_id),
        "notionalUsd": num(view.notional_usd),
        "adl": ADL_NONE,
        "ccy": view.ccy,
        "last": num(view.last),
        "idxPx": num(view.idx_px),
        "usdPx": "",
        "bePx": num(view.be_px),
        "realizedPnl": amount(record.realized_pnl),
        "pnl": amount(record.pnl),
        "fee": amount(record.fee),
        "fundingFee": amount(record.funding_fee),
        "liqPenalty": amount(record.liq_penalty),
        "closeOrderAlgo": [],
        "cTime": ms(record.c_time),
        "uTime": ms(record.u_time),
    }
    wire.update(dict.fromkeys(_NOT_APPLICABLE, ""))
    return wire


def _ratio_last_px(view: PositionView) -> Decimal | None:
    """uplRatioLastPx: uplLastPx over the same initial margin uplRatio divides upl by (so the
    two ratios stand as the two PnLs); "" when that margin cannot be told (no upl to divide)."""
    if view.upl_last_px == 0:
        return Decimal(0)
    if view.upl == 0 or view.upl_ratio == 0:
        return None
    return (view.upl_ratio * view.upl_last_px / view.upl).quantize(RATIO_STEP).normalize()


def direction(record: PositionRecord) -> str:
    """positions-history `direction`. A closed net position's record holds pos 0, so its side is
    read from how its closing PnL relates to the prices: (close - open) x side has pnl's sign."""
    if record.pos_side is not PosSide.NET:
        return record.pos_side.value
    if record.pos != 0:
        return "long" if record.pos > 0 else "short"
    moved = (record.close_avg_px or record.avg_px) - record.avg_px
    return "short" if moved * record.pnl < 0 else "long"


def history_wire(record: PositionRecord, inst_type: str, ccy: str, ct_size: Decimal) -> dict[str, Any]:
    """One `account/positions-history` row. `ct_size` is one contract in its coin (ct_val x ct_mult):
    `pnlRatio` is the realised PnL over the initial margin of what was closed."""
    return {
        "instType": inst_type,
        "instId": record.inst_id,
        "mgnMode": record.mgn_mode.value,
        "type": "" if record.close_type is None else str(record.close_type),
        "cTime": ms(record.c_time),
        "uTime": ms(record.u_time),
        "openAvgPx": num(record.avg_px),
        "nonSettleAvgPx": "",
        "closeAvgPx": num(record.close_avg_px),
        "posId": str(record.pos_id),
        "openMaxPos": num(record.open_max_pos),
        "closeTotalPos": num(record.close_total_pos),
        "realizedPnl": amount(record.realized_pnl),
        "settledPnl": "",
        "pnlRatio": num(pnl_ratio(record, ct_size)),
        "fee": amount(record.fee),
        "fundingFee": amount(record.funding_fee),
        "liqPenalty": amount(record.liq_penalty),
        "pnl": amount(record.pnl),
        "posSide": record.pos_side.value,
        "lever": num(record.lever),
        "direction": direction(record),
        "triggerPx": num(record.trigger_px),
        "uly": _family(record.inst_id),
        "ccy": ccy,
    }


def pnl_ratio(record: PositionRecord, ct_size: Decimal) -> Decimal:
    """realizedPnl / (closeTotalPos x ctVal x openAvgPx / lever); 0 before anything closed."""
    initial = record.close_total_pos * ct_size * record.avg_px / record.lever
    if initial == 0:
        return Decimal(0)
    return (from_amount(record.realized_pnl) / initial).quantize(RATIO_STEP).normalize()


def _family(inst_id: str) -> str:
    """`BTC-USDT-SWAP` -> `BTC-USDT` (the legacy `uly` and `instFamily`)."""
    return inst_id.rsplit("-", 1)[0]


def pos_data_wire(record: PositionRecord, inst_type: str, ccy: str) -> dict[str, Any]:
    """One `balance_and_position` `posData` item: the position as it stands after the event."""
    return {
        "posId": str(record.pos_id),
        "tradeId": "" if record.trade_id is None else str(record.trade_id),
        "instId": record.inst_id,
        "instType": inst_type,
        "mgnMode": record.mgn_mode.value,
        "avgPx": avg_px(record),
        "ccy": ccy,
        "posSide": record.pos_side.value,
        "pos": num(record.pos),
        "baseBal": "",
        "quoteBal": "",
        "posCcy": "",
        "nonSettleAvgPx": "",
        "settledPnl": "",
        "uTime": ms(record.u_time),
    }
