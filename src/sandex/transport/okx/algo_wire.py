"""Algo orders in OKX's words: the algo object of `trade/order-algo` (GET), `orders-algo-pending`,
`orders-algo-history` and the WS `orders-algo` / `algo-advance` pushes (one renderer for all).

Every documented field is present; what does not apply to a spot cash account is `""`, as OKX
sends it (`posSide` "net", `lever` "", `reduceOnly` "false"). A swap algo (tdMode cross or
isolated: spot ones are always cash) is `instType` SWAP with its `posSide`, `closeFraction` "1"
(then `sz` "0": sized when it triggers) and each leg's trigger price type.
"""

from __future__ import annotations

from typing import Any

from sandex.domain.errors import Reason
from sandex.domain.trading.algos import AlgoState
from sandex.services.exchange.records import AlgoRecord
from sandex.transport.okx.errors import ERRORS
from sandex.transport.okx.trade_wire import SPOT, ms, num, order_px

SWAP, CASH = "SWAP", "cash"


def fail_code(stored: str) -> str:
    """The OKX code of why an algo order's order was refused: the core stores the refusal's
    reason (e.g. `insufficient_balance`), rendered here through the one error table (51008)."""
    try:
        reason = Reason(stored)
    except ValueError:
        return stored  # already a code (or "")
    return ERRORS[reason].code


def inst_type_of(record: AlgoRecord) -> str:
    """SWAP or SPOT: spot algos are always `cash`, swap ones cross or isolated."""
    return SPOT if record.td_mode == CASH else SWAP


def algo_object(record: AlgoRecord) -> dict[str, Any]:
    ord_id = "" if record.ord_id is None else str(record.ord_id)
    effective = record.state is AlgoState.EFFECTIVE
    return {
        "instType": inst_type_of(record),
        "instId": record.inst_id,
        "ccy": "",
        "ordId": ord_id,
        "ordIdList": [ord_id] if ord_id else [],
        "algoId": str(record.algo_id),
        "clOrdId": record.algo_cl_ord_id,
        "algoClOrdId": record.algo_cl_ord_id,
        "sz": num(record.sz),
        "closeFraction": "1" if record.close_fraction else "",
        "ordType": record.ord_type.value,
        "side": record.side.value,
        "posSide": "net" if record.pos_side is None else record.pos_side.value,
        "tdMode": record.td_mode,
        "tgtCcy": "" if record.tgt_ccy is None else record.tgt_ccy.value,
        "state": record.state.value,
        "lever": "",
        "tpTriggerPx": num(record.tp_trigger_px),
        "tpTriggerPxType": "" if record.tp_trigger_px is None else record.tp_trigger_px_type,
        "tpOrdPx": order_px(record.tp_ord_px),
        "tpOrdKind": record.tp_ord_kind if record.tp_trigger_px is not None or record.linked_ord_id else "",
        "slTriggerPx": num(record.sl_trigger_px),
        "slTriggerPxType": "" if record.sl_trigger_px is None else record.sl_trigger_px_type,
        "slOrdPx": order_px(record.sl_ord_px),
        "triggerPx": num(record.trigger_px),
        "triggerPxType": "" if record.trigger_px is None else record.trigger_px_type,
        "ordPx": order_px(record.ord_px),
        "actualSz": num(record.actual_sz) if effective else "",
        "actualPx": order_px(record.actual_px) if effective else "",
        "actualSide": "" if record.actual_side is None else record.actual_side.value,
        "triggerTime": ms(record.trigger_time),
        "pxVar": "",
        "pxSpread": "",
        "szLimit": "",
        "pxLimit": "",
        "timeInterval": "",
        "callbackRatio": num(record.callback_ratio),
        "callbackSpread": num(record.callback_spread),
        "activePx": num(record.active_px),
        "moveTriggerPx": num(record.move_trigger_px),
        "reduceOnly": "true" if record.reduce_only else "false",
        "quickMgnType": "",
        "last": num(record.last_px),
        "failCode": fail_code(record.fail_code),
        "amendPxOnTriggerType": "0",
        "attachAlgoOrds": [],
        "linkedOrd": {"ordId": "" if record.linked_ord_id is None else str(record.linked_ord_id)},
        "cTime": str(record.c_time),
        "uTime": str(record.u_time),
        "isTradeBorrowMode": "",
        "chaseType": "",
        "chaseVal": "",
        "maxChaseType": "",
        "maxChaseVal": "",
        "tag": record.tag,
        "tradeQuoteCcy": "",
        "notionalUsd": "",
    }
