"""Place, cancel and amend requests: OKX JSON items into typed values, refusals naming the wire field.

Reference §4.4. Spot orders are `cash`; swap orders are `cross` or `isolated` with a position side
(`posSide`: python-okx sends "", ccxt "net"/"long"/"short") and `reduceOnly` (a boolean or
"true"/"false"/""), sizes in contracts. Which of these an order may carry depends on its instrument:
`spot_refusal` keeps the spot rules (cash only: margin modes 51010 as OKX answers a Spot-mode account,
no reduce-only, no position side but "net"); the swap rules are the exchange's. Option fields are
accepted when empty and refused (51000) when they ask for something sandex would silently ignore.
TP/SL come as `attachAlgoOrds` (their rules are the exchange's), on placement and on amend. `tgtCcy`
is accepted on every order and only counts for market orders (ccxt always sends it).
Everything else unknown is ignored. Each item parses on its own: in a batch, one bad item fails alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sandex.domain.derivatives.contracts import PosSide
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Catalogue
from sandex.domain.matching.order import OrdType, Side, StpMode, TgtCcy
from sandex.domain.trading.algos import AttachedAlgo, AttachedAmend
from sandex.domain.trading.commands import AmendSpec, CancelSpec, OrderSpec
from sandex.services.trading.views import batch_too_large
from sandex.transport.okx.envelope import OkxRejection
from sandex.transport.okx.params import (
    bad,
    boolean,
    choice,
    decimal,
    int64_or_none,
    is_absent,
    required_choice,
    required_decimal,
    required_text,
    text,
)

T = TypeVar("T")

CL_ORD_ID_MAX = 32
TAG_MAX = 16
REQ_ID_MAX = 32
ORD_ID_MAX = 19  # digits of the largest 64-bit id (or ms time)
ID_LIMIT = 1 << 63  # ids are positive signed 64-bit integers
SPOT_TD_MODE = "cash"
SWAP_TD_MODES = frozenset({"cross", "isolated"})
MARGIN_TD_MODES = frozenset({"spot_isolated"})  # spot margin (unserved): 51010 as in Spot mode
# Market-priced types: no `px` (optimal_limit_ioc is a swap's market IOC at the price limit).
_MARKET_TYPES = frozenset({"market", "optimal_limit_ioc"})
_SPOT_ORD_TYPES = frozenset({"limit", "market", "post_only", "ioc", "fok"})
# Only meaningful for options (sandex lists none): refused unless empty.
_OPTION_FIELDS = ("pxUsd", "pxVol")
_AMEND_ALGO_FIELDS = ("newTriggerPx", "newOrdPx", "newPxUsd", "newPxVol")  # algo or option orders only
# OKX's older order-level TP/SL fields (ccxt's `editOrder` sends them): they amend the order's TP/SL
_ORDER_TP_SL_FIELDS = (
    "newTpTriggerPx",
    "newTpOrdPx",
    "newTpTriggerPxType",
    "newTpOrdKind",
    "newSlTriggerPx",
    "newSlOrdPx",
    "newSlTriggerPxType",
)


@dataclass(frozen=True, slots=True)
class Echo:
    """What a result item repeats from its request, parsed or not (clOrdId, tag, ordId, reqId)."""

    cl_ord_id: str = ""
    tag: str = ""
    ord_id: str = ""
    req_id: str = ""


# --- request bodies ------------------------------------------------------------------------------
def single_item(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, dict):
        raise OkxRejection(Rejected.of(Reason.JSON_SYNTAX))
    return body


def batch_items(body: Any) -> list[Any]:
    """A batch body: a JSON array of 1..20 items (a lone object counts as a batch of one)."""
    items = [body] if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise OkxRejection(Rejected.of(Reason.JSON_SYNTAX))
    if not items:
        raise OkxRejection(Rejected.of(Reason.PARAM_EMPTY, field="data"))
    too_large = batch_too_large(len(items))
    if too_large is not None:
        raise OkxRejection(too_large)
    return items


def inst_id_of(item: Any) -> str | None:
    """The item's instId as sent (for rate limits, which count even items that fail to parse)."""
    value = item.get("instId") if isinstance(item, dict) else None
    return value if isinstance(value, str) and value else None


def echo_of(item: Any) -> Echo:
    if not isinstance(item, dict):
        return Echo()
    return Echo(_echo(item, "clOrdId"), _echo(item, "tag"), _echo(item, "ordId"), _echo(item, "reqId"))


def _echo(item: Mapping[str, Any], name: str) -> str:
    value = item.get(name)
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""


def parsed(parse: Callable[[Mapping[str, Any]], T], item: Any) -> T | Rejected:
    """Run one item's parser; its refusal becomes a value (the other items go on)."""
    try:
        return parse(single_item(item))
    except OkxRejection as refusal:
        return refusal.rejected


# --- place ---------------------------------------------------------------------------------------
def parse_place(item: Mapping[str, Any]) -> OrderSpec:
    inst_id = required_text(item, "instId")
    td_mode = _td_mode(item)
    side = required_choice(item, "side", Side)
    ord_type = required_choice(item, "ordType", OrdType)
    sz = required_decimal(item, "sz")
    px = decimal(item, "px")
    cl_ord_id = _token(item, "clOrdId", CL_ORD_ID_MAX)
    tag = _token(item, "tag", TAG_MAX)
    tgt_ccy = choice(item, "tgtCcy", TgtCcy)
    stp_mode = choice(item, "stpMode", StpMode)
    pos_side = choice(item, "posSide", PosSide)
    reduce_only = bool(boolean(item, "reduceOnly"))
    _option_fields(item)
    attached = parse_attached(item.get("attachAlgoOrds"))
    is_market = ord_type.value in _MARKET_TYPES
    return OrderSpec(
        inst_id=inst_id,
        side=side,
        ord_type=ord_type,
        sz=sz,
        px=None if is_market else px,
        tgt_ccy=tgt_ccy if ord_type is OrdType.MARKET else None,
        cl_ord_id=cl_ord_id,
        tag=tag,
        stp_mode=stp_mode or StpMode.CANCEL_MAKER,
        attach_algo_ords=attached,
        td_mode=td_mode,
        pos_side=pos_side,
        reduce_only=reduce_only,
    )


def spot_refusal(spec: OrderSpec, catalogue: Catalogue) -> Rejected | None:
    """The spot rules of a parsed order (an unknown instrument counts as spot: its other fields are
    refused as before, then the exchange says 51001). A swap's rules are the exchange's."""
    inst = catalogue.instrument(spec.inst_id)
    if inst is not None and inst.contract is not None:
        return None
    if spec.td_mode != SPOT_TD_MODE:  # a real mode, not one a Spot-mode account may use
        return Rejected.of(Reason.ACCOUNT_MODE_UNSUPPORTED, what=f"tdMode {spec.td_mode}")
    if spec.reduce_only:
        return Rejected.of(Reason.PARAM_ERROR, field="reduceOnly")
    if spec.pos_side not in (None, PosSide.NET):
        return Rejected.of(Reason.PARAM_ERROR, field="posSide")
    if spec.ord_type.value not in _SPOT_ORD_TYPES:
        return Rejected.of(Reason.PARAM_ERROR, field="ordType")
    return None


def parse_attached(raw: Any) -> tuple[AttachedAlgo, ...]:
    """`attachAlgoOrds`: the TP/SL items an order gets once fully filled (absent or null: none).
    The rules about them (one item on spot, prices vs the order price) are the exchange's."""
    if _empty_list(raw):
        return ()
    if not isinstance(raw, list) or not all(isinstance(one, Mapping) for one in raw):
        raise bad("attachAlgoOrds")
    return tuple(_attached_item(one) for one in raw)


def _attached_item(item: Mapping[str, Any]) -> AttachedAlgo:
    if not is_absent(item.get("sz")):  # split TPs: derivatives only
        raise bad("sz")
    return AttachedAlgo(
        attach_algo_cl_ord_id=_token(item, "attachAlgoClOrdId", CL_ORD_ID_MAX),
        tp_trigger_px=decimal(item, "tpTriggerPx"),
        tp_ord_px=decimal(item, "tpOrdPx"),
        tp_trigger_px_type=text(item, "tpTriggerPxType") or "last",
        tp_ord_kind=text(item, "tpOrdKind") or "condition",
        sl_trigger_px=decimal(item, "slTriggerPx"),
        sl_ord_px=decimal(item, "slOrdPx"),
        sl_trigger_px_type=text(item, "slTriggerPxType") or "last",
    )


def _td_mode(item: Mapping[str, Any]) -> str:
    mode = required_text(item, "tdMode")
    if mode in MARGIN_TD_MODES:
        raise OkxRejection(Rejected.of(Reason.ACCOUNT_MODE_UNSUPPORTED, what=f"tdMode {mode}"))
    if mode != SPOT_TD_MODE and mode not in SWAP_TD_MODES:
        raise bad("tdMode")
    return mode


def _option_fields(item: Mapping[str, Any]) -> None:
    """Fields of other products: fine when empty or neutral, refused when they ask for more."""
    boolean(item, "banAmend")
    for name in _OPTION_FIELDS:
        if not is_absent(item.get(name)):
            raise bad(name)


def _empty_list(value: Any) -> bool:
    return is_absent(value) or value == []


def _token(item: Mapping[str, Any], name: str, max_len: int) -> str:
    """clOrdId / tag / reqId: up to `max_len` ASCII letters and digits; "" when absent."""
    value = text(item, name)
    if value is None:
        return ""
    if len(value) > max_len or not (value.isascii() and value.isalnum()):
        raise bad(name)
    return value


# --- cancel and amend ----------------------------------------------------------------------------
def parse_cancel(item: Mapping[str, Any]) -> CancelSpec:
    inst_id, ord_id, cl_ord_id = _order_ref(item)
    return CancelSpec(inst_id, ord_id, cl_ord_id)


def _order_ref(item: Mapping[str, Any]) -> tuple[str, int | None, str]:
    """instId and which order: `ordId` (wins) or `clOrdId`, at least one of them (50015)."""
    inst_id = required_text(item, "instId")
    raw_id = text(item, "ordId")
    cl_ord_id = _token(item, "clOrdId", CL_ORD_ID_MAX)
    if raw_id is None and not cl_ord_id:
        raise OkxRejection(Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="ordId", other="clOrdId"))
    return inst_id, None if raw_id is None else _ord_id(raw_id), cl_ord_id


def _ord_id(raw: str) -> int:
    return _id(raw, "ordId")


def _id(raw: str, name: str) -> int:
    """An order id: digits only, positive and 64-bit (51000 otherwise, as for any bad field)."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= ORD_ID_MAX and 0 < int(raw) < ID_LIMIT):
        raise bad(name)
    return int(raw)


def parse_amend(item: Mapping[str, Any]) -> AmendSpec:
    inst_id, ord_id, cl_ord_id = _order_ref(item)
    req_id = _token(item, "reqId", REQ_ID_MAX)
    cxl_on_fail = bool(boolean(item, "cxlOnFail"))
    new_sz, new_px = decimal(item, "newSz"), decimal(item, "newPx")
    for name in _AMEND_ALGO_FIELDS:
        if not is_absent(item.get(name)):
            raise bad(name)
    attached = parse_attached_amends(item.get("attachAlgoOrds"))
    if any(not is_absent(item.get(name)) for name in _ORDER_TP_SL_FIELDS):
        if attached:  # one way or the other
            raise bad("attachAlgoOrds")
        attached = (_attached_change(item, None, ""),)
    if new_sz is None and new_px is None and not attached:
        raise OkxRejection(Rejected(Reason.AMEND_NOTHING))
    return AmendSpec(inst_id, ord_id, cl_ord_id, new_sz, new_px, cxl_on_fail, req_id, attached)


def parse_attached_amends(raw: Any) -> tuple[AttachedAmend, ...]:
    """An amend's `attachAlgoOrds`: which TP/SL of the order (`attachAlgoId`/`attachAlgoClOrdId`)
    and its new prices; whether they fit the order is the exchange's to say."""
    if _empty_list(raw):
        return ()
    if not isinstance(raw, list) or not all(isinstance(one, Mapping) for one in raw):
        raise bad("attachAlgoOrds")
    return tuple(_attached_amend(one) for one in raw)


def _attached_amend(item: Mapping[str, Any]) -> AttachedAmend:
    if not is_absent(item.get("sz")):  # split TPs: derivatives only
        raise bad("sz")
    if not is_absent(item.get("amendPxOnTriggerType")) and text(item, "amendPxOnTriggerType") != "0":
        raise bad("amendPxOnTriggerType")  # cost-price SL: split TPs only
    raw_id = text(item, "attachAlgoId")
    algo_id = None if raw_id is None else _id(raw_id, "attachAlgoId")
    algo_cl_ord_id = _token(item, "attachAlgoClOrdId", CL_ORD_ID_MAX)
    if algo_id is None and not algo_cl_ord_id:
        raise OkxRejection(
            Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="attachAlgoId", other="attachAlgoClOrdId")
        )
    return _attached_change(item, algo_id, algo_cl_ord_id)


def _attached_change(item: Mapping[str, Any], algo_id: int | None, algo_cl_ord_id: str) -> AttachedAmend:
    """The new TP/SL prices of one attached TP/SL (no id: the order's first, as its own fields)."""
    return AttachedAmend(
        attach_algo_id=algo_id,
        attach_algo_cl_ord_id=algo_cl_ord_id,
        new_tp_trigger_px=decimal(item, "newTpTriggerPx"),
        new_tp_ord_px=decimal(item, "newTpOrdPx"),
        new_tp_trigger_px_type=text(item, "newTpTriggerPxType") or "last",
        new_tp_ord_kind=text(item, "newTpOrdKind") or "condition",
        new_sl_trigger_px=decimal(item, "newSlTriggerPx"),
        new_sl_ord_px=decimal(item, "newSlOrdPx"),
        new_sl_trigger_px_type=text(item, "newSlTriggerPxType") or "last",
    )


def expiry_refusal(raw: object, now_ms: int) -> Rejected | None:
    """`expTime` (Unix ms; REST header or WS request field) already past: 50037, and no item is
    processed (reference §1.2). Not a time from 0 to 2^63-1 ms: 51000, like every other integer."""
    if raw is None or raw == "":
        return None
    text = raw.strip() if isinstance(raw, str) else str(raw)
    deadline = None if isinstance(raw, bool) else int64_or_none(text)
    if deadline is None:
        return Rejected.of(Reason.PARAM_ERROR, field="expTime")
    return Rejected(Reason.REQUEST_EXPIRED) if now_ms > deadline else None


def parse_all(parse: Callable[[Mapping[str, Any]], T], items: Sequence[Any]) -> list[T | Rejected]:
    return [parsed(parse, item) for item in items]
