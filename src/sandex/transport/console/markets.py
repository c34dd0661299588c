"""Markets: every instrument's price, 24 h change, volume and sparkline; one market's candles, book, trades.

Market data is public, so these pages are open to visitors too. The `…/live` fragments that the
page script fetches every few seconds read no session: a page left open must not keep a session
alive past its idle limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.instruments import Instrument
from sandex.domain.marketdata.bars import MINUTE, parse_bar
from sandex.services.marketdata.ports import BookLevel, CandleView, PublicTrade, TickerView
from sandex.services.marketdata.service import MarketData
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import Trader
from sandex.transport.console.charts import CandleChart, Sparkline, candle_chart, sparkline
from sandex.transport.console.context import Console, ConsoleContext
from sandex.transport.console.headers import ConsoleRoute, secure
from sandex.transport.console.numbers import Change, PriceText, change_of, plain, price_text, volume_text
from sandex.transport.console.pagination import Pager, paginate
from sandex.transport.console.render import fragment, render
from sandex.transport.console.responses import not_found
from sandex.transport.console.session import MaybeSigned, Viewer
from sandex.transport.console.trade_panel import TradePanel, trade_panel

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

SPARK_BAR, SPARK_POINTS = parse_bar("15m") or MINUTE, 96  # the last 24 hours
SPARK_MIN_POINTS = 8  # fewer (a young server): the last hour of 1-minute candles instead
CHART_BARS = ("1m", "5m", "15m", "1H", "4H", "1D")
CHART_CANDLES = 80
BOOK_DEPTH = 12
TRADES_SHOWN = 20
MARKETS_PER_PAGE = 20  # a phone's few screens; the sparklines of one page, not of every market


@dataclass(frozen=True, slots=True)
class MarketRow:
    inst: Instrument
    price: PriceText
    change: Change
    high: PriceText
    low: PriceText
    volume: str  # quote currency, compact
    spark: Sparkline | None


@dataclass(frozen=True, slots=True)
class BookRow:
    price: PriceText
    size: str
    total: str
    depth_pct: int  # the bar behind the row: cumulative size against the deepest side


def environment_of(request: Request) -> Environment:
    return Environment.DEMO if request.query_params.get("env") == "demo" else Environment.LIVE


def _market(console: ConsoleContext) -> MarketData | None:
    return console.market if console.catalogue is not None else None


# --- the list ------------------------------------------------------------------------------------
@router.get("/markets")
async def markets(request: Request, console: Console, viewer: MaybeSigned) -> Response:
    env = environment_of(request)
    listed = await _rows(request, console, env)
    if listed is None:
        return not_found(request, viewer=viewer)
    rows, pager = listed
    return render(request, "markets.html", viewer=viewer, rows=rows, pager=pager, env=env.value)


@router.get("/markets/live")
async def markets_live(request: Request, console: Console) -> Response:
    listed = await _rows(request, console, environment_of(request))
    if listed is None:
        return secure(HTMLResponse("", status_code=404), request)
    return fragment(request, "markets_rows.html", rows=listed[0])


async def _rows(
    request: Request, console: ConsoleContext, env: Environment
) -> tuple[list[MarketRow], Pager] | None:
    """The requested page of the list (`?page=`), the catalogue's order: by market cap."""
    market = _market(console)
    if market is None or console.catalogue is None:
        return None
    tickers = {t.inst_id: t for t in market.tickers(env)}
    spot = [i for i in console.catalogue.instruments.values() if i.contract is None]  # spot pairs only
    instruments, pager = paginate(request, spot, MARKETS_PER_PAGE)
    sparks = await asyncio.gather(*(_spark(market, env, i.inst_id) for i in instruments))
    rows = [_row(inst, tickers[inst.inst_id], spark) for inst, spark in zip(instruments, sparks, strict=True)]
    return rows, pager


def _row(inst: Instrument, t: TickerView, spark: Sparkline | None) -> MarketRow:
    return MarketRow(
        inst,
        price_text(t.last, inst.tick_sz),
        change_of(t.last, t.open24h),
        price_text(t.high24h, inst.tick_sz),
        price_text(t.low24h, inst.tick_sz),
        volume_text(t.vol_ccy24h),
        spark,
    )


async def _spark(market: MarketData, env: Environment, inst_id: str) -> Sparkline | None:
    found = await market.candles(env, inst_id, SPARK_BAR, limit=SPARK_POINTS)
    if isinstance(found, list) and len(found) < SPARK_MIN_POINTS:
        found = await market.candles(env, inst_id, MINUTE, limit=60)
    if isinstance(found, Rejected):
        return None
    return sparkline([c.c for c in reversed(found)])


# --- one market ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MarketPage:
    inst: Instrument
    row: MarketRow
    ticker: TickerView
    bar: str
    chart: CandleChart
    asks: list[BookRow]  # highest first, as a book is read top to bottom
    bids: list[BookRow]
    spread: str
    trades: list[tuple[PublicTrade, PriceText, str]]


@router.get("/markets/{inst_id}")
async def market_page(request: Request, inst_id: str, console: Console, viewer: MaybeSigned) -> Response:
    return await market_response(request, console, inst_id, viewer)


async def market_response(
    request: Request,
    console: ConsoleContext,
    inst_id: str,
    viewer: Viewer | None,
    *,
    panel: Callable[[TradingService, Trader, Instrument], TradePanel] = trade_panel,
    status: int = 200,
) -> Response:
    """The market page; a signed-in viewer also gets the order form and their orders (`panel`)."""
    page = await _page(request, console, inst_id)
    if page is None:
        return not_found(request, f"There is no market {inst_id!r}.", viewer=viewer)
    env = environment_of(request)
    trade = None
    if viewer is not None and console.trading is not None:
        trade = panel(console.trading, Trader(viewer.id, env), page.inst)
    return render(
        request,
        "market.html",
        status=status,
        viewer=viewer,
        m=page,
        bars=CHART_BARS,
        env=env.value,
        fmt=plain,
        trade=trade,
    )


@router.get("/markets/{inst_id}/live")
async def market_live(request: Request, inst_id: str, console: Console) -> Response:
    page = await _page(request, console, inst_id)
    if page is None:
        return secure(HTMLResponse("", status_code=404), request)
    return fragment(request, "market_live.html", m=page)


async def _page(request: Request, console: ConsoleContext, inst_id: str) -> MarketPage | None:
    market = _market(console)
    inst = None if console.catalogue is None else console.catalogue.instrument(inst_id)
    if market is None or inst is None:
        return None
    env = environment_of(request)
    bar_name = request.query_params.get("bar", "15m")
    bar = parse_bar(bar_name) if bar_name in CHART_BARS else None
    bar, bar_name = (bar, bar_name) if bar is not None else (parse_bar("15m") or MINUTE, "15m")
    ticker = market.ticker(env, inst_id)
    book = market.book(env, inst_id, BOOK_DEPTH)
    candles = await market.candles(env, inst_id, bar, limit=CHART_CANDLES)
    trades = await market.trades(env, inst_id, TRADES_SHOWN)
    if isinstance(ticker, Rejected) or isinstance(book, Rejected):
        return None
    ordered: list[CandleView] = [] if isinstance(candles, Rejected) else list(reversed(candles))
    tick = inst.tick_sz
    chart = candle_chart(ordered, lambda px: price_text(px, tick).full, _hhmm)
    spark = sparkline([c.c for c in ordered])
    deepest = max(_total(book.asks), _total(book.bids), Decimal(1))
    asks = list(reversed(_side(book.asks, tick, deepest)))
    bids = _side(book.bids, tick, deepest)
    spread = "—"
    if ticker.ask_px is not None and ticker.bid_px is not None:
        spread = plain(ticker.ask_px - ticker.bid_px)
    shown = [] if isinstance(trades, Rejected) else trades
    return MarketPage(
        inst,
        _row(inst, ticker, spark),
        ticker,
        bar_name,
        chart,
        asks,
        bids,
        spread,
        [(t, price_text(t.px, tick), plain(t.sz)) for t in shown],
    )


def _total(levels: Sequence[BookLevel]) -> Decimal:
    return sum((level.sz for level in levels), Decimal(0))


def _side(levels: Sequence[BookLevel], tick: Decimal, deepest: Decimal) -> list[BookRow]:
    rows: list[BookRow] = []
    running = Decimal(0)
    for level in levels:
        running += level.sz
        pct = int(running / deepest * 100)
        rows.append(BookRow(price_text(level.px, tick), plain(level.sz), plain(running), pct))
    return rows


def _hhmm(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%m-%d %H:%M")
