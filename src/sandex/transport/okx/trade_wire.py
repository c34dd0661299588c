"""Trading answers in OKX's words: per-item acks, order objects and fills (reference §2.2, §4.4).

Every documented field is present; fields that do not apply to a spot cash account are `""` (or
their neutral value, as OKX sends them: `posSide` "net", `pnl` "0", `reduceOnly` "false"). A swap
order or fill (`view.swap`) shows `instType` SWAP and its position fields; its fee is in the
settlement currency and `tgtCcy`/`tradeQuoteCcy` are "" (spot only).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sandex.domain.errors import Rejected
from sandex.domain.matching.order import CancelCause, Side
from sandex.domain.money import format_decimal
from sandex.domain.trading.algos import MARKET_PX
from sandex.services.exchange.commands import OrderAck
from sandex.services.trading.views import AttachedAlgoView, FillView, OrderView
from sandex.transport.okx.errors import wire_error
from sandex.transport.okx.orders_wire import Echo
from sandex.transport.okx.params import in_wire_words

SPOT = "SPOT"
PLACED = "Order placed"  # live OKX's sMsg for a placed order (the docs show ""; ccxt's comments quote this)
ALL_FAILED = "All operations failed"
PARTIAL = "Bulk operation partially succeeded."

# OKX `cancelSource` codes and texts (the cause's comment in `CancelCause` names the code).
_CANCEL_SOURCES: dict[CancelCause, tuple[str, str]] = {
    CancelCause.USER: ("1", "Order canceled by user"),
    CancelCause.AMEND_FAILED: ("1", "Order canceled by user"),
    CancelCause.MARKET_UNFILLED: ("0", "Order canceled by system"),
    CancelCause.FOK_UNFILLABLE: ("13", "Order canceled: FOK order was not completely filled"),
    CancelCause.IOC_UNFILLED: ("14", "Order canceled: IOC order was partially filled or not filled"),
    CancelCause.SELF_TRADE: ("32", "Order canceled: self trade prevention"),
    CancelCause.MATCH_LIMIT: ("33", "Order canceled: the taker order matched too many maker orders"),
    CancelCause.POST_ONLY_TAKES: ("31", "The post-only order will take liquidity in taker orders"),
    CancelCause.POSITION_CLOSED: (
        "17",
        "Order canceled: Close order was canceled, due to the position was already closed at market price.",
    ),
}


def num(value: Decimal | None) -> str:
    """A decimal as OKX sends it (plain notation); `""` when not applicable."""
    return "" if value is None else format_decimal(value)


def ms(value: int | None) -> str:
    return "" if value is None else str(value)


# --- acks ----------------------------------------------------------------------------------------
def s_code_msg(rejected: Rejected | None, success_msg: str = "") -> tuple[str, str]:
    if rejected is None:
        return "0", success_msg
    entry, message = wire_error(in_wire_words(rejected))
    return entry.code, message


def place_ack(ack: OrderAck | Rejected, echo: Echo, ts: int) -> dict[str, Any]:
    """One `trade/order` / `batch-orders` item: clOrdId, ordId, tag, ts, sCode, sMsg."""
    if isinstance(ack, Rejected):
        s_code, s_msg = s_code_msg(ack)
        return _item(echo.cl_ord_id, "", ts, s_code, s_msg, tag=echo.tag)
    s_code, s_msg = s_code_msg(ack.rejected, PLACED)
    return _item(ack.cl_ord_id, ack.ord_id, ack.ts, s_code, s_msg, tag=ack.tag)


def cancel_ack(ack: OrderAck | Rejected, echo: Echo, ts: int) -> dict[str, Any]:
    """One `cancel-order` / `cancel-batch-orders` item: clOrdId, ordId, ts, sCode, sMsg."""
    if isinstance(ack, Rejected):
        return _item(echo.cl_ord_id, echo.ord_id, ts, *s_code_msg(ack))
    return _item(ack.cl_ord_id, _ord_id_of(ack, echo), ack.ts, *s_code_msg(ack.rejected))


def amend_ack(ack: OrderAck | Rejected, echo: Echo, ts: int) -> dict[str, Any]:
    """One `amend-order` / `amend-batch-orders` item: clOrdId, ordId, ts, reqId, sCode, sMsg."""
    if isinstance(ack, Rejected):
        return _item(echo.cl_ord_id, echo.ord_id, ts, *s_code_msg(ack), req_id=echo.req_id)
    return _item(ack.cl_ord_id, _ord_id_of(ack, echo), ack.ts, *s_code_msg(ack.rejected), req_id=ack.req_id)


def _ord_id_of(ack: OrderAck, echo: Echo) -> str:
    """A refused cancel/amend repeats the ordId as the client wrote it (`007` stays `007`)."""
    return echo.ord_id if ack.rejected is not None and echo.ord_id else ack.ord_id


def _item(
    cl_ord_id: str,
    ord_id: str,
    ts: int,
    s_code: str,
    s_msg: str,
    *,
    tag: str | None = None,
    req_id: str | None = None,
) -> dict[str, Any]:
    item: dict[str, Any] = {"clOrdId": cl_ord_id, "ordId": ord_id}
    if tag is not None:
        item["tag"] = tag
    item["ts"] = str(ts)
    if req_id is not None:
        item["reqId"] = req_id
    item["sCode"] = s_code
    item["sMsg"] = s_msg
    return item


def batch_envelope(items: Sequence[dict[str, Any]], in_time_us: int, out_time_us: int) -> dict[str, Any]:
    """Top-level code 0 (all ok), 1 (all failed) or 2 (some failed), with gateway times in µs."""
    failed = sum(1 for item in items if item["sCode"] != "0")
    if failed == 0:
        code, msg = "0", ""
    elif failed == len(items):
        code, msg = "1", ALL_FAILED
    else:
        code, msg = "2", PARTIAL
    return {
        "code": code,
        "msg": msg,
        "data": list(items),
        "inTime": str(in_time_us),
        "outTime": str(out_time_us),
    }


# --- orders --------------------------------------------------------------------------------------
NO_CANCEL = ("", "")


def order_wire(view: OrderView) -> dict[str, Any]:
    """The order object shared by `trade/order`, `orders-pending`, `orders-history(-archive)`."""
    wire = _spot_order_wire(view)
    swap = view.swap
    if swap is not None:
        wire.update(
            instType=swap.inst_type.value,
            tgtCcy="",
            posSide=swap.pos_side.value,
            lever=num(swap.lever),
            pnl=num(swap.pnl),
            category=swap.category,
            reduceOnly="true" if swap.reduce_only else "false",
            rebateCcy=view.fee_ccy,
            tradeQuoteCcy="",
        )
    return wire


def _spot_order_wire(view: OrderView) -> dict[str, Any]:
    base, quote = currencies_of(view.inst_id)
    first = view.attached[0] if view.attached else None  # the top-level TP/SL fields show it
    fill = view.last_fill
    cancel_source, cancel_reason = (
        NO_CANCEL if view.cancel_cause is None else _CANCEL_SOURCES[view.cancel_cause]
    )
    return {
        "instType": SPOT,
        "instId": view.inst_id,
        "tgtCcy": "" if view.tgt_ccy is None else view.tgt_ccy.value,
        "ccy": "",
        "ordId": view.ord_id,
        "clOrdId": view.cl_ord_id,
        "tag": view.tag,
        "px": num(view.px),
        "pxUsd": "",
        "pxVol": "",
        "pxType": "",
        "sz": num(view.sz),
        "pnl": "0",
        "ordType": view.ord_type.value,
        "side": view.side.value,
        "posSide": "net",
        "tdMode": view.td_mode,
        "accFillSz": num(view.acc_fill_sz),
        "fillPx": "" if fill is None else num(fill.px),
        "tradeId": "" if fill is None else fill.trade_id,
        "fillSz": "0" if fill is None else num(fill.sz),
        "fillTime": "" if fill is None else ms(fill.ts),
        "avgPx": num(view.avg_px),
        "state": view.state.value,
        "stpId": "",
        "stpMode": view.stp_mode.value,
        "lever": "",
        "attachAlgoClOrdId": "" if first is None else first.attach_algo_cl_ord_id,
        "tpTriggerPx": "" if first is None else num(first.tp_trigger_px),
        "tpTriggerPxType": "" if first is None or first.tp_trigger_px is None else "last",
        "tpOrdPx": "" if first is None else order_px(first.tp_ord_px),
        "slTriggerPx": "" if first is None else num(first.sl_trigger_px),
        "slTriggerPxType": "" if first is None or first.sl_trigger_px is None else "last",
        "slOrdPx": "" if first is None else order_px(first.sl_ord_px),
        "attachAlgoOrds": [attached_wire(a) for a in view.attached],
        "linkedAlgoOrd": {"algoId": ""},
        "feeCcy": view.fee_ccy,
        "fee": num(view.fee),
        "rebateCcy": quote if view.fee_ccy == base else base,
        "rebate": "0",
        "source": view.source,
        "category": "normal",
        "reduceOnly": "false",
        "isTpLimit": "false",
        "cancelSource": cancel_source,
        "cancelSourceReason": cancel_reason,
        "quickMgnType": "",
        "algoClOrdId": view.algo_cl_ord_id,
        "algoId": view.algo_id,
        "uTime": ms(view.u_time),
        "cTime": ms(view.c_time),
        "tradeQuoteCcy": quote,
    }


def order_px(value: Decimal | None) -> str:
    """An algo order price: "-1" for market, as the client sent it."""
    if value is None:
        return ""
    return "-1" if value == MARKET_PX else num(value)


def attached_wire(view: AttachedAlgoView) -> dict[str, Any]:
    """One `attachAlgoOrds` item of the order object."""
    return {
        "attachAlgoId": view.attach_algo_id,
        "attachAlgoClOrdId": view.attach_algo_cl_ord_id,
        "tpOrdKind": "" if view.tp_trigger_px is None else "condition",
        "tpTriggerPx": num(view.tp_trigger_px),
        "tpTriggerPxType": "" if view.tp_trigger_px is None else "last",
        "tpOrdPx": order_px(view.tp_ord_px),
        "slTriggerPx": num(view.sl_trigger_px),
        "slTriggerPxType": "" if view.sl_trigger_px is None else "last",
        "slOrdPx": order_px(view.sl_ord_px),
        "sz": "",
        "amendPxOnTriggerType": "0",
        "failCode": "",
        "failReason": "",
    }


def currencies_of(inst_id: str) -> tuple[str, str]:
    """Base and quote currency of a spot instrument id (`BTC-USDT`)."""
    base, _, quote = inst_id.partition("-")
    return base, quote


# --- fills ---------------------------------------------------------------------------------------
_SUB_TYPES = {Side.BUY: "1", Side.SELL: "2"}


# A swap fill's `subType`: open long 3, open short 4, close long 5, close short 6 (bill subtypes).
_SWAP_SUB_TYPES = {
    (Side.BUY, False): "3",
    (Side.SELL, False): "4",
    (Side.SELL, True): "5",
    (Side.BUY, True): "6",
}


def fill_wire(view: FillView) -> dict[str, Any]:
    """One row of `trade/fills` / `fills-history` (and what WS `orders` repeats of a fill)."""
    wire = _spot_fill_wire(view)
    swap = view.swap
    if swap is not None:
        wire.update(
            instType=swap.inst_type.value,
            subType=_SWAP_SUB_TYPES[view.side, swap.closes],
            posSide=swap.pos_side.value,
            fillPnl=num(swap.fill_pnl),
            fillMarkPx=num(swap.fill_mark_px),
            fillIdxPx=num(swap.fill_idx_px),
            tradeQuoteCcy="",
        )
    return wire


def _spot_fill_wire(view: FillView) -> dict[str, Any]:
    _, quote = currencies_of(view.inst_id)
    return {
        "instType": SPOT,
        "instId": view.inst_id,
        "tradeId": view.trade_id,
        "ordId": view.ord_id,
        "clOrdId": view.cl_ord_id,
        "billId": view.bill_id,
        "subType": _SUB_TYPES[view.side],
        "tag": view.tag,
        "fillPx": num(view.px),
        "fillSz": num(view.sz),
        "fillIdxPx": "",
        "fillPnl": "0",
        "fillPxVol": "",
        "fillPxUsd": "",
        "fillMarkVol": "",
        "fillFwdPx": "",
        "fillMarkPx": "",
        "side": view.side.value,
        "posSide": "net",
        "execType": view.exec_type.value,
        "feeCcy": view.fee_ccy,
        "fee": num(view.fee),
        "ts": ms(view.ts),
        "fillTime": ms(view.ts),
        "feeRate": num(view.fee_rate),
        "tradeQuoteCcy": quote,
    }
