"""`/api/v5/asset/convert/*` (funding_account.md, "Convert")."""

from __future__ import annotations

from collections.abc import Mapping

from sandex.domain.matching.order import Side
from sandex.transport.okx.openapi.vocab import Doc, digits, limit, one_of, required, text

_CCY_PAIR = required(
    text("baseCcy", "the currency sold with side sell (either currency of an instrument)", example="BTC"),
    text("quoteCcy", example="USDT"),
)
_SIDE = one_of("side", Side, "of baseCcy", required=True, example="sell")
_TAG = text("tag", "broker tag, up to 16 letters or digits")

CONVERT_ROUTES: Mapping[str, Doc] = {
    "GET /api/v5/asset/convert/currencies": Doc("Currencies that convert"),
    "GET /api/v5/asset/convert/currency-pair": Doc(
        "A convertible pair and its limits",
        query=required(text("fromCcy", example="USDT"), text("toCcy", example="BTC")),
    ),
    "POST /api/v5/asset/convert/estimate-quote": Doc(
        "A firm quote (valid ttlMs on the sandbox clock)",
        body=(
            *_CCY_PAIR,
            _SIDE,
            *required(
                text("rfqSz", "amount (decimal string)", example="0.1"), text("rfqSzCcy", example="BTC")
            ),
            text("clQReqId", "client-supplied id, up to 32 letters or digits"),
            _TAG,
        ),
    ),
    "POST /api/v5/asset/convert/trade": Doc(
        "Trade a quote (trading-account balances only)",
        body=(
            text("quoteId", "from estimate-quote", required=True, example="quoter1000000000000"),
            *_CCY_PAIR,
            _SIDE,
            *required(text("sz", "at most the quoted rfqSz", example="0.1"), text("szCcy", example="BTC")),
            text("clTReqId", "client-supplied id, up to 32 letters or digits"),
            _TAG,
        ),
    ),
    "GET /api/v5/asset/convert/history": Doc(
        "Convert trades, newest first",
        query=(
            text("clTReqId", "a trade's clTReqId (or its tradeId)"),
            digits("after", "older than this ts (ms)"),
            digits("before", "newer than this ts (ms)"),
            limit(100),
            _TAG,
        ),
    ),
}
