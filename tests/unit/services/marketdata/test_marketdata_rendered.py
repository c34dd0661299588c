"""Books and tickers rendered once per committed change (`transport/okx/market_render.py`): what a
client reads is always what rendering the market data afresh gives, across trades, new orders,
another environment's changes, the clock moving and the index moving before the first trade."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

import orjson

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import MINUTE_MS
from sandex.domain.errors import Rejected
from sandex.services.marketdata.ports import BookView, TickerView
from sandex.services.marketdata.service import MarketData
from sandex.services.simulation.board import MarketBoard, MarketControl
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import Trader
from sandex.testing.clock import ManualClock
from sandex.transport.okx.market_render import render_of
from sandex.transport.okx.market_wire import book_wire, ticker_wire

LIVE, DEMO = Environment.LIVE, Environment.DEMO
Cross = Callable[..., Awaitable[None]]


def fresh_tickers(market: MarketData, env: Environment, now: int) -> bytes:
    """What `ok([ticker_wire(t) …])` rendered before any caching."""
    return orjson.dumps({"code": "0", "msg": "", "data": [ticker_wire(t) for t in market.tickers(env, now)]})


def fresh_ticker(market: MarketData, inst_id: str, now: int) -> bytes:
    found = market.ticker(LIVE, inst_id, now)
    assert isinstance(found, TickerView)
    return orjson.dumps({"code": "0", "msg": "", "data": [ticker_wire(found)]})


def fresh_book(market: MarketData, depth: int, *, full: bool = False, env: Environment = LIVE) -> bytes:
    found = market.full_book(env, "BTC-USDT", depth) if full else market.book(env, "BTC-USDT", depth)
    assert isinstance(found, BookView)
    return orjson.dumps({"code": "0", "msg": "", "data": [book_wire(found, full=full)]})


def served_tickers(market: MarketData, env: Environment, now: int) -> bytes:
    return bytes(render_of(market).tickers(env, now).body)


def served_book(market: MarketData, depth: int, *, full: bool = False, env: Environment = LIVE) -> bytes:
    found = render_of(market).book(env, "BTC-USDT", depth, full=full)
    assert not isinstance(found, Rejected)
    return bytes(found.body)


async def rest(trading: TradingService, trader: Trader, req: object, side: str, px: str) -> None:
    placed = await trading.place(trader, [req.limit("BTC-USDT", side, px, "1")])  # type: ignore[attr-defined]
    assert isinstance(placed, list) and placed[0].ok


async def test_tickers_are_the_fresh_rendering_across_trades_time_and_environments(
    market: MarketData, cross: Cross, clock: ManualClock
) -> None:
    now = clock.now_ms()
    first = served_tickers(market, LIVE, now)
    assert first == fresh_tickers(market, LIVE, now)
    assert served_tickers(market, LIVE, now + 7) == fresh_tickers(market, LIVE, now + 7)  # only ts moved

    await cross("100", "1")
    now = clock.now_ms()
    assert served_tickers(market, LIVE, now) == fresh_tickers(market, LIVE, now) != first
    demo = served_tickers(market, DEMO, now)
    assert demo == fresh_tickers(market, DEMO, now)

    await cross("120", "2", inst_id="ETH-USDT")
    assert served_tickers(market, LIVE, now) == fresh_tickers(market, LIVE, now)
    assert served_tickers(market, DEMO, now) == demo  # the live trade changed nothing in demo

    clock.advance(days=1)  # the 24 h window empties: volumes fall to zero, open = last
    later = clock.now_ms()
    assert served_tickers(market, LIVE, later) == fresh_tickers(market, LIVE, later)
    assert b'"vol24h":"0"' in served_tickers(market, LIVE, later)


async def test_a_ticker_follows_its_own_trades_and_the_minute(
    market: MarketData, cross: Cross, clock: ManualClock
) -> None:
    await cross("100", "1")
    now = clock.now_ms()
    served = render_of(market).ticker(LIVE, "BTC-USDT", now)
    assert not isinstance(served, Rejected) and bytes(served.body) == fresh_ticker(market, "BTC-USDT", now)

    await cross("110", "1")
    clock.advance(ms=MINUTE_MS)
    now = clock.now_ms()
    served = render_of(market).ticker(LIVE, "BTC-USDT", now)
    assert not isinstance(served, Rejected) and bytes(served.body) == fresh_ticker(market, "BTC-USDT", now)
    assert b'"last":"110"' in bytes(served.body)
    assert isinstance(render_of(market).ticker(LIVE, "NOPE-USDT", now), Rejected)


def test_before_the_first_trade_the_ticker_follows_the_index(
    market: MarketData, board: MarketBoard, control: MarketControl, clock: ManualClock
) -> None:
    now = clock.now_ms()
    assert b'"last":"100"' in served_tickers(market, LIVE, now)
    assert not isinstance(control.set_price("BTC-USDT", Decimal("104.5")), Rejected)  # no commit
    assert served_tickers(market, LIVE, now) == fresh_tickers(market, LIVE, now)
    assert b'"last":"104.5"' in served_tickers(market, LIVE, now)
    board.step(60_000, now)  # the simulated walk moves every index
    assert served_tickers(market, LIVE, now) == fresh_tickers(market, LIVE, now)
    served = render_of(market).ticker(LIVE, "ETH-USDT", now)
    assert not isinstance(served, Rejected) and bytes(served.body) == fresh_ticker(market, "ETH-USDT", now)


async def test_books_are_the_fresh_rendering_after_every_committed_change(
    market: MarketData, trading: TradingService, alice: Trader, bob: Trader, req: object, cross: Cross
) -> None:
    await cross("100", "1")  # funds both
    empty = served_book(market, 400)
    assert empty == fresh_book(market, 400)
    await rest(trading, alice, req, "sell", "101")
    assert served_book(market, 400) == fresh_book(market, 400) != empty
    assert served_book(market, 1) == fresh_book(market, 1)
    await rest(trading, bob, req, "buy", "99")
    for depth in (1, 2, 400):
        assert served_book(market, depth) == fresh_book(market, depth)
        assert served_book(market, depth, full=True) == fresh_book(market, depth, full=True)
    assert served_book(market, 4000, full=True) == fresh_book(market, 4000, full=True)
    assert served_book(market, 400, env=DEMO) == fresh_book(market, 400, env=DEMO)
    assert b'["99","1","0","1"]' in served_book(market, 400)


async def test_versions_move_only_with_their_own_instrument_and_environment(
    market: MarketData, trading: TradingService, alice: Trader, req: object, cross: Cross, clock: ManualClock
) -> None:
    await cross("100", "1")
    now = clock.now_ms()
    found = market.versioned_book(LIVE, "BTC-USDT", 5)
    assert not isinstance(found, Rejected)
    assert market.tickers_stamp(DEMO, now) is None  # no demo book snapshot yet: nothing to keep
    market.tickers(DEMO, now)  # takes them
    stamp, stamps = market.ticker_stamp(LIVE, "BTC-USDT", now), market.tickers_stamp(DEMO, now)
    assert stamp is not None and stamps is not None
    await cross("50", "1", inst_id="ETH-USDT")
    assert market.versioned_book(LIVE, "BTC-USDT", 5) == found
    assert market.ticker_stamp(LIVE, "BTC-USDT", now) == stamp
    assert market.tickers_stamp(DEMO, now) == stamps
    await rest(trading, alice, req, "sell", "101")
    moved = market.versioned_book(LIVE, "BTC-USDT", 5)
    assert not isinstance(moved, Rejected) and moved[1] != found[1]
    assert market.ticker_stamp(LIVE, "BTC-USDT", now) != stamp
    assert market.ticker_stamp(LIVE, "BTC-USDT", now + MINUTE_MS) != market.ticker_stamp(
        LIVE, "BTC-USDT", now
    )
