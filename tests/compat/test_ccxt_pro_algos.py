"""Unmodified ccxt.pro: `watch_orders(params={'trigger': True})` logs in on `/business`, subscribes
`orders-algo` and sees an algo order open, then close when the price crosses its trigger."""

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


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WsWorld]:
    with ws_world(tmp_path_factory.mktemp("ccxt-pro-algos") / "data") as served:
        yield served


async def _client(world: WsWorld, creds: Creds) -> Any:
    exchange = ccxtpro.okx({"apiKey": creds.api_key, "secret": creds.secret, "password": creds.passphrase})
    exchange.urls["api"]["rest"] = world.base_url
    exchange.urls["api"]["ws"] = world.ws_base()
    await exchange.load_markets()
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


async def _trade_at(seller: Any, buyer: Any, px: float) -> None:
    await seller.create_order(SYMBOL, "limit", "sell", 0.001, px)
    await buyer.create_order(SYMBOL, "limit", "buy", 0.001, px)


def _status(exchange: Any, order_id: str) -> str | None:
    """The status ccxt.pro's own cache of `orders-algo` updates (fed by its receive loop) holds."""
    for order in list(exchange.triggerOrders or []):
        if order["id"] == order_id:
            status: str | None = order["status"]
            return status
    return None


async def test_watch_trigger_orders_sees_open_then_closed(world: WsWorld, alice: Any, bob: Any) -> None:
    await _trade_at(bob, alice, 50000)
    before = world.subscriptions("orders-algo")
    watching = asyncio.ensure_future(alice.watch_orders(SYMBOL, params={"trigger": True}))
    await until(lambda: world.subscriptions("orders-algo") > before, "an orders-algo subscription")

    created = await alice.create_order(SYMBOL, "limit", "buy", 0.002, 52000, {"triggerPrice": 51000})
    first = await asyncio.wait_for(watching, 10)
    assert first[-1]["id"] == created["id"] and first[-1]["status"] == "open"
    assert first[-1]["triggerPrice"] == 51000

    watching = asyncio.ensure_future(alice.watch_orders(SYMBOL, params={"trigger": True}))
    await _trade_at(bob, alice, 51500)  # through the trigger price
    await asyncio.wait_for(watching, 10)
    await until(lambda: _status(alice, created["id"]) == "closed", "the algo to close in ccxt.pro's cache")


async def test_watch_orders_sees_the_stop_loss_attached_to_an_order(world: WsWorld, alice: Any) -> None:
    """ccxt.pro parses an `orders` push's `slTriggerPx` into `stopLossPrice`, as it does REST's."""
    before = world.subscriptions("orders")
    watching = asyncio.ensure_future(alice.watch_orders(SYMBOL))
    await until(lambda: world.subscriptions("orders") > before, "an orders subscription")
    stop = {"stopLoss": {"triggerPrice": 35000, "type": "market"}}
    created = await alice.create_order(SYMBOL, "limit", "buy", 0.001, 40000, stop)
    pushed = await asyncio.wait_for(watching, 10)
    assert pushed[-1]["id"] == created["id"] and pushed[-1]["stopLossPrice"] == 35000
    fetched = await alice.fetch_order(created["id"], SYMBOL)
    assert fetched["stopLossPrice"] == 35000
    await alice.cancel_order(created["id"], SYMBOL)
