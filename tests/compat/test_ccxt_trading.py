"""Unmodified ccxt (`ccxt.okx`) trading against a real sandex server, live and sandbox mode.

ccxt places orders through `trade/batch-orders` (one item), always adds `tgtCcy`, `clOrdId` and
`tag`, reads closed orders from `orders-history?state=filled` and trades from `fills-history`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import ccxt
import pytest

from tests.support.okx import Creds
from tests.support.servers import TradingWorld, trading_world

SYMBOL = "BTC/USDT"


@pytest.fixture(scope="module")
def tworld(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TradingWorld]:
    data_dir: Path = tmp_path_factory.mktemp("ccxt-trading") / "data"
    with trading_world(data_dir) as world:
        yield world


def _okx(world: TradingWorld, creds: Creds, *, sandbox: bool = False) -> ccxt.okx:
    exchange = ccxt.okx({"apiKey": creds.api_key, "secret": creds.secret, "password": creds.passphrase})
    if sandbox:
        exchange.set_sandbox_mode(True)
    exchange.urls["api"]["rest"] = world.base_url
    exchange.load_markets()  # once per client: the tests share them
    return exchange


@pytest.fixture(scope="module")
def alice(tworld: TradingWorld) -> ccxt.okx:
    return _okx(tworld, tworld.alice)


@pytest.fixture(scope="module")
def bob(tworld: TradingWorld) -> ccxt.okx:
    return _okx(tworld, tworld.bob)


def test_limit_order_lifecycle(alice: ccxt.okx) -> None:
    created = alice.create_order(SYMBOL, "limit", "buy", 0.01, 20000)
    assert created["id"] and created["clientOrderId"].startswith("6b9ad766b55dBCDE")  # ccxt's broker prefix
    fetched = alice.fetch_order(created["id"], SYMBOL)
    assert (fetched["status"], fetched["price"], fetched["amount"], fetched["filled"]) == (
        "open",
        20000,
        0.01,
        0,
    )
    assert (fetched["side"], fetched["type"], fetched["clientOrderId"]) == (
        "buy",
        "limit",
        created["clientOrderId"],
    )
    assert created["id"] in [o["id"] for o in alice.fetch_open_orders(SYMBOL)]
    usdt = alice.fetch_balance()["USDT"]
    assert (usdt["used"], usdt["free"]) == (200, usdt["total"] - 200)
    alice.cancel_order(created["id"], SYMBOL)
    assert alice.fetch_order(created["id"], SYMBOL)["status"] == "canceled"
    assert created["id"] not in [o["id"] for o in alice.fetch_open_orders(SYMBOL)]


def test_a_fill_shows_in_closed_orders_trades_and_balance(alice: ccxt.okx, bob: ccxt.okx) -> None:
    before = alice.fetch_balance()
    sell = bob.create_order(SYMBOL, "limit", "sell", 0.02, 30000)
    buy = alice.create_order(SYMBOL, "limit", "buy", 0.02, 30000)
    closed = {o["id"]: o for o in alice.fetch_closed_orders(SYMBOL)}
    assert (closed[buy["id"]]["status"], closed[buy["id"]]["filled"], closed[buy["id"]]["average"]) == (
        "closed",
        0.02,
        30000,
    )
    assert bob.fetch_order(sell["id"], SYMBOL)["status"] == "closed"
    (trade,) = [t for t in alice.fetch_my_trades(SYMBOL) if t["order"] == buy["id"]]
    assert (trade["price"], trade["amount"], trade["side"], trade["takerOrMaker"]) == (
        30000,
        0.02,
        "buy",
        "taker",
    )
    assert trade["fee"]["currency"] == "BTC" and float(trade["fee"]["cost"]) == pytest.approx(0.00002)
    after = alice.fetch_balance()
    assert after["BTC"]["total"] == pytest.approx(before.get("BTC", {}).get("total", 0) + 0.01998)
    assert after["USDT"]["total"] == pytest.approx(before["USDT"]["total"] - 600)


def test_market_sell_fills_against_the_book(alice: ccxt.okx, bob: ccxt.okx) -> None:
    bid = alice.create_order(SYMBOL, "limit", "buy", 0.005, 29000)
    sold = bob.create_order(SYMBOL, "market", "sell", 0.005)
    order = bob.fetch_order(sold["id"], SYMBOL)
    assert (order["status"], order["filled"], order["average"], order["type"]) == (
        "closed",
        0.005,
        29000,
        "market",
    )
    assert alice.fetch_order(bid["id"], SYMBOL)["status"] == "closed"


def test_errors_map_to_ccxt_exceptions(alice: ccxt.okx) -> None:
    with pytest.raises(ccxt.InsufficientFunds):
        alice.create_order(SYMBOL, "limit", "buy", 10, 50000)
    with pytest.raises(ccxt.OrderNotFound):
        alice.cancel_order("123456", SYMBOL)
    with pytest.raises(ccxt.OrderNotFound):
        alice.fetch_order("123456", SYMBOL)
    with pytest.raises(ccxt.BadRequest):
        alice.create_order(SYMBOL, "limit", "buy", 0.01, 20000, {"clOrdId": "not-alphanumeric"})


def test_sandbox_mode_trades_on_the_demo_exchange(tworld: TradingWorld, alice: ccxt.okx) -> None:
    demo = _okx(tworld, tworld.alice_demo, sandbox=True)
    assert demo.fetch_balance()["USDT"]["total"] == 5000
    created = demo.create_order(SYMBOL, "limit", "buy", 0.01, 20000)
    assert demo.fetch_order(created["id"], SYMBOL)["status"] == "open"
    assert created["id"] not in [o["id"] for o in alice.fetch_open_orders(SYMBOL)]
    demo.cancel_order(created["id"], SYMBOL)
    assert demo.fetch_balance()["USDT"]["free"] == 5000
