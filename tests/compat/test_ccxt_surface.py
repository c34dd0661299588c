"""Unmodified ccxt on the rest of the spot surface and on what sandex does not serve (real server)."""

from __future__ import annotations

from decimal import Decimal

import ccxt
import pytest

from sandex.domain.faults import Fault, FaultKind, FaultSpec
from tests.support.okx import Creds
from tests.support.servers import World


def _okx(world: World, creds: Creds | None = None) -> ccxt.okx:
    keys = (
        {}
        if creds is None
        else {"apiKey": creds.api_key, "secret": creds.secret, "password": creds.passphrase}
    )
    exchange = ccxt.okx(keys)
    exchange.urls["api"]["rest"] = world.base_url
    return exchange


def test_fetch_status_is_ok_when_nothing_is_scheduled(world: World) -> None:
    status = _okx(world).fetch_status()
    assert status["status"] == "ok" and status["info"] == {"code": "0", "msg": "", "data": []}


def test_fetch_status_reports_a_simulated_outage_as_maintenance(world: World) -> None:
    faults = world.server.runtime.faults
    outage = faults.add(FaultSpec(FaultKind.ERROR, route="/api/v5/trade/*", code="50001"))
    assert isinstance(outage, Fault)
    try:
        assert _okx(world).fetch_status()["status"] == "maintenance"
    finally:
        faults.remove(outage.id)
    assert _okx(world).fetch_status()["status"] == "ok"


def test_index_candles_and_the_index_price_agree(world: World) -> None:
    exchange = _okx(world)
    [index] = exchange.public_get_market_index_tickers({"instId": "BTC-USDT"})["data"]
    answer = exchange.public_get_market_index_candles({"instId": "BTC-USDT", "bar": "1m", "limit": "5"})
    candles = answer["data"]
    assert candles and all(len(candle) == 6 for candle in candles)
    # every index price is a sample of the minute it was read in, which the five newest cover
    low, high = min(Decimal(c[3]) for c in candles), max(Decimal(c[2]) for c in candles)
    assert low <= Decimal(index["idxPx"]) <= high
    exchange.load_markets()
    # ccxt sends the spot market's instFamily ("" on OKX too) as the index id: OKX's 50014
    with pytest.raises(ccxt.BadRequest, match="50014"):
        exchange.fetch_ohlcv("BTC/USDT", "1m", params={"price": "index"})


def test_mark_prices_are_not_served_for_spot_as_on_okx(world: World) -> None:
    exchange = _okx(world)
    exchange.load_markets()
    with pytest.raises(ccxt.BadRequest, match="50014"):  # ccxt sends no instType, which OKX requires
        exchange.fetch_mark_price("BTC/USDT")
    with pytest.raises(ccxt.BadSymbol, match="51001"):
        exchange.fetch_ohlcv("BTC/USDT", "1m", params={"price": "mark"})


def test_unserved_endpoints_raise_what_a_bot_does_not_retry(world: World) -> None:
    exchange = _okx(world, world.live)
    with pytest.raises(ccxt.AccountNotEnabled, match="51010"):
        exchange.private_post_account_set_leverage(
            {"instId": "BTC-USDT-SWAP", "lever": "5", "mgnMode": "cross"}
        )
    with pytest.raises(ccxt.ExchangeError, match="50062") as unavailable:
        exchange.private_get_finance_savings_balance()
    assert not isinstance(unavailable.value, ccxt.NetworkError)  # freqtrade retries only network errors
    wrong = Creds(world.live.api_key, "0" * 32, world.live.passphrase)
    with pytest.raises(ccxt.AuthenticationError, match="50113"):  # authentication comes first
        _okx(world, wrong).private_post_account_set_leverage({"instId": "BTC-USDT-SWAP", "lever": "5"})


def test_a_margin_order_is_refused_as_in_a_spot_mode_account(world: World) -> None:
    exchange = _okx(world, world.live)
    exchange.load_markets()
    with pytest.raises(ccxt.AccountNotEnabled, match="51010"):
        exchange.create_order("BTC/USDT", "limit", "buy", 0.001, 20000, params={"tdMode": "cross"})
