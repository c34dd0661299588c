"""Unmodified ccxt.pro (`ccxt.pro.okx`) streaming and trading over sandex's WebSocket API.

Only the URLs change: `urls["api"]["rest"]` and `urls["api"]["ws"]` (ccxt.pro appends `/public`,
`/private` or `/business`, and `?brokerId=9999` in sandbox mode, which sandex reads as demo).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import ccxt.pro as ccxtpro
import pytest

from tests.support.okx import Creds
from tests.support.polling import until
from tests.support.ws import WsWorld, ws_world

SYMBOL = "BTC/USDT"
_MARKETS: list[Any] = []


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WsWorld]:
    with ws_world(tmp_path_factory.mktemp("ccxt-pro") / "data") as served:
        yield served


async def _client(world: WsWorld, creds: Creds, *, sandbox: bool = False) -> Any:
    exchange = ccxtpro.okx({"apiKey": creds.api_key, "secret": creds.secret, "password": creds.passphrase})
    if sandbox:
        exchange.set_sandbox_mode(True)
    exchange.urls["api"]["rest"] = world.base_url
    exchange.urls["api"]["ws"] = world.ws_base()
    if _MARKETS:  # loading markets once is enough: every client sees the same catalogue
        exchange.set_markets(*_MARKETS)
    else:
        await exchange.load_markets()
        _MARKETS.extend([exchange.markets, exchange.currencies])
    return exchange


@pytest.fixture
async def alice(world: WsWorld) -> AsyncIterator[Any]:
    exchange = await _client(world, world.alice)
    yield exchange
    await exchange.close()


@pytest.fixture
async def bob(world: WsWorld) -> AsyncIterator[Any]:
    exchange = await _client(world, world.bob)
    yield exchange
    await exchange.close()


async def _watch(coroutine: Any, timeout: float = 10) -> Any:
    return await asyncio.wait_for(coroutine, timeout)


async def _until(check: Any, timeout: float = 10) -> Any:
    """Poll ccxt.pro's own caches (updated by its receive loop) until `check()` is truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (found := check()):
        assert asyncio.get_running_loop().time() < deadline, "ccxt.pro never saw the expected update"
        await asyncio.sleep(0.05)
    return found


async def _subscribed(world: WsWorld, channel: str, watch: Any) -> asyncio.Future[Any]:
    """Start a ccxt.pro `watch_*` and return it once the server has the subscription (after the
    login, for private channels): what happens from then on is pushed to it."""
    before = world.subscriptions(channel)
    watching = asyncio.ensure_future(watch)
    await until(lambda: world.subscriptions(channel) > before, f"a {channel} subscription")
    return watching


async def test_watch_order_book(alice: Any, bob: Any) -> None:
    await alice.create_order(SYMBOL, "limit", "buy", 0.01, 50000)
    book = await _watch(alice.watch_order_book(SYMBOL))
    assert [50000.0, 0.01] in book["bids"] and book["nonce"] > 0
    first_nonce = book["nonce"]
    await bob.create_order(SYMBOL, "limit", "sell", 0.02, 150000)
    # increments are applied as they arrive; ccxt.pro drops the book (InvalidNonce) on any seqId gap
    book = await _until(lambda: (b := alice.orderbooks.get(SYMBOL)) is not None and b["asks"] and b)
    assert book["asks"][0] == [150000.0, 0.02] and book["nonce"] > first_nonce
    assert [50000.0, 0.01] in book["bids"]


async def test_watch_order_book_books5_and_bbo(alice: Any) -> None:
    five = await _watch(alice.watch_order_book(SYMBOL, 5))
    one = await _watch(alice.watch_order_book(SYMBOL, 1))
    assert len(five["bids"]) <= 5 and len(one["bids"]) <= 1


async def test_watch_trades_and_ticker(world: WsWorld, alice: Any, bob: Any) -> None:
    ticker = await _watch(alice.watch_ticker(SYMBOL))
    assert ticker["symbol"] == SYMBOL
    watching = await _subscribed(world, "trades", alice.watch_trades(SYMBOL))
    await bob.create_order(SYMBOL, "limit", "sell", 0.005, 90000)
    await alice.create_order(SYMBOL, "limit", "buy", 0.005, 90000)
    trades = await _watch(watching)
    assert trades[-1]["price"] == 90000 and trades[-1]["amount"] == 0.005 and trades[-1]["side"] == "buy"
    ticker = await _until(lambda: (t := alice.tickers.get(SYMBOL)) is not None and t["last"] == 90000 and t)
    assert ticker["symbol"] == SYMBOL and ticker["timestamp"] > 0


async def test_watch_ohlcv(alice: Any, bob: Any) -> None:
    await bob.create_order(SYMBOL, "limit", "sell", 0.003, 91000)
    await alice.create_order(SYMBOL, "limit", "buy", 0.003, 91000)
    candles = await _watch(alice.watch_ohlcv(SYMBOL, "1m"))
    ts, _open, high, low, close, volume = candles[-1]
    assert close == 91000 and high >= 91000 >= low and volume > 0 and ts % 60000 == 0


async def test_watch_orders_and_create_order_ws(world: WsWorld, alice: Any) -> None:
    watching = await _subscribed(world, "orders", alice.watch_orders(SYMBOL))
    created = await _watch(alice.create_order_ws(SYMBOL, "limit", "buy", 0.002, 40000))
    assert created["id"]
    orders = await _watch(watching)
    assert orders[-1]["id"] == created["id"] and orders[-1]["status"] == "open"
    assert orders[-1]["price"] == 40000 and orders[-1]["amount"] == 0.002


async def test_create_order_ws_rejection_carries_the_scode(alice: Any) -> None:
    """ccxt.pro reads a WS op's `code` "1" as ExchangeError (it looks at `sCode` only without a `msg`,
    and OKX always sends one); the item's `sCode` 51008 is in the error's text."""
    import ccxt

    with pytest.raises(ccxt.ExchangeError, match='"sCode":"51008"'):
        await _watch(alice.create_order_ws(SYMBOL, "limit", "buy", 1000, 90000))


async def test_watch_balance(alice: Any) -> None:
    balance = await _watch(alice.watch_balance())
    assert balance["USDT"]["total"] > 0
    await alice.create_order(SYMBOL, "limit", "buy", 0.01, 10000)  # freezes 100 USDT
    balance = await _until(lambda: alice.balance.get("USDT", {}).get("used", 0) >= 100 and alice.balance)
    assert balance["USDT"]["free"] + balance["USDT"]["used"] == balance["USDT"]["total"]


async def test_sandbox_mode_streams_the_demo_environment(world: WsWorld) -> None:
    exchange = await _client(world, world.alice_demo, sandbox=True)
    exchange.urls["api"]["ws"] = world.ws_base()  # ccxt.pro adds ?brokerId=9999 itself
    try:
        balance = await _watch(exchange.watch_balance())
        assert balance["USDT"]["total"] == 50000
        created = await _watch(exchange.create_order_ws(SYMBOL, "limit", "buy", 0.001, 30000))
        assert created["id"]
    finally:
        await exchange.close()


async def test_watch_my_trades_sees_every_fill_of_an_order_that_sweeps_levels(
    world: WsWorld, alice: Any, bob: Any
) -> None:
    """ccxt.pro builds `watch_my_trades` from the `orders` channel, one trade per pushed update with a
    `tradeId`: a taker order that fills against two makers in one command must push both fills."""
    watching = await _subscribed(world, "orders", alice.watch_my_trades(SYMBOL))
    await bob.create_order(SYMBOL, "limit", "sell", 0.001, 96000)
    await bob.create_order(SYMBOL, "limit", "sell", 0.002, 96000.5)
    order = await alice.create_order(SYMBOL, "limit", "buy", 0.003, 96000.5)
    await _watch(watching)
    fills = [t for t in await alice.fetch_my_trades(SYMBOL) if t["order"] == order["id"]]
    assert len(fills) >= 2 and sum(t["amount"] for t in fills) == pytest.approx(0.003)

    def streamed() -> list[Any]:
        return [t for t in alice.myTrades if t["order"] == order["id"]]

    await _until(lambda: len(streamed()) >= len(fills))
    assert {t["id"] for t in streamed()} == {t["id"] for t in fills}
    assert sorted(t["amount"] for t in streamed()) == sorted(t["amount"] for t in fills)
