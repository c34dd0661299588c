"""`/api/v5/trade/*` algo orders: place, cancel, amend and the three reads (see `rest/algos.py`).

Bodies list every field OKX documents for spot and swap algo orders; fields of margin and the algo
types sandex does not run are accepted when empty and refused (51000) when they ask for more.
"""

from __future__ import annotations

from collections.abc import Mapping

from sandex.domain.matching.order import Side, TgtCcy
from sandex.transport.okx.algo_params import (
    ALGO_INST_TYPES,
    HISTORY_STATES,
    MAX_CANCEL,
    OKX_ALGO_TYPES,
)
from sandex.transport.okx.openapi.vocab import (
    Doc,
    Param,
    digits,
    flag,
    limit,
    objects,
    one_of,
    required,
    text,
)

INST_ID = text("instId", "instrument", example="BTC-USDT")
ALGO_ID = digits("algoId", "algo id")
ALGO_CL_ORD_ID = text("algoClOrdId", "client algo id, up to 32 letters or digits")
PX_TYPES = ("last", "index", "mark")
_PX = "decimal string"
_ORD_PX = "decimal string; -1: market"

_PLACE = (
    *required(INST_ID, one_of("tdMode", ("cash", "cross", "isolated"), "spot: cash", example="cash")),
    *required(one_of("side", Side, example="sell")),
    *required(one_of("ordType", OKX_ALGO_TYPES, "served: conditional, oco, trigger, move_order_stop")),
    *required(text("sz", "size (decimal string; swaps: contracts); closeFraction instead", example="0.001")),
    one_of("closeFraction", ("1",), "swaps, conditional/oco at market: close the whole position"),
    flag("cxlOnClosePos"),
    one_of("tgtCcy", TgtCcy, "market buys: the unit of sz"),
    ALGO_CL_ORD_ID,
    text("clOrdId", "stands for algoClOrdId when that is absent"),
    text("tag", "up to 16 letters or digits"),
    flag("reduceOnly"),
    one_of("posSide", ("net", "long", "short"), "spot: net; swaps in long/short mode: long or short"),
    text("tpTriggerPx", _PX),
    text("tpOrdPx", _ORD_PX),
    one_of("tpTriggerPxType", PX_TYPES, "spot: last; swaps: any"),
    one_of("tpOrdKind", ("condition", "limit"), "spot: condition (limit: 51094)"),
    text("slTriggerPx", _PX),
    text("slOrdPx", _ORD_PX),
    one_of("slTriggerPxType", PX_TYPES, "spot: last; swaps: any"),
    text("triggerPx", f"trigger orders: {_PX}"),
    text("orderPx", f"trigger orders: {_ORD_PX}"),
    one_of("triggerPxType", PX_TYPES, "spot: last; swaps: any"),
    text("callbackRatio", "move_order_stop: 0.01 = 1 %"),
    text("callbackSpread", "move_order_stop: a price distance"),
    text("activePx", "move_order_stop: track from this price on"),
    objects("attachAlgoOrds", "not served, must be empty"),
)
_REF = (*required(INST_ID), ALGO_ID, ALGO_CL_ORD_ID)
_AMEND = (
    *_REF,
    text("reqId", "up to 32 letters or digits"),
    flag("cxlOnFail"),
    text("newSz", "new size (decimal string)"),
    text("newTpTriggerPx", f"{_PX}; 0 deletes the TP leg"),
    text("newTpOrdPx", _ORD_PX),
    text("newSlTriggerPx", f"{_PX}; 0 deletes the SL leg"),
    text("newSlOrdPx", _ORD_PX),
    text("newTriggerPx", _PX),
    text("newOrdPx", _ORD_PX),
    one_of("newTpTriggerPxType", PX_TYPES, "spot: last"),
    one_of("newSlTriggerPxType", PX_TYPES, "spot: last"),
    one_of("newTriggerPxType", PX_TYPES, "spot: last"),
)
_ORD_TYPES = text("ordType", "one type, or conditional,oco", required=True, example="conditional")
_LIST: tuple[Param, ...] = (
    _ORD_TYPES,
    ALGO_ID,
    one_of("instType", ALGO_INST_TYPES),
    INST_ID,
    digits("after", "older than this algoId"),
    digits("before", "newer than this algoId"),
    limit(100),
)


def _write(summary: str, body: tuple[Param, ...], *, batch: bool = False) -> Doc:
    return Doc(summary, body=body, batch=batch, max_items=MAX_CANCEL, order_results=True)


ALGO_ROUTES: Mapping[str, Doc] = {
    "POST /api/v5/trade/order-algo": _write("Place an algo order", _PLACE),
    "POST /api/v5/trade/cancel-algos": _write(
        f"Cancel up to {MAX_CANCEL} algo orders (not move_order_stop)", _REF, batch=True
    ),
    "POST /api/v5/trade/cancel-advance-algos": _write(
        f"Cancel up to {MAX_CANCEL} move_order_stop algo orders", _REF, batch=True
    ),
    "POST /api/v5/trade/amend-algos": _write("Amend an algo order's size or prices", _AMEND),
    "GET /api/v5/trade/order-algo": Doc(
        "One algo order (algoId or algoClOrdId)", query=(ALGO_ID, ALGO_CL_ORD_ID)
    ),
    "GET /api/v5/trade/orders-algo-pending": Doc("Live algo orders, newest first", query=_LIST),
    "GET /api/v5/trade/orders-algo-history": Doc(
        "Finished algo orders (state or algoId), newest first",
        query=(*_LIST, one_of("state", HISTORY_STATES)),
    ),
}
