"""`/api/v5/trade/*` (reference §4.4): the six order writes (served by the fast lane) and the reads.

Order bodies list every field OKX documents for spot orders; margin, option and TP/SL fields are
accepted when empty and refused (51000) when they ask for something (see `orders_wire`).
"""

from __future__ import annotations

from collections.abc import Mapping

from sandex.domain.matching.order import Side, StpMode, TgtCcy
from sandex.services.trading.views import MAX_BATCH
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
from sandex.transport.okx.rest.trade import FINISHED_STATES, INST_TYPES, OKX_ORD_TYPES, PENDING_STATES

INST_ID = text("instId", "instrument", example="BTC-USDT")
ORD_ID = digits("ordId", "order id")
CL_ORD_ID = text("clOrdId", "client order id, up to 32 letters or digits")
TD_MODES = ("cash", "cross", "isolated", "spot_isolated")
EXP_TIME = digits("expTime", "refuse the request once this Unix ms time has passed")

_PLACE = (
    *required(INST_ID, one_of("tdMode", TD_MODES, "spot: cash", example="cash")),
    *required(one_of("side", Side, example="buy"), one_of("ordType", OKX_ORD_TYPES, example="limit")),
    *required(text("sz", "size (decimal string)", example="0.001")),
    text("px", "price (decimal string); limit orders", example="20000"),
    CL_ORD_ID,
    text("tag", "up to 16 letters or digits"),
    one_of("tgtCcy", TgtCcy, "market orders: the unit of sz"),
    one_of("stpMode", StpMode),
    one_of("posSide", ("net", "long", "short"), "spot: net"),
    flag("reduceOnly"),
    flag("banAmend"),
    text("ccy"),
    text("pxUsd"),
    text("pxVol"),
    objects("attachAlgoOrds", "TP/SL made once the order is fully filled (spot: one item)"),
)
_CANCEL = (*required(INST_ID), ORD_ID, CL_ORD_ID)
_AMEND = (
    *_CANCEL,
    text("reqId", "up to 32 letters or digits"),
    flag("cxlOnFail"),
    text("newSz", "new size (decimal string)", example="0.002"),
    text("newPx", "new price (decimal string)"),
    text("newPxUsd"),
    text("newPxVol"),
    objects(
        "attachAlgoOrds",
        "new prices of the order's TP/SL while it waits (attachAlgoId or attachAlgoClOrdId, "
        "newTpTriggerPx, newTpOrdPx, newSlTriggerPx, newSlOrdPx; 0 deletes a leg)",
    ),
    text("newTpTriggerPx", "the order's TP/SL (older form of attachAlgoOrds)"),
    text("newTpOrdPx"),
    text("newSlTriggerPx"),
    text("newSlOrdPx"),
)
_WRITE_HEADERS = (EXP_TIME,)

_LIST = (
    INST_ID,
    one_of("ordType", OKX_ORD_TYPES),
    text("instFamily"),
    text("uly"),
    digits("after", "older than this ordId"),
    digits("before", "newer than this ordId"),
    limit(100),
)
_HISTORY = (
    *required(one_of("instType", INST_TYPES)),
    *_LIST,
    one_of("state", FINISHED_STATES),
    digits("begin", "from this ts (ms)"),
    digits("end", "up to this ts (ms)"),
)
_FILLS = (
    INST_ID,
    ORD_ID,
    text("instFamily"),
    text("uly"),
    digits("subType"),
    digits("after", "older than this billId"),
    digits("before", "newer than this billId"),
    digits("begin", "from this ts (ms)"),
    digits("end", "up to this ts (ms)"),
    limit(100),
)


def _write(summary: str, body: tuple[Param, ...], *, batch: bool = False) -> Doc:
    return Doc(
        summary, body=body, batch=batch, max_items=MAX_BATCH, headers=_WRITE_HEADERS, order_results=True
    )


TRADE_ROUTES: Mapping[str, Doc] = {
    "POST /api/v5/trade/order": _write("Place an order", _PLACE),
    "POST /api/v5/trade/batch-orders": _write(f"Place up to {MAX_BATCH} orders", _PLACE, batch=True),
    "POST /api/v5/trade/cancel-order": _write("Cancel an order (ordId or clOrdId)", _CANCEL),
    "POST /api/v5/trade/cancel-batch-orders": _write(f"Cancel up to {MAX_BATCH} orders", _CANCEL, batch=True),
    "POST /api/v5/trade/amend-order": _write("Amend an order's size or price", _AMEND),
    "POST /api/v5/trade/amend-batch-orders": _write(f"Amend up to {MAX_BATCH} orders", _AMEND, batch=True),
    "GET /api/v5/trade/order": Doc(
        "One order (ordId or clOrdId)", query=(*required(INST_ID), ORD_ID, CL_ORD_ID)
    ),
    "GET /api/v5/trade/orders-pending": Doc(
        "Pending orders, newest first",
        query=(one_of("instType", INST_TYPES), *_LIST, one_of("state", PENDING_STATES)),
    ),
    "GET /api/v5/trade/orders-history": Doc("Finished orders of the last 7 days", query=_HISTORY),
    "GET /api/v5/trade/orders-history-archive": Doc("Finished orders of the last 3 months", query=_HISTORY),
    "GET /api/v5/trade/fills": Doc(
        "Fills of the last 3 days", query=(one_of("instType", INST_TYPES), *_FILLS)
    ),
    "GET /api/v5/trade/fills-history": Doc(
        "Fills of the last 3 months", query=(*required(one_of("instType", INST_TYPES)), *_FILLS)
    ),
}
