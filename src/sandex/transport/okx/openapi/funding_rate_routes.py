"""`public/funding-rate` and `public/funding-rate-history` as OKX documents them."""

from __future__ import annotations

from collections.abc import Mapping

from sandex.services.swap_funding.liquidation_orders import LIMIT_MAX
from sandex.services.swap_funding.service import HISTORY_LIMIT
from sandex.transport.okx.openapi.vocab import Doc, digits, limit, one_of, required, text

SWAP_ID = text("instId", "swap instrument (`ANY`: every swap)", example="BTC-USDT-SWAP")

FUNDING_RATE_ROUTES: Mapping[str, Doc] = {
    "GET /api/v5/public/funding-rate": Doc(
        "Funding rate of the coming settlement (withRate formula, current_period)", query=required(SWAP_ID)
    ),
    "GET /api/v5/public/funding-rate-history": Doc(
        "Settled funding rates, newest first, three months",
        query=(
            *required(text("instId", "swap instrument", example="BTC-USDT-SWAP")),
            digits("after", "older than this funding time (ms)"),
            digits("before", "newer than this funding time (ms)"),
            limit(HISTORY_LIMIT, HISTORY_LIMIT),
        ),
    ),
    "GET /api/v5/public/liquidation-orders": Doc(
        "Liquidations of swaps per instrument, newest first (filled only)",
        query=(
            one_of("instType", ("SWAP", "MARGIN", "FUTURES", "OPTION"), required=True),
            text("instFamily", "instrument family", example="BTC-USDT"),
            text("uly", "underlying (as instFamily)"),
            text("instId", "swap instrument", example="BTC-USDT-SWAP"),
            one_of("state", ("filled", "unfilled"), "default filled"),
            digits("after", "older than this time (ms)"),
            digits("before", "newer than this time (ms)"),
            limit(LIMIT_MAX, LIMIT_MAX),
        ),
    ),
    "GET /api/v5/public/insurance-fund": Doc(
        "The insurance fund's balance now (one fund per environment for every swap)",
        query=(
            one_of("instType", ("SWAP", "MARGIN", "FUTURES", "OPTION"), required=True),
            text("instFamily", "instrument family (required for SWAP)", example="BTC-USDT"),
            text("uly", "underlying (as instFamily)"),
        ),
    ),
}
