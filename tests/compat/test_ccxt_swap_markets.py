"""Unmodified ccxt on sandex's perpetual swaps: markets, tickers, books, marks, tiers, open interest."""

from __future__ import annotations

from decimal import Decimal

import ccxt

from tests.support.servers import World

SYMBOL = "BTC/USDT:USDT"


def _okx(world: World) -> ccxt.okx:
    exchange = ccxt.okx()
    exchange.urls["api"]["rest"] = world.base_url
    return exchange


def test_load_markets_lists_the_linear_usdt_swaps(world: World) -> None:
    exchange = _okx(world)
    markets = exchange.load_markets()
    btc = markets[SYMBOL]
    assert (btc["id"], btc["type"], btc["swap"], btc["contract"]) == ("BTC-USDT-SWAP", "swap", True, True)
    assert (btc["linear"], btc["inverse"], btc["settle"], btc["base"], btc["quote"]) == (
        True,
        False,
        "USDT",
        "BTC",
        "USDT",
    )
    assert btc["contractSize"] == 0.01
    assert btc["limits"]["leverage"]["max"] == 100
    assert btc["precision"]["price"] == 0.1 and btc["precision"]["amount"] == 0.01
    assert {"ETH/USDT:USDT", "SOL/USDT:USDT", "DOGE/USDT:USDT", "XRP/USDT:USDT"} <= set(markets)
    assert markets["BTC/USDT"]["spot"] is True  # the spot pair is still there


def test_swap_ticker_book_and_marks(world: World) -> None:
    exchange = _okx(world)
    exchange.load_markets()
    ticker = exchange.fetch_ticker(SYMBOL)
    assert ticker["symbol"] == SYMBOL and ticker["last"] > 0
    assert SYMBOL in exchange.fetch_tickers(params={"instType": "SWAP"})
    book = exchange.fetch_order_book(SYMBOL, 5)
    assert book["symbol"] == SYMBOL
    mark = exchange.fetch_mark_price(SYMBOL)
    assert mark["symbol"] == SYMBOL and mark["markPrice"] > 0
    candles = exchange.fetch_ohlcv(SYMBOL, "1m", limit=5, params={"price": "mark"})
    assert candles and all(len(c) == 6 for c in candles)
    index = exchange.fetch_ohlcv(SYMBOL, "1m", limit=5, params={"price": "index"})  # index id BTC-USDT
    assert index and Decimal(str(index[-1][4])) > 0


def test_leverage_tiers_and_open_interest(world: World) -> None:
    exchange = _okx(world)
    exchange.load_markets()
    tiers = exchange.fetch_market_leverage_tiers(SYMBOL)
    assert tiers[0]["maxLeverage"] == 100 and tiers[0]["maintenanceMarginRate"] == 0.004
    assert tiers[1]["minNotional"] == 2001  # OKX's tiers count contracts; ccxt passes them through
    interest = exchange.fetch_open_interest(SYMBOL)
    assert interest["symbol"] == SYMBOL and interest["openInterestAmount"] == 0
