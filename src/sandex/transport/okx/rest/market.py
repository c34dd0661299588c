"""`/api/v5/market/*`: tickers, order books, candles, trades and index tickers (no authentication).

Reference §4.2. The environment is the request's: `x-simulated-trading: 1` reads the demo market,
anything else the live one (python-okx sends the header on public calls too). Numbers are plain
decimal strings at the instrument's precision, never scientific notation (SHIB: "0.00001112").
Parameter errors name the wire field: 50014 when a required one is missing, 51000 when malformed;
an unknown instId is 51001.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.marketdata.bars import DEFAULT_BAR, Bar, parse_bar
from sandex.domain.money import format_decimal
from sandex.services.marketdata.ports import CandleView, IndexTickerView, PublicTrade
from sandex.services.marketdata.service import BOOK_MAX, FULL_BOOK_MAX, MarketData
from sandex.transport.okx.context import Ctx, OkxContext
from sandex.transport.okx.demo import DEMO_HEADER, asks_for_demo
from sandex.transport.okx.envelope import OkxRejection, fail, ok
from sandex.transport.okx.market_render import render_of
from sandex.transport.okx.params import bad, query_int, query_limit
from sandex.transport.okx.rate_checks import PublicRateLimit

router = APIRouter(prefix="/api/v5/market", tags=["market"], dependencies=[PublicRateLimit])

TICKER_TYPES = frozenset({"SPOT", "SWAP", "FUTURES", "OPTION"})
CANDLES_MAX = 300
TRADES_MAX = 500
HISTORY_TRADES_MAX = 100


def market_of(ctx: OkxContext) -> MarketData:
    if ctx.market is None:
        raise RuntimeError("market routes served without market data")
    return ctx.market


def environment_of(request: Request) -> Environment:
    return Environment.from_demo_flag(asks_for_demo(request.headers.get(DEMO_HEADER)))


def required(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if not value:
        raise OkxRejection(Rejected.of(Reason.PARAM_EMPTY, field=name))
    return value


# --- tickers -------------------------------------------------------------------------------------
@router.get("/tickers")
async def get_tickers(request: Request, ctx: Ctx) -> Response:
    inst_type = required(request, "instType")
    if inst_type not in TICKER_TYPES:
        raise bad("instType")
    if inst_type not in ("SPOT", "SWAP"):
        return ok([])  # sandex lists spot pairs and perpetual swaps only
    query = request.query_params
    family = (query.get("instFamily") or query.get("uly") or None) if inst_type == "SWAP" else None
    return render_of(market_of(ctx)).tickers(environment_of(request), ctx.clock.now_ms(), inst_type, family)


@router.get("/ticker")
async def get_ticker(request: Request, ctx: Ctx) -> Response:
    inst_id = required(request, "instId")
    found = render_of(market_of(ctx)).ticker(environment_of(request), inst_id, ctx.clock.now_ms())
    return fail(found) if isinstance(found, Rejected) else found


@router.get("/index-tickers")
async def get_index_tickers(request: Request, ctx: Ctx) -> Response:
    quote_ccy = request.query_params.get("quoteCcy") or None
    inst_id = request.query_params.get("instId") or None
    if quote_ccy is None and inst_id is None:
        return fail(Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="quoteCcy", other="instId"))
    found = market_of(ctx).index_tickers(quote_ccy, inst_id)
    if inst_id is not None and not found:
        return fail(Rejected(Reason.INSTRUMENT_NOT_FOUND))
    return ok([index_wire(i) for i in found])


# --- books ---------------------------------------------------------------------------------------
@router.get("/books")
async def get_books(request: Request, ctx: Ctx) -> Response:
    inst_id = required(request, "instId")
    depth = _depth(request, BOOK_MAX)
    found = render_of(market_of(ctx)).book(environment_of(request), inst_id, depth, full=False)
    return fail(found) if isinstance(found, Rejected) else found


@router.get("/books-full")
async def get_books_full(request: Request, ctx: Ctx) -> Response:
    inst_id = required(request, "instId")
    depth = _depth(request, FULL_BOOK_MAX)
    found = render_of(market_of(ctx)).book(environment_of(request), inst_id, depth, full=True)
    return fail(found) if isinstance(found, Rejected) else found


def _depth(request: Request, maximum: int) -> int:
    depth = query_int(request.query_params.get("sz"), "sz")
    if depth is None:
        return 1  # OKX's default
    if not 1 <= depth <= maximum:
        raise bad("sz")
    return depth


# --- candles -------------------------------------------------------------------------------------
@router.get("/candles")
async def get_candles(request: Request, ctx: Ctx) -> Response:
    return await _candles(request, ctx, history=False)


@router.get("/history-candles")
async def get_history_candles(request: Request, ctx: Ctx) -> Response:
    return await _candles(request, ctx, history=True)


async def _candles(request: Request, ctx: Ctx, *, history: bool) -> Response:
    query = request.query_params
    inst_id = required(request, "instId")
    bar = bar_param(query.get("bar"))
    after, before = query_int(query.get("after"), "after"), query_int(query.get("before"), "before")
    limit = query_limit(query.get("limit"), CANDLES_MAX)
    found = await market_of(ctx).candles(
        environment_of(request), inst_id, bar, after=after, before=before, limit=limit, history=history
    )
    return fail(found) if isinstance(found, Rejected) else ok([candle_wire(c) for c in found])


def bar_param(name: str | None) -> Bar:
    if not name:
        return DEFAULT_BAR
    bar = parse_bar(name)
    if bar is None:
        raise bad("bar")
    return bar


# --- trades --------------------------------------------------------------------------------------
@router.get("/trades")
async def get_trades(request: Request, ctx: Ctx) -> Response:
    inst_id = required(request, "instId")
    limit = query_limit(request.query_params.get("limit"), TRADES_MAX)
    found = await market_of(ctx).trades(environment_of(request), inst_id, limit)
    return fail(found) if isinstance(found, Rejected) else ok([trade_wire(t) for t in found])


@router.get("/history-trades")
async def get_history_trades(request: Request, ctx: Ctx) -> Response:
    query = request.query_params
    inst_id = required(request, "instId")
    kind = query.get("type") or "1"  # 1: tradeId cursors, 2: timestamp cursors
    if kind not in ("1", "2"):
        raise bad("type")
    after, before = query_int(query.get("after"), "after"), query_int(query.get("before"), "before")
    limit = query_limit(query.get("limit"), HISTORY_TRADES_MAX)
    found = await market_of(ctx).history_trades(
        environment_of(request), inst_id, by_ts=kind == "2", after=after, before=before, limit=limit
    )
    return fail(found) if isinstance(found, Rejected) else ok([trade_wire(t) for t in found])


# --- wire shapes ---------------------------------------------------------------------------------
def candle_wire(c: CandleView) -> list[str]:
    """`[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]`: spot volumes in base, then quote (twice);
    swaps in contracts, the coin, then the quote currency."""
    ccy = format_decimal(c.vol_ccy)
    quote = ccy if c.vol_ccy_quote is None else format_decimal(c.vol_ccy_quote)
    return [
        str(c.ts),
        format_decimal(c.o),
        format_decimal(c.h),
        format_decimal(c.l),
        format_decimal(c.c),
        format_decimal(c.vol),
        ccy,
        quote,
        "1" if c.confirmed else "0",
    ]


def trade_wire(t: PublicTrade) -> dict[str, str]:
    return {
        "instId": t.inst_id,
        "side": t.side.value,
        "sz": format_decimal(t.sz),
        "px": format_decimal(t.px),
        "source": "0",
        "tradeId": t.trade_id,
        "ts": str(t.ts),
    }


def index_wire(i: IndexTickerView) -> dict[str, str]:
    return {
        "instId": i.inst_id,
        "idxPx": format_decimal(i.idx_px),
        "high24h": format_decimal(i.high24h),
        "sodUtc0": format_decimal(i.sod_utc0),
        "open24h": format_decimal(i.open24h),
        "low24h": format_decimal(i.low24h),
        "sodUtc8": format_decimal(i.sod_utc8),
        "ts": str(i.ts),
    }
