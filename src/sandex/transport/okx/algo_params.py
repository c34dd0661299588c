"""Algo order requests (`trade/order-algo`, `cancel-algos`, `amend-algos` and the algo lists): OKX
JSON items and query strings into the domain's specs, refusals naming the wire field.

Only the shape is checked here (types, formats, required fields, the order types sandex serves);
what the fields must say about each other (legs, ranges, `tdMode`, trigger price types) is the
core's (`domain/trading/algos.py`), so REST and every client get one answer for one mistake.

What real clients send: python-okx every field it knows, `""` when unset, `reduceOnly` as the
string `"true"`, `attachAlgoOrds` as `[]`; ccxt adds a `clOrdId` (its broker id and a random tail)
to every `order-algo`: it stands for `algoClOrdId` when that is absent, as it did on OKX before
`algoClOrdId` existed. Order prices may be `-1` (market).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sandex.domain.derivatives.contracts import PosSide
from sandex.domain.errors import Reason, Rejected
from sandex.domain.matching.order import Side, TgtCcy
from sandex.domain.trading.algos import (
    FINAL_STATES,
    TRIGGER_PX_TYPES,
    AlgoAmendSpec,
    AlgoCancelSpec,
    AlgoOrdType,
    AlgoSpec,
    AlgoState,
)
from sandex.services.exchange.store import AlgoQuery
from sandex.transport.okx.envelope import OkxRejection
from sandex.transport.okx.orders_wire import CL_ORD_ID_MAX, REQ_ID_MAX, TAG_MAX
from sandex.transport.okx.params import (
    bad,
    boolean,
    choice,
    decimal,
    int64_or_none,
    is_absent,
    missing,
    query_int,
    query_limit,
    required_choice,
    required_decimal,
    required_text,
    text,
    token,
)

# OKX algo types sandex does not run (futures-only chase, the execution algos): refused by name.
UNSERVED_ALGO_TYPES = frozenset({"twap", "iceberg", "chase"})
OKX_ALGO_TYPES = frozenset(t.value for t in AlgoOrdType) | UNSERVED_ALGO_TYPES
# The only types OKX lets one list request combine (`ordType=conditional,oco`).
COMBINABLE = frozenset({AlgoOrdType.CONDITIONAL, AlgoOrdType.OCO})
MAX_CANCEL = 10  # cancel-algos / cancel-advance-algos: items per request
ZERO = Decimal(0)
DEFAULT_PX_TYPE = "last"

_NEW_PX_TYPE_FIELDS = ("newTpTriggerPxType", "newSlTriggerPxType", "newTriggerPxType")
_NEW_PX_FIELDS = ("newTpTriggerPx", "newTpOrdPx", "newSlTriggerPx", "newSlOrdPx", "newTriggerPx", "newOrdPx")
# Fields of other instruments, modes or algo types: accepted when empty, refused when they ask for
# something sandex would otherwise silently ignore. (`posSide`, `closeFraction`, `cxlOnClosePos`
# are parsed: the core refuses them on spot as this list did.)
_NOT_SERVED = (
    "quickMgnType",
    "pxVar",
    "pxSpread",
    "szLimit",
    "pxLimit",
    "timeInterval",
    "chaseType",
    "chaseVal",
    "maxChaseType",
    "maxChaseVal",
)
TP_CONDITION, TP_LIMIT = "condition", "limit"  # `tpOrdKind`: spot takes conditional TPs only


# --- place ---------------------------------------------------------------------------------------
def parse_algo_place(item: Mapping[str, Any]) -> AlgoSpec:
    inst_id = required_text(item, "instId")
    td_mode = required_text(item, "tdMode")
    side = required_choice(item, "side", Side)
    ord_type = _ord_type(required_text(item, "ordType"))
    close_fraction = _close_fraction(item)
    sz = ZERO if close_fraction else required_decimal(item, "sz")  # sized when it triggers
    tgt_ccy = choice(item, "tgtCcy", TgtCcy)
    if ord_type is AlgoOrdType.TRIGGER and tgt_ccy is TgtCcy.BASE_CCY:
        tgt_ccy = None  # the neutral value ccxt sends on every spot order; quote_ccy is refused (51281)
    algo_cl_ord_id = token(item, "algoClOrdId", CL_ORD_ID_MAX) or token(item, "clOrdId", CL_ORD_ID_MAX)
    tag = token(item, "tag", TAG_MAX)
    reduce_only = bool(boolean(item, "reduceOnly"))
    pos_side = choice(item, "posSide", PosSide)
    cxl_on_close_pos = bool(boolean(item, "cxlOnClosePos"))
    _unserved_fields(item)
    return AlgoSpec(
        inst_id=inst_id,
        ord_type=ord_type,
        side=side,
        sz=sz,
        td_mode=td_mode,
        tgt_ccy=tgt_ccy,
        algo_cl_ord_id=algo_cl_ord_id,
        tag=tag,
        reduce_only=reduce_only,
        tp_trigger_px=decimal(item, "tpTriggerPx"),
        tp_ord_px=decimal(item, "tpOrdPx"),
        tp_trigger_px_type=_px_type(item, "tpTriggerPxType"),
        sl_trigger_px=decimal(item, "slTriggerPx"),
        sl_ord_px=decimal(item, "slOrdPx"),
        sl_trigger_px_type=_px_type(item, "slTriggerPxType"),
        trigger_px=decimal(item, "triggerPx"),
        ord_px=decimal(item, "orderPx"),
        trigger_px_type=_px_type(item, "triggerPxType"),
        callback_ratio=decimal(item, "callbackRatio"),
        callback_spread=decimal(item, "callbackSpread"),
        active_px=decimal(item, "activePx"),
        pos_side=pos_side,
        close_fraction=close_fraction,
        cxl_on_close_pos=cxl_on_close_pos,
    )


def _close_fraction(item: Mapping[str, Any]) -> bool:
    """`closeFraction`: "1" (the whole position, the only value OKX takes) or absent; whether it
    applies (swaps, conditional/oco, market legs) is the core's."""
    value = text(item, "closeFraction")
    if value is None:
        return False
    if value != "1":
        raise bad("closeFraction")
    return True


def _px_type(item: Mapping[str, Any], name: str) -> str:
    """A trigger price type as sent (the core says which ones spot takes), `last` by default."""
    return text(item, name) or DEFAULT_PX_TYPE


def _ord_type(value: str) -> AlgoOrdType:
    if value in UNSERVED_ALGO_TYPES:
        raise OkxRejection(Rejected.of(Reason.ALGO_TYPE_NOT_SERVED, ord_type=value))
    try:
        return AlgoOrdType(value)
    except ValueError:
        raise bad("ordType") from None


def _unserved_fields(item: Mapping[str, Any]) -> None:
    if not (is_absent(item.get("attachAlgoOrds")) or item.get("attachAlgoOrds") == []):
        raise bad("attachAlgoOrds")
    for name in _NOT_SERVED:
        if not is_absent(item.get(name)):
            raise bad(name)
    kind = text(item, "tpOrdKind")
    if kind == TP_LIMIT:
        raise OkxRejection(Rejected(Reason.TP_LIMIT_NOT_ON_SPOT))  # 51094, as for attached TPs
    if kind not in (None, TP_CONDITION):
        raise bad("tpOrdKind")


# --- cancel and amend ----------------------------------------------------------------------------
def cancel_items(body: Any) -> list[Any]:
    """`cancel-algos` / `cancel-advance-algos`: a JSON array of 1..10 items (a lone object is one)."""
    items = [body] if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise OkxRejection(Rejected.of(Reason.JSON_SYNTAX))
    if not items:
        raise missing("data")
    if len(items) > MAX_CANCEL:
        raise OkxRejection(Rejected.of(Reason.PARAM_COUNT_EXCEEDED, field="data", limit=str(MAX_CANCEL)))
    return items


def parse_algo_cancel(item: Mapping[str, Any]) -> AlgoCancelSpec:
    inst_id, algo_id, algo_cl_ord_id = _algo_ref(item)
    return AlgoCancelSpec(inst_id, algo_id, algo_cl_ord_id)


def parse_algo_amend(item: Mapping[str, Any]) -> AlgoAmendSpec:
    inst_id, algo_id, algo_cl_ord_id = _algo_ref(item)
    req_id = token(item, "reqId", REQ_ID_MAX)
    cxl_on_fail = bool(boolean(item, "cxlOnFail"))
    new_sz = decimal(item, "newSz")
    prices = [decimal(item, wire) for wire in _NEW_PX_FIELDS]
    px_types = [text(item, wire) for wire in _NEW_PX_TYPE_FIELDS]
    for wire, value in zip(_NEW_PX_TYPE_FIELDS, px_types, strict=True):
        if value is not None and value not in TRIGGER_PX_TYPES:  # which ones apply is the core's
            raise bad(wire)
    if not (is_absent(item.get("attachAlgoOrds")) or item.get("attachAlgoOrds") == []):
        raise bad("attachAlgoOrds")
    if new_sz is None and all(value is None for value in prices):
        raise missing("newSz")
    new_tp_trigger_px, new_tp_ord_px, new_sl_trigger_px, new_sl_ord_px, new_trigger_px, new_ord_px = prices
    return AlgoAmendSpec(
        inst_id,
        algo_id,
        algo_cl_ord_id,
        new_sz=new_sz,
        new_tp_trigger_px=new_tp_trigger_px,
        new_tp_ord_px=new_tp_ord_px,
        new_sl_trigger_px=new_sl_trigger_px,
        new_sl_ord_px=new_sl_ord_px,
        new_trigger_px=new_trigger_px,
        new_ord_px=new_ord_px,
        cxl_on_fail=cxl_on_fail,
        req_id=req_id,
        new_tp_trigger_px_type=px_types[0],
        new_sl_trigger_px_type=px_types[1],
        new_trigger_px_type=px_types[2],
    )


def _algo_ref(item: Mapping[str, Any]) -> tuple[str, int | None, str]:
    """instId and which algo: `algoId` (wins) or `algoClOrdId`, at least one of them (50015)."""
    inst_id = required_text(item, "instId")
    raw_id = text(item, "algoId")
    algo_cl_ord_id = token(item, "algoClOrdId", CL_ORD_ID_MAX)
    if raw_id is None and not algo_cl_ord_id:
        raise OkxRejection(Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="algoId", other="algoClOrdId"))
    return inst_id, None if raw_id is None else algo_id_of(raw_id), algo_cl_ord_id


def algo_id_of(raw: str) -> int:
    """An algo id: digits, positive, 64-bit (51000 otherwise)."""
    parsed = int64_or_none(raw)
    if not parsed:
        raise bad("algoId")
    return parsed


# --- lists ---------------------------------------------------------------------------------------
ALGO_INST_TYPES = frozenset({"SPOT", "MARGIN", "SWAP", "FUTURES"})
PENDING_STATES = frozenset({AlgoState.LIVE})
HISTORY_STATES = frozenset(s.value for s in FINAL_STATES)


def algo_query(query: Mapping[str, str], *, history: bool) -> AlgoQuery | None:
    """`orders-algo-pending` / `orders-algo-history` filters; None when they are valid on OKX but
    no sandex algo can match (another instrument type, only unserved algo types)."""
    raw_types = query.get("ordType") or ""
    if not raw_types:
        raise missing("ordType")
    names = [name.strip() for name in raw_types.split(",")]
    if any(name not in OKX_ALGO_TYPES for name in names):
        raise bad("ordType")
    served = frozenset(AlgoOrdType(name) for name in names if name not in UNSERVED_ALGO_TYPES)
    if len(names) > 1 and not (len(served) == len(names) and served <= COMBINABLE):
        raise bad("ordType")  # OKX combines conditional and oco only
    inst_type = query.get("instType") or None
    if inst_type is not None and inst_type not in ALGO_INST_TYPES:
        raise bad("instType")
    raw_id = query.get("algoId") or None
    algo_id = None if raw_id is None else algo_id_of(raw_id)
    states = _states(query.get("state") or None, history=history, by_id=algo_id is not None)
    after, before = query_int(query.get("after"), "after"), query_int(query.get("before"), "before")
    limit = query_limit(query.get("limit"))
    if not served or inst_type not in (None, "SPOT", "SWAP"):
        return None
    return AlgoQuery(
        ord_types=served,
        states=states,
        inst_id=query.get("instId") or None,
        algo_id=algo_id,
        inst_type=inst_type,
        after=after,
        before=before,
        limit=limit,
    )


def _states(value: str | None, *, history: bool, by_id: bool) -> frozenset[AlgoState]:
    """Pending: live. History: the one `state` asked for; with an `algoId` instead, any final state."""
    if not history:
        return PENDING_STATES
    if value is None:
        if not by_id:
            raise OkxRejection(Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="state", other="algoId"))
        return FINAL_STATES
    if value not in HISTORY_STATES:
        raise bad("state")
    return frozenset({AlgoState(value)})
