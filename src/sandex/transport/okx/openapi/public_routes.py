"""`/api/v5/public/*` and `/api/v5/market/*` as OKX documents them (reference §4.2).

Enumerations and maximums come from the handlers' own constants, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping

from sandex.domain.marketdata.bars import BARS
from sandex.services.catalogue import INSTRUMENT_TYPES
from sandex.services.marketdata.service import BOOK_MAX, FULL_BOOK_MAX
from sandex.transport.okx.openapi.vocab import Doc, digits, limit, one_of, required, text
from sandex.transport.okx.rest.market import CANDLES_MAX, HISTORY_TRADES_MAX, TICKER_TYPES, TRADES_MAX
from sandex.transport.okx.rest.reference import MARK_PRICE_TYPES, REFERENCE_CANDLES_MAX
from sandex.transport.okx.rest.system import STATES

INST_ID = text("instId", "instrument", example="BTC-USDT")
AFTER_TS, BEFORE_TS = digits("after", "older than this ts (ms)"), digits("before", "newer than this ts (ms)")


_REFERENCE_CANDLES = (
    *required(INST_ID),
    one_of("bar", [bar for bar in BARS if bar != "1s"], "default 1m"),
    AFTER_TS,
    BEFORE_TS,
    limit(REFERENCE_CANDLES_MAX),
)

PUBLIC_ROUTES: Mapping[str, Doc] = {
    "GET /api/v5/public/time": Doc("Server time (ms)"),
    "GET /api/v5/public/instruments": Doc(
        "Instruments (SPOT; other types answer [])",
        query=(
            one_of("instType", INSTRUMENT_TYPES, required=True),
            INST_ID,
            text("uly", "underlying (options; accepted, sandex lists none)"),
            text("instFamily", "instrument family (derivatives; accepted)"),
        ),
    ),
    "GET /api/v5/market/tickers": Doc(
        "Tickers of every instrument of a type",
        query=(one_of("instType", TICKER_TYPES, required=True), text("uly"), text("instFamily")),
    ),
    "GET /api/v5/market/ticker": Doc("One ticker", query=required(INST_ID)),
    "GET /api/v5/market/index-tickers": Doc(
        "Index tickers: by quote currency or instrument (one of them is required)",
        query=(text("quoteCcy", "quote currency", example="USDT"), INST_ID),
    ),
    "GET /api/v5/market/books": Doc(
        "Order book",
        query=(*required(INST_ID), digits("sz", f"levels per side, 1-{BOOK_MAX} (default 1)")),
    ),
    "GET /api/v5/market/books-full": Doc(
        "Full order book",
        query=(*required(INST_ID), digits("sz", f"levels per side, 1-{FULL_BOOK_MAX} (default 1)")),
    ),
    "GET /api/v5/market/candles": Doc(
        "Recent candles, newest first",
        query=(
            *required(INST_ID),
            one_of("bar", BARS, "default 1m"),
            AFTER_TS,
            BEFORE_TS,
            limit(CANDLES_MAX),
        ),
    ),
    "GET /api/v5/market/history-candles": Doc(
        "Every stored candle, newest first",
        query=(
            *required(INST_ID),
            one_of("bar", BARS, "default 1m"),
            AFTER_TS,
            BEFORE_TS,
            limit(CANDLES_MAX),
        ),
    ),
    "GET /api/v5/market/trades": Doc("Recent trades", query=(*required(INST_ID), limit(TRADES_MAX))),
    "GET /api/v5/market/history-trades": Doc(
        "Trade history",
        query=(
            *required(INST_ID),
            one_of("type", ("1", "2"), "cursors: 1 tradeId (default), 2 ts"),
            digits("after", "older than this cursor"),
            digits("before", "newer than this cursor"),
            limit(HISTORY_TRADES_MAX),
        ),
    ),
    "GET /api/v5/market/index-candles": Doc(
        "Index candles (the reference price, sampled per minute over 24 h), newest first",
        query=_REFERENCE_CANDLES,
    ),
    "GET /api/v5/market/history-index-candles": Doc(
        "Index candles (the same 24 h: the index is not stored)", query=_REFERENCE_CANDLES
    ),
    "GET /api/v5/market/mark-price-candles": Doc(
        "Mark-price candles (margin and derivatives only: 51001 on sandex)", query=_REFERENCE_CANDLES
    ),
    "GET /api/v5/market/history-mark-price-candles": Doc(
        "Mark-price candles history (margin and derivatives only: 51001 on sandex)", query=_REFERENCE_CANDLES
    ),
    "GET /api/v5/market/exchange-rate": Doc("USD/CNY (a fixed rate)"),
    "GET /api/v5/market/platform-24-volume": Doc("The platform's 24 h volume in USD and CNY"),
    "GET /api/v5/public/mark-price": Doc(
        "Mark prices (margin and derivatives only; sandex lists none)",
        query=(one_of("instType", MARK_PRICE_TYPES, required=True), text("instFamily"), INST_ID),
    ),
    "GET /api/v5/public/price-limit": Doc(
        "Price limits (none applied: enabled false)", query=required(INST_ID)
    ),
    "GET /api/v5/system/status": Doc(
        "Maintenance: [] unless a 50001 fault (control API) simulates an outage",
        query=(one_of("state", sorted(STATES)),),
    ),
}
