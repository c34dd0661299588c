"""Unmodified ccxt (`ccxt.okx`) algo orders on spot: stop-loss, trigger, OCO and trailing stops
placed, fetched, listed, edited and canceled the way bots (freqtrade's `stoploss_on_exchange`) do.

ccxt sends them to `trade/order-algo` (with its own `clOrdId`/`tag`), reads them with `{'stop': True}`
from `trade/order-algo`, `orders-algo-pending` and `orders-algo-history`, cancels them with
`trade/cancel-algos` and edits them with `trade/amend-algos`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import ccxt
import pytest

from tests.support.okx import Creds
from tests.support.servers import TradingWorld, trading_world

SYMBOL = "BTC/USDT"
STOP = {"stop": True}


@pytest.fixture(scope="module")
def tworld(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TradingWorld]:
    data_dir: Path = tmp_path_factory.mktemp("ccxt-algos") / "data"
    with trading_world(data_dir) as world:
        yield world


def _okx(world: TradingWorld, creds: Creds) -> ccxt.okx:
    exchange = ccxt.okx({"apiKey": creds.api_key, "secret": creds.secret, "password": creds.passphrase})
    exchange.urls["api"]["rest"] = world.base_url
    exchange.load_markets()
    return exchange


@pytest.fixture(scope="module")
def alice(tworld: TradingWorld) -> ccxt.okx:
    """10,000 USDT: buys."""
    return _okx(tworld, tworld.alice)


@pytest.fixture(scope="module")
def bob(tworld: TradingWorld) -> ccxt.okx:
    """1 BTC: sells, and protects what he holds with stops."""
    return _okx(tworld, tworld.bob)


def trade_at(seller: ccxt.okx, buyer: ccxt.okx, px: float) -> None:
    """Make `px` the last price: a small limit sell taken by a limit buy."""
    seller.create_order(SYMBOL, "limit", "sell", 0.001, px)
    buyer.create_order(SYMBOL, "limit", "buy", 0.001, px)


@pytest.fixture(autouse=True)
def last_50000(alice: ccxt.okx, bob: ccxt.okx) -> None:
    trade_at(bob, alice, 50000)


def test_stop_loss_placed_fetched_listed_and_canceled(bob: ccxt.okx) -> None:
    created = bob.create_order(
        SYMBOL, "market", "sell", 0.01, None, {"stopLossPrice": 45000, "tdMode": "cash"}
    )
    assert created["id"] and created["clientOrderId"].startswith("6b9ad766b55dBCDE")  # ccxt's broker prefix
    fetched = bob.fetch_order(created["id"], SYMBOL, STOP)
    assert (fetched["status"], fetched["side"], fetched["amount"], fetched["stopLossPrice"]) == (
        "open",
        "sell",
        0.01,
        45000,
    )
    assert fetched["clientOrderId"] == created["clientOrderId"]
    open_ids = [
        o["id"] for o in bob.fetch_open_orders(SYMBOL, params={"stop": True, "ordType": "conditional"})
    ]
    assert created["id"] in open_ids

    bob.cancel_order(created["id"], SYMBOL, STOP)
    assert bob.fetch_order(created["id"], SYMBOL, STOP)["status"] == "canceled"
    canceled = bob.fetch_canceled_orders(SYMBOL, params={"stop": True, "ordType": "conditional"})
    assert created["id"] in [o["id"] for o in canceled]
    assert created["id"] not in [
        o["id"] for o in bob.fetch_open_orders(SYMBOL, params={"stop": True, "ordType": "conditional"})
    ]


def test_trigger_order_closes_when_the_price_crosses(alice: ccxt.okx, bob: ccxt.okx) -> None:
    created = alice.create_order(SYMBOL, "limit", "buy", 0.002, 52000, {"triggerPrice": 51000})
    assert alice.fetch_order(created["id"], SYMBOL, STOP)["status"] == "open"
    assert created["id"] in [o["id"] for o in alice.fetch_open_orders(SYMBOL, params=STOP)]  # ordType trigger

    trade_at(bob, alice, 51500)  # the last price rises through 51000: the trigger places its buy
    assert alice.fetch_order(created["id"], SYMBOL, STOP)["status"] == "closed"
    assert created["id"] in [o["id"] for o in alice.fetch_closed_orders(SYMBOL, params=STOP)]


def test_oco_placed_and_edited(bob: ccxt.okx) -> None:
    created = bob.create_order(
        SYMBOL,
        "market",
        "sell",
        0.01,
        None,
        {"takeProfitPrice": 60000, "stopLossPrice": 45000, "tdMode": "cash"},
    )
    listed = bob.fetch_open_orders(SYMBOL, params={"stop": True, "ordType": "oco"})
    assert created["id"] in [o["id"] for o in listed]

    bob.edit_order(
        created["id"], SYMBOL, "oco", "sell", None, None, {"stopLossPrice": 44000, "newSlOrdPx": -1}
    )
    edited = bob.fetch_order(created["id"], SYMBOL, STOP)
    assert (edited["stopLossPrice"], edited["takeProfitPrice"], edited["status"]) == (44000, 60000, "open")
    bob.cancel_order(created["id"], SYMBOL, STOP)


def test_a_limit_buys_attached_stop_loss_is_edited_with_the_order(alice: ccxt.okx) -> None:
    """`create_order(…, {'stopLoss': …})` attaches it (`attachAlgoOrds`); `edit_order` with a new
    `stopLoss` sends amend-order's `newSlTriggerPx`/`newSlOrdPx` beside `newSz`/`newPx`."""
    market_sl = {"triggerPrice": 35000, "type": "market"}
    created = alice.create_order(SYMBOL, "limit", "buy", 0.001, 40000, {"stopLoss": market_sl})
    assert created["info"]["sCode"] == "0"
    alice.edit_order(
        created["id"],
        SYMBOL,
        "limit",
        "buy",
        0.002,
        39000,
        {"stopLoss": {**market_sl, "triggerPrice": 36000}},
    )
    edited = alice.fetch_order(created["id"], SYMBOL)
    assert (edited["price"], edited["amount"], edited["status"]) == (39000, 0.002, "open")
    assert (edited["info"]["slTriggerPx"], edited["info"]["slOrdPx"]) == ("36000", "-1")
    assert [a["slTriggerPx"] for a in edited["info"]["attachAlgoOrds"]] == ["36000"]
    alice.cancel_order(created["id"], SYMBOL)


def test_trailing_stop_placed_listed_and_canceled(bob: ccxt.okx) -> None:
    created = bob.create_order(SYMBOL, "market", "sell", 0.01, None, {"trailingPercent": 5, "tdMode": "cash"})
    listed = bob.fetch_open_orders(SYMBOL, params={"stop": True, "ordType": "move_order_stop"})
    (row,) = [o for o in listed if o["id"] == created["id"]]
    assert row["info"]["callbackRatio"] == "0.05"
    bob.cancel_order(created["id"], SYMBOL, {"trailing": True})  # ccxt: `cancel-algos`, as OKX's docs now say
    assert bob.fetch_order(created["id"], SYMBOL, STOP)["status"] == "canceled"


def test_an_unserved_algo_type_is_a_bad_request(bob: ccxt.okx) -> None:
    with pytest.raises(ccxt.BadRequest, match="twap"):
        bob.privatePostTradeOrderAlgo(
            {"instId": "BTC-USDT", "tdMode": "cash", "side": "sell", "ordType": "twap", "sz": "0.01"}
        )
