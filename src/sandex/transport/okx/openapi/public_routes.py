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
from sandex.transport.okx.rest.reference import (
    MARK_PRICE_TYPES,
    OI_TYPES,
    REFERENCE_CANDLES_MAX,
    TD_MODES,
)
from sandex.transport.okx.rest.system import STATES

INST_ID = text("instId", "instrument", example="BTC-USDT")
FAMILY = text("instFamily", "instrument family of swaps (e.g. BTC-USDT)", example="BTC-USDT")
ULY = text("uly", "underlying (legacy; the same as instFamily for linear swaps)")
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
        "Instruments (SPOT and SWAP; other types answer [])",
        query=(one_of("instType", INSTRUMENT_TYPES, required=True), INST_ID, ULY, FAMILY),
    ),
    "GET /api/v5/market/tickers": Doc(
        "Tickers of every instrument of a type",
        query=(one_of("instType", TICKER_TYPES, required=True), ULY, FAMILY),
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
        "Mark-price candles of a swap (the last 24 h), newest first", query=_REFERENCE_CANDLES
    ),
    "GET /api/v5/market/history-mark-price-candles": Doc(
        "Mark-price candles history of a swap (the same 24 h: marks are not stored)", query=_REFERENCE_CANDLES
    ),
    "GET /api/v5/market/exchange-rate": Doc("USD/CNY (a fixed rate)"),
    "GET /api/v5/market/platform-24-volume": Doc("The platform's 24 h volume in USD and CNY"),
    "GET /api/v5/public/mark-price": Doc(
        "Mark prices of swaps (MARGIN, FUTURES, OPTION list none)",
        query=(one_of("instType", MARK_PRICE_TYPES, required=True), FAMILY, ULY, INST_ID),
    ),
    "GET /api/v5/public/price-limit": Doc(
        "Price limits of a swap around its mark (a spot pair: enabled false)", query=required(INST_ID)
    ),
    "GET /api/v5/public/position-tiers": Doc(
        "Position tiers of swap families (instFamily required for derivatives, up to 5)",
        query=(
            one_of("instType", MARK_PRICE_TYPES, required=True),
            one_of("tdMode", sorted(TD_MODES), required=True),
            FAMILY,
            ULY,
            INST_ID,
            text("ccy", "margin currency (MARGIN only; none listed)"),
            digits("tier", "one tier"),
        ),
    ),
    "GET /api/v5/public/open-interest": Doc(
        "Open interest of swaps (contracts, coin, USD)",
        query=(one_of("instType", sorted(OI_TYPES), required=True), FAMILY, ULY, INST_ID),
    ),
    "GET /api/v5/system/status": Doc(
        "Maintenance: [] unless a 50001 fault (control API) simulates an outage",
        query=(one_of("state", sorted(STATES)),),
    ),
}
