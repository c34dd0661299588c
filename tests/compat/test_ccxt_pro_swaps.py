"""Unmodified ccxt.pro (`ccxt.pro.okx`) streams of sandex's perpetual swap: positions, the mark price,
the funding rate, public liquidation orders and the account's own liquidations.

ccxt 4.5's async `watch_liquidations(symbol)` / `watch_my_liquidations(symbol)` return their inner
coroutine un-awaited (a ccxt bug), so the tests call the `*_for_symbols([symbol])` methods they wrap.

Only the URLs change (ccxt.pro appends `/public`, `/private`, `/business`). Each watch is started and
awaited once the server has its subscription; what the test then causes (a trade, a steered mark, a
rate set through the control API) must reach it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import ccxt.pro as ccxtpro
import pytest

from tests.support.polling import until
from tests.support.swaps_compat import SWAP, SYMBOL, SwapTrader, SwapWorld, swap_world

PX = 50000.0
WAIT_S = 60.0


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SwapWorld]:
    with swap_world(tmp_path_factory.mktemp("ccxt-pro-swaps") / "data") as served:
        yield served


async def _client(world: SwapWorld, trader: SwapTrader) -> Any:
    creds = trader.creds
    exchange = ccxtpro.okx({"apiKey": creds.api_key, "secret": creds.secret, "password": creds.passphrase})
    exchange.urls["api"]["rest"] = world.base_url
    exchange.urls["api"]["ws"] = world.ws_url
    await exchange.load_markets()
    return exchange


@pytest.fixture
async def alice(world: SwapWorld) -> AsyncIterator[Any]:
    exchange = await _client(world, world.trader("alice"))
    yield exchange
    await exchange.close()


@pytest.fixture
async def bob(world: SwapWorld) -> AsyncIterator[Any]:
    exchange = await _client(world, world.trader("bob"))
    yield exchange
    await exchange.close()


@pytest.fixture(autouse=True)
def at_the_start_mark(world: SwapWorld) -> None:
    world.steer_mark(Decimal("50000"))


async def _subscribed(world: SwapWorld, channel: str, watch: Any) -> asyncio.Future[Any]:
    """Start a `watch_*` and return it once the server holds the subscription."""
    before = world.subscriptions(channel)
    watching = asyncio.ensure_future(watch)
    await until(
        lambda: world.subscriptions(channel) > before or watching.done(), f"a {channel} subscription", WAIT_S
    )
    if watching.done() and watching.exception() is not None:
        raise AssertionError(f"the {channel} watch failed") from watching.exception()
    return watching


async def _next_until(watch: Any, accept: Any) -> Any:
    """Await `watch()` again and again until `accept` takes what it returned."""

    async def loop() -> Any:
        while True:
            got = await watch()
            if accept(got):
                return got

    return await asyncio.wait_for(loop(), WAIT_S)


async def _take(alice: Any, bob: Any, side: str, contracts: float, params: dict[str, Any]) -> None:
    other = "sell" if side == "buy" else "buy"
    await bob.create_order(SYMBOL, "limit", other, contracts, PX, {"marginMode": "cross"})
    await alice.create_order(SYMBOL, "market", side, contracts, None, params)


async def test_watch_mark_price_follows_the_steered_mark(world: SwapWorld, alice: Any) -> None:
    first = await asyncio.wait_for(alice.watch_mark_price(SYMBOL), WAIT_S)
    assert (first["symbol"], first["info"]["instId"], first["info"]["markPx"]) == (SYMBOL, SWAP, "50000")
    world.control.set_mark(SWAP, "50321.5")
    moved = await _next_until(
        lambda: alice.watch_mark_price(SYMBOL), lambda t: t["info"]["markPx"] == "50321.5"
    )
    assert moved["symbol"] == SYMBOL


async def test_watch_funding_rate_shows_a_rate_set_through_the_control_api(
    world: SwapWorld, alice: Any
) -> None:
    first = await asyncio.wait_for(alice.watch_funding_rate(SYMBOL), WAIT_S)
    assert first["symbol"] == SYMBOL and first["fundingTimestamp"] > 0
    world.control.set_funding_rate(SWAP, "0.0003", frozen=True)
    try:
        moved = await _next_until(
            lambda: alice.watch_funding_rate(SYMBOL), lambda r: r["fundingRate"] == 0.0003
        )
        assert moved["fundingTimestamp"] == first["fundingTimestamp"]
    finally:
        world.control.set_funding_rate(SWAP, frozen=False)


async def test_watch_positions_sees_a_position_open_and_close(world: SwapWorld, alice: Any, bob: Any) -> None:
    await alice.set_leverage(10, SYMBOL, {"marginMode": "cross"})
    watching = await _subscribed(world, "positions", alice.watch_positions([SYMBOL]))
    await _take(alice, bob, "buy", 2, {"marginMode": "cross"})
    opened = await asyncio.wait_for(watching, WAIT_S)
    if not any(p["contracts"] for p in opened):  # the subscription's first push may be the empty snapshot
        opened = await _next_until(
            lambda: alice.watch_positions([SYMBOL]), lambda ps: any(p["contracts"] for p in ps)
        )
    (position,) = [p for p in opened if p["contracts"]]
    assert (position["symbol"], position["side"], position["contracts"], position["entryPrice"]) == (
        SYMBOL,
        "long",
        2,
        PX,
    )
    await _take(alice, bob, "sell", 2, {"marginMode": "cross", "reduceOnly": True})
    closed = await _next_until(
        lambda: alice.watch_positions([SYMBOL]),
        lambda ps: any(p["symbol"] == SYMBOL and not p["contracts"] for p in ps),
    )
    assert closed


async def _liquidatable(alice: Any, bob: Any) -> Decimal:
    """Alice long 10 contracts isolated at 50x (liqPx about 2 % under 50000), bob's bid under it to
    take the liquidation order: her liqPx."""
    await alice.set_leverage(50, SYMBOL, {"marginMode": "isolated"})
    await _take(alice, bob, "buy", 10, {"marginMode": "isolated"})
    (held,) = [p for p in await alice.fetch_positions([SYMBOL]) if p["contracts"]]
    await bob.create_order(SYMBOL, "limit", "buy", 10, 49100, {"marginMode": "cross"})
    return Decimal(str(held["liquidationPrice"])).quantize(Decimal("0.1"))


async def test_watch_liquidations_shows_the_public_liquidation_order(
    world: SwapWorld, alice: Any, bob: Any
) -> None:
    liq_px = await _liquidatable(alice, bob)
    public = await _subscribed(world, "liquidation-orders", bob.watch_liquidations_for_symbols([SYMBOL]))
    world.control.set_mark(SWAP, liq_px - 50)  # through liqPx
    (seen,) = await asyncio.wait_for(public, WAIT_S)
    assert (seen["symbol"], seen["contracts"], seen["side"]) == (SYMBOL, 10, "sell"), seen
    assert seen["info"]["instId"] == SWAP and seen["price"] < float(liq_px)  # at the bankruptcy price


async def test_watch_my_liquidations_shows_the_account_liquidated(
    world: SwapWorld, alice: Any, bob: Any
) -> None:
    liq_px = await _liquidatable(alice, bob)
    mine = await _subscribed(world, "balance_and_position", alice.watch_my_liquidations_for_symbols([SYMBOL]))
    world.control.set_mark(SWAP, liq_px - 50)
    (own,) = await asyncio.wait_for(mine, WAIT_S)
    assert own["symbol"] == SYMBOL and own["info"]["eventType"] == "liquidation", own
