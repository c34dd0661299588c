"""Public market data after fills: tickers, books, trades, candles and the 24-hour window."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import DAY_MS, MINUTE_MS
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Catalogue
from sandex.domain.marketdata.bars import MINUTE, SECOND, parse_bar
from sandex.domain.matching.order import Side
from sandex.services.exchange.core import ExchangeCore
from sandex.services.marketdata import service
from sandex.services.marketdata.ports import (
    BookLevel,
    BookView,
    CandleView,
    MarketStore,
    PublicTrade,
    TickerView,
)
from sandex.services.marketdata.service import REPLAY_PAGE, MarketData
from sandex.services.marketdata.venue import CoreVenue
from sandex.services.simulation.board import MarketBoard
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import Trader
from sandex.testing.clock import ManualClock

D = Decimal
LIVE, DEMO = Environment.LIVE, Environment.DEMO
Cross = Callable[..., Awaitable[None]]


def ticker(market: MarketData, inst_id: str = "BTC-USDT", env: Environment = LIVE) -> TickerView:
    found = market.ticker(env, inst_id)
    assert isinstance(found, TickerView)
    return found


def book(market: MarketData, depth: int = 5, env: Environment = LIVE) -> BookView:
    found = market.book(env, "BTC-USDT", depth)
    assert isinstance(found, BookView)
    return found


async def candles(market: MarketData, bar: str = "1m") -> list[CandleView]:
    parsed = parse_bar(bar)
    assert parsed is not None
    found = await market.candles(LIVE, "BTC-USDT", parsed)
    assert isinstance(found, list)
    return found


async def trades(market: MarketData, limit: int = 100, env: Environment = LIVE) -> list[PublicTrade]:
    found = await market.trades(env, "BTC-USDT", limit)
    assert isinstance(found, list)
    return found


def test_before_any_trade_the_ticker_shows_the_index_and_no_volume(
    market: MarketData, board: MarketBoard
) -> None:
    t = ticker(market)
    assert t.last == board.index_px("BTC-USDT") == D(100)
    assert (t.open24h, t.high24h, t.low24h, t.vol24h, t.last_sz) == (D(100), D(100), D(100), 0, None)
    assert (t.ask_px, t.bid_px) == (None, None)


async def test_the_ticker_follows_trades_last_size_high_low_and_volumes(
    market: MarketData, cross: Cross
) -> None:
    await cross("100", "1")
    await cross("110", "2")
    await cross("90", "0.5")
    t = ticker(market)
    assert (t.last, t.last_sz, t.open24h, t.high24h, t.low24h) == (D(90), D("0.5"), D(100), D(110), D(90))
    assert (t.vol24h, t.vol_ccy24h) == (D("3.5"), D(365))
    assert t.sod_utc0 is not None


async def test_the_24_hour_window_drops_old_trades_but_keeps_the_last_price(
    market: MarketData, cross: Cross, clock: ManualClock
) -> None:
    await cross("100", "1")
    clock.advance(ms=DAY_MS + MINUTE_MS)
    t = ticker(market)
    assert (t.last, t.open24h, t.high24h, t.low24h, t.vol24h) == (D(100), D(100), D(100), D(100), 0)
    await cross("120", "1")
    t = ticker(market)
    assert (t.open24h, t.low24h, t.vol24h) == (D(120), D(120), D(1))  # the window's first trade


async def test_the_book_aggregates_orders_per_price_best_first(
    market: MarketData, trading: TradingService, alice: Trader, req
) -> None:
    await trading.deposit(alice.user_id, LIVE, "BTC", D(10))
    await trading.deposit(alice.user_id, LIVE, "USDT", D(10_000))
    orders = [
        req.limit("BTC-USDT", "sell", "102", "1"),
        req.limit("BTC-USDT", "sell", "101", "0.5"),
        req.limit("BTC-USDT", "sell", "101", "0.25"),
        req.limit("BTC-USDT", "buy", "99", "2"),
        req.limit("BTC-USDT", "buy", "98", "1"),
    ]
    answer = await trading.place(alice, orders)
    assert isinstance(answer, list) and all(a.ok for a in answer)
    view = book(market)
    assert list(view.asks) == [BookLevel(D(101), D("0.75"), 2), BookLevel(D(102), D(1), 1)]
    assert list(view.bids) == [BookLevel(D(99), D(2), 1), BookLevel(D(98), D(1), 1)]
    assert [len(book(market, depth=1).asks), len(book(market, depth=1).bids)] == [1, 1]
    t = ticker(market)
    assert (t.ask_px, t.ask_sz, t.bid_px, t.bid_sz) == (D(101), D("0.75"), D(99), D(2))


async def test_the_book_shows_the_state_of_the_last_commit(
    market: MarketData, trading: TradingService, alice: Trader, req
) -> None:
    await trading.deposit(alice.user_id, LIVE, "BTC", D(1))
    placed = await trading.place(alice, [req.limit("BTC-USDT", "sell", "101", "1")])
    assert isinstance(placed, list)
    [ack] = placed
    assert len(book(market).asks) == 1
    await trading.cancel(alice, [req.cancel("BTC-USDT", ack.ord_id)])
    assert book(market).asks == []


async def test_unknown_instruments_are_refused_everywhere(market: MarketData) -> None:
    refused = Rejected(Reason.INSTRUMENT_NOT_FOUND)
    assert market.ticker(LIVE, "NOPE-USDT") == refused
    assert market.book(LIVE, "NOPE-USDT", 5) == refused
    assert market.full_book(LIVE, "NOPE-USDT", 1000) == refused
    assert await market.candles(LIVE, "NOPE-USDT", MINUTE) == refused
    assert await market.trades(LIVE, "NOPE-USDT") == refused
    assert await market.history_trades(LIVE, "NOPE-USDT") == refused


async def test_trades_are_newest_first_with_the_takers_side(market: MarketData, cross: Cross) -> None:
    await cross("100", "1")
    await cross("101", "2", sell_first=False)  # the seller takes this time
    newest, oldest = await trades(market)
    assert (newest.px, newest.sz, newest.side) == (D(101), D(2), Side.SELL)
    assert (oldest.px, oldest.sz, oldest.side) == (D(100), D(1), Side.BUY)
    assert int(newest.trade_id) == int(oldest.trade_id) + 1
    assert await trades(market, limit=1) == [newest]


async def test_history_trades_page_by_trade_id_or_by_time(
    market: MarketData, cross: Cross, clock: ManualClock
) -> None:
    for px in ("100", "101", "102", "103"):
        await cross(px, "1")
        clock.advance(ms=1_000)
    every = await trades(market)
    ids = [int(t.trade_id) for t in every]
    older = await market.history_trades(LIVE, "BTC-USDT", after=ids[1], limit=10)
    assert older == every[2:]
    newer = await market.history_trades(LIVE, "BTC-USDT", before=ids[3], limit=2)
    assert newer == every[:2]  # the newest two above the cursor (orders and fills give the nearest)
    by_time = await market.history_trades(LIVE, "BTC-USDT", by_ts=True, after=every[1].ts, limit=10)
    assert by_time == every[2:]


async def test_one_minute_candles_are_built_from_the_trades_of_each_minute(
    market: MarketData, cross: Cross, clock: ManualClock
) -> None:
    start = MINUTE.open_of(clock.now_ms())
    await cross("100", "1")
    await cross("105", "1")
    await cross("95", "2")
    clock.advance(ms=start + MINUTE_MS + 5_000 - clock.now_ms())
    await cross("96", "1")
    newest, first = await candles(market)
    assert (first.ts, first.o, first.h, first.l, first.c, first.vol, first.vol_ccy) == (
        start,
        D(100),
        D(105),
        D(95),
        D(95),
        D(4),
        D(395),
    )
    assert first.confirmed and not newest.confirmed
    assert (newest.ts, newest.o, newest.c, newest.vol) == (start + MINUTE_MS, D(96), D(96), D(1))


async def test_larger_bars_hold_the_minutes_inside_them(
    market: MarketData, cross: Cross, clock: ManualClock
) -> None:
    hour_bar = parse_bar("1H")
    assert hour_bar is not None
    start = hour_bar.open_of(clock.now_ms())
    await cross("100", "1")
    clock.advance(ms=5 * MINUTE_MS)
    await cross("110", "1")
    [hour] = await candles(market, "1H")
    assert (hour.ts, hour.o, hour.h, hour.c, hour.vol) == (start, D(100), D(110), D(110), D(2))
    assert len(await candles(market, "1m")) == 2


async def test_second_candles_come_from_the_trades_table(
    market: MarketData, cross: Cross, clock: ManualClock
) -> None:
    await cross("100", "1")
    clock.advance(ms=1_000)
    await cross("101", "1")
    await cross("99", "1")
    newest, oldest = await candles(market, "1s")
    assert (oldest.o, oldest.c, oldest.vol) == (D(100), D(100), D(1))
    assert (newest.o, newest.h, newest.l, newest.c, newest.vol) == (D(101), D(101), D(99), D(99), D(2))
    assert newest.ts == SECOND.open_of(clock.now_ms())


async def test_candles_written_and_reloaded_after_a_restart_equal_the_tape(
    market: MarketData,
    cross: Cross,
    clock: ManualClock,
    store: MarketStore,
    core: ExchangeCore,
    board: MarketBoard,
    catalogue: Catalogue,
) -> None:
    await cross("100", "1")
    clock.advance(ms=MINUTE_MS)
    await cross("120", "2")
    flush = market.take_flush()
    assert flush is not None and flush.rows
    store.save_candles(flush.rows, flush.marks)
    market.flushed(flush, ok=True)
    assert market.take_flush() is None  # nothing new since
    await cross("130", "1")  # committed but never written as candles: replayed from the trades
    before = await candles(market)
    again = MarketData(catalogue, store, CoreVenue(core, catalogue, clock), board, clock)
    again.load()
    after = await again.candles(LIVE, "BTC-USDT", MINUTE)
    assert after == before and len(after) == 2
    assert again.last_price("BTC-USDT") == D(130)
    t = again.ticker(LIVE, "BTC-USDT")
    assert isinstance(t, TickerView) and (t.vol24h, t.high24h) == (D(4), D(130))


async def test_live_and_demo_markets_are_separate(market: MarketData, cross: Cross) -> None:
    await cross("100", "1")
    assert await trades(market, env=DEMO) == []
    assert ticker(market, env=DEMO).vol24h == 0
    assert market.last_price("BTC-USDT", DEMO) is None


async def test_index_tickers_come_from_the_simulated_market_board(
    market: MarketData, board: MarketBoard
) -> None:
    [btc] = market.index_tickers(inst_id="BTC-USDT")
    assert (btc.inst_id, btc.idx_px, btc.open24h) == ("BTC-USDT", D(100), D(100))
    assert {t.inst_id for t in market.index_tickers(quote_ccy="USDT")} == {"BTC-USDT", "ETH-USDT"}
    assert market.index_tickers(quote_ccy="EUR") == []


async def test_a_deeper_book_is_served_whole_for_every_instrument(
    market: MarketData, trading: TradingService, alice: Trader, req
) -> None:
    await trading.deposit(alice.user_id, LIVE, "BTC", D(100))
    await trading.deposit(alice.user_id, LIVE, "ETH", D(100))
    for first in (0, 20, 40):
        asks = [req.limit("BTC-USDT", "sell", str(101 + first + i), "1") for i in range(20)]
        assert isinstance(await trading.place(alice, asks), list)
    await trading.place(alice, [req.limit("ETH-USDT", "sell", "11", "1")])
    assert len(book(market, depth=5).asks) == 5
    deeper = market.book(LIVE, "ETH-USDT", 100)  # someone reads another instrument deeper first
    assert isinstance(deeper, BookView) and len(deeper.asks) == 1
    assert len(book(market, depth=60).asks) == 60


@pytest.mark.parametrize("page", [REPLAY_PAGE, 2])
async def test_a_restart_that_replays_unwritten_trades_in_runs_equals_folding_them_one_by_one(
    market: MarketData,
    cross: Cross,
    clock: ManualClock,
    store: MarketStore,
    core: ExchangeCore,
    board: MarketBoard,
    catalogue: Catalogue,
    page: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A crash before any candle write: the restart folds the stored trades per minute into every bar;
    candles (each bar), tickers and last prices are those the running market built trade by trade,
    across minutes, an hour, two instruments, and a clock that moved back inside a minute; also when
    each instrument's trades are read in pages that split a minute."""
    monkeypatch.setattr(service, "REPLAY_PAGE", page)
    hour = parse_bar("1H")
    assert hour is not None
    clock.advance(ms=hour.next_open(hour.open_of(clock.now_ms())) - 90_000 - clock.now_ms())
    steps = [("100", "1", 0), ("104", "2", 20_000), ("99", "1", 50_000), ("101", "3", -30_000)]
    steps += [("97", "1", 45_000), ("110", "2", 1_000), ("108", "1", 70_000), ("109", "1", 0)]
    for n, (px, sz, move) in enumerate(steps):
        clock.advance(ms=move)
        await cross(px, sz)
        if n % 3 == 0:
            await cross(str(int(px) * 10), sz, inst_id="ETH-USDT")
    again = MarketData(catalogue, store, CoreVenue(core, catalogue, clock), board, clock)
    again.load()

    for inst_id in ("BTC-USDT", "ETH-USDT"):
        for name in ("1m", "3m", "1H", "4H", "1Dutc", "1W", "1M"):
            bar = parse_bar(name)
            assert bar is not None
            folded = await market.candles(LIVE, inst_id, bar, history=True)
            assert await again.candles(LIVE, inst_id, bar, history=True) == folded and folded, name
        assert again.ticker(LIVE, inst_id) == market.ticker(LIVE, inst_id)
        assert again.last_price(inst_id) == market.last_price(inst_id)
    assert again.take_flush() is not None  # what it replayed is written by the next candle write
