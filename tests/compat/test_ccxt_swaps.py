"""Unmodified ccxt (`ccxt.okx`) on a USDT perpetual swap against a real sandex server: position
mode, leverage, market orders of one contract in cross and isolated margin, closing the position,
the balance and the account's swap trades."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import ccxt
import pytest

from tests.support.okx import Creds
from tests.support.servers import TradingWorld, cli_deposit, trading_world

SYMBOL = "BTC/USDT:USDT"
SWAP = "BTC-USDT-SWAP"


@pytest.fixture(scope="module")
def sworld(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TradingWorld]:
    data_dir: Path = tmp_path_factory.mktemp("ccxt-swaps") / "data"
    with trading_world(data_dir) as world:
        cli_deposit(data_dir, "bob@example.test", "USDT", "10000")
        yield world


def _okx(world: TradingWorld, creds: Creds) -> ccxt.okx:
    exchange = ccxt.okx({"apiKey": creds.api_key, "secret": creds.secret, "password": creds.passphrase})
    exchange.urls["api"]["rest"] = world.base_url
    exchange.load_markets()
    exchange.privatePostAccountSetAccountLevel({"acctLv": "2"})  # ccxt has no unified call for it
    return exchange


@pytest.fixture(scope="module")
def alice(sworld: TradingWorld) -> ccxt.okx:
    return _okx(sworld, sworld.alice)


@pytest.fixture(scope="module")
def bob(sworld: TradingWorld) -> ccxt.okx:
    return _okx(sworld, sworld.bob)


def _mark(exchange: ccxt.okx) -> float:
    answer: dict[str, Any] = exchange.publicGetPublicMarkPrice({"instType": "SWAP", "instId": SWAP})
    return float(Decimal(answer["data"][0]["markPx"]))


def test_position_mode_and_leverage(alice: ccxt.okx) -> None:
    assert alice.set_position_mode(False, SYMBOL)["code"] == "0"  # net mode
    assert alice.set_leverage(7, SYMBOL, {"marginMode": "cross"})["data"][0]["lever"] == "7"
    leverage = alice.fetch_leverage(SYMBOL, {"marginMode": "cross"})
    assert (leverage["marginMode"], leverage["longLeverage"], leverage["shortLeverage"]) == ("cross", 7, 7)


@pytest.mark.parametrize("margin_mode", ["cross", "isolated"])
def test_market_buy_one_contract_and_close(alice: ccxt.okx, bob: ccxt.okx, margin_mode: str) -> None:
    px = _mark(bob)
    bob.create_order(SYMBOL, "limit", "sell", 1, px, {"tdMode": margin_mode})
    bought = alice.create_order(SYMBOL, "market", "buy", 1, None, {"tdMode": margin_mode})
    order = alice.fetch_order(bought["id"], SYMBOL)
    assert (order["status"], order["filled"], order["symbol"]) == ("closed", 1, SYMBOL)
    (position,) = alice.fetch_positions([SYMBOL])
    assert (position["symbol"], position["contracts"], position["side"], position["marginMode"]) == (
        SYMBOL,
        1,
        "long",
        margin_mode,
    )
    assert position["entryPrice"] and position["leverage"]
    bob.create_order(SYMBOL, "limit", "buy", 1, px, {"tdMode": margin_mode})
    closed = alice.close_position(SYMBOL, None, {"marginMode": margin_mode})
    assert closed["info"]["instId"] == SWAP
    assert alice.fetch_positions([SYMBOL]) == []
    trades = alice.fetch_my_trades(SYMBOL)
    assert len(trades) >= 2 and all(t["symbol"] == SYMBOL for t in trades)


def test_balance_in_futures_mode(alice: ccxt.okx) -> None:
    balance = alice.fetch_balance()
    usdt = balance["USDT"]
    assert usdt["total"] > 0 and usdt["free"] is not None and usdt["free"] <= usdt["total"]
