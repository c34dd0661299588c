"""Unmodified ccxt (`ccxt.okx`) Convert against a real sandex server: currencies, a quote for the
reversed pair ccxt always sends (the *from* currency as baseCcy, side sell), the trade, its history,
and a quote expired by the control API's clock."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import ccxt
import pytest

from sandex.client.sync import ControlClient
from tests.support.servers import TradingWorld, trading_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TradingWorld]:
    data_dir: Path = tmp_path_factory.mktemp("ccxt-convert") / "data"
    with trading_world(data_dir) as world:  # alice: 10,000 USDT in her trading account
        yield world


@pytest.fixture(scope="module")
def okx(world: TradingWorld) -> ccxt.okx:
    creds = world.alice
    exchange = ccxt.okx({"apiKey": creds.api_key, "secret": creds.secret, "password": creds.passphrase})
    exchange.urls["api"]["rest"] = world.base_url
    exchange.load_markets()
    return exchange


def test_fetch_convert_currencies_lists_every_listed_currency(okx: ccxt.okx) -> None:
    currencies = okx.fetch_convert_currencies()
    assert {"BTC", "USDT", "ETH", "USDC"} <= set(currencies)
    assert currencies["BTC"]["id"] == "BTC"


def test_usdt_to_btc_quote_trade_and_history(okx: ccxt.okx) -> None:
    usdt_before = Decimal(str(okx.fetch_balance()["USDT"]["free"]))
    quote = okx.fetch_convert_quote("USDT", "BTC", 100)
    info = quote["info"]
    assert (info["baseCcy"], info["quoteCcy"], info["side"], info["rfqSzCcy"]) == (
        "USDT",
        "BTC",
        "sell",
        "USDT",
    )
    assert quote["fromCurrency"] == "USDT" and quote["toCurrency"] == "BTC"
    assert quote["fromAmount"] == 100 and quote["toAmount"] > 0
    assert Decimal(info["quoteSz"]) <= Decimal(100) * Decimal(info["cnvtPx"])  # BTC per USDT, rounded down
    assert int(info["ttlMs"]) == 10_000 and quote["id"] == info["quoteId"]

    trade = okx.create_convert_trade(quote["id"], "USDT", "BTC", 100)
    assert trade["info"]["state"] == "fullyFilled" and trade["info"]["instId"] == "BTC-USDT"
    assert (trade["fromAmount"], trade["toAmount"]) == (quote["fromAmount"], quote["toAmount"])

    balance = okx.fetch_balance()
    assert Decimal(str(balance["USDT"]["free"])) == usdt_before - 100
    assert Decimal(str(balance["BTC"]["free"])) == Decimal(info["quoteSz"])

    fetched = okx.fetch_convert_trade(trade["id"])  # ccxt sends the tradeId as clTReqId
    assert fetched["info"]["tradeId"] == trade["id"] and fetched["toAmount"] == trade["toAmount"]
    history = okx.fetch_convert_trade_history()
    assert trade["id"] in [h["info"]["tradeId"] for h in history]


def test_a_quote_trades_once(okx: ccxt.okx) -> None:
    quote = okx.fetch_convert_quote("USDT", "ETH", 20)
    okx.create_convert_trade(quote["id"], "USDT", "ETH", 20)
    with pytest.raises(ccxt.ExchangeError, match="52921"):
        okx.create_convert_trade(quote["id"], "USDT", "ETH", 20)


def test_a_quote_expires_on_the_sandbox_clock(world: TradingWorld, okx: ccxt.okx) -> None:
    quote = okx.fetch_convert_quote("USDT", "BTC", 50)
    with ControlClient(world.base_url, world.server.runtime.admin_token) as control:
        control.advance_clock(seconds=11)
    with pytest.raises(ccxt.ExchangeError, match="52922"):
        okx.create_convert_trade(quote["id"], "USDT", "BTC", 50)
