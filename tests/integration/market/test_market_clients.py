"""Unmodified ccxt and python-okx read sandex's living market (real server, market maker on)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import ccxt
import okx.MarketData as MarketData
import pytest

from sandex.domain.accounts.model import Environment
from sandex.testing.server import RunningServer, serve_in_thread
from tests.support.apps import settings_for

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir: Path = tmp_path_factory.mktemp("market-clients") / "data"
    with serve_in_thread(settings_for(data_dir, market=True, seed=3, backfill_hours=3)) as running:
        deadline = time.monotonic() + 10
        while not running.runtime.market.data.book(Environment.LIVE, "BTC-USDT", 1).bids:  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the market maker never quoted"
            time.sleep(0.05)
        yield running


def _ccxt(server: RunningServer, *, sandbox: bool = False) -> ccxt.okx:
    exchange = ccxt.okx()
    if sandbox:
        exchange.set_sandbox_mode(True)
    exchange.urls["api"]["rest"] = server.base_url
    return exchange


@pytest.mark.parametrize("sandbox", [False, True])
def test_ccxt_reads_books_tickers_candles_and_trades(server: RunningServer, sandbox: bool) -> None:
    exchange = _ccxt(server, sandbox=sandbox)
    book = exchange.fetch_order_book("BTC/USDT")
    assert len(book["bids"]) >= 5 and len(book["asks"]) >= 5
    assert book["bids"][0][0] < book["asks"][0][0]
    ticker = exchange.fetch_ticker("SHIB/USDT")
    assert ticker["bid"] is not None and 0 < ticker["bid"] < ticker["ask"] < 0.0001
    assert ticker["baseVolume"] > 0  # backfilled history counts
    tickers = exchange.fetch_tickers(["BTC/USDT", "ETH/USDT"])
    assert set(tickers) == {"BTC/USDT", "ETH/USDT"}
    candles = exchange.fetch_ohlcv("BTC/USDT", "1m", limit=50)
    assert len(candles) == 50 and candles == sorted(candles)  # ccxt orders them oldest first
    assert all(low <= min(o, c) and high >= max(o, c) for _, o, high, low, c, _ in candles)
    since = candles[0][0] - 2 * 3600 * 1000
    older = exchange.fetch_ohlcv("BTC/USDT", "1h", since=since, limit=5)
    assert 1 <= len(older) <= 5
    daily = exchange.fetch_ohlcv("BTC/USDT", "1d")  # ccxt asks for `1Dutc`
    assert daily
    assert isinstance(exchange.fetch_trades("BTC/USDT"), list)


def test_python_okx_market_data_api(server: RunningServer) -> None:
    api = MarketData.MarketAPI(flag="0", domain=server.base_url, debug=False)
    books = api.get_orderbook("BTC-USDT", sz="5")
    assert books["code"] == "0" and len(books["data"][0]["asks"]) == 5
    assert len(books["data"][0]["asks"][0]) == 4  # [px, sz, "0", numOrders]
    ticker = api.get_ticker("PEPE-USDT")["data"][0]
    assert "e" not in ticker["last"].lower() and ticker["last"].startswith("0.00000")
    candles = api.get_candlesticks("BTC-USDT", bar="1H", limit="3")["data"]
    assert len(candles) == 3 and len(candles[0]) == 9
    now = server.runtime.clock.now_ms()
    for row in candles:  # confirmed once the hour is over
        assert row[8] == ("1" if int(row[0]) + 3_600_000 <= now else "0")
    history = api.get_history_candlesticks("BTC-USDT", bar="1m", limit="100")["data"]
    assert len(history) == 100 and int(history[0][0]) > int(history[-1][0])  # newest first
    index = api.get_index_tickers(instId="BTC-USDT")["data"][0]
    assert float(index["idxPx"]) > 0
    demo = MarketData.MarketAPI(flag="1", domain=server.base_url, debug=False)
    assert demo.get_orderbook("BTC-USDT")["data"][0]["bids"]
