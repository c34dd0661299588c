"""Unmodified python-okx on the rest of the spot surface (real server; only `domain` changes)."""

from __future__ import annotations

from decimal import Decimal

import okx.Account as Account
import okx.MarketData as MarketData
import okx.PublicData as PublicData
import okx.Status as Status
import pytest

from tests.support.servers import World

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


def test_status_index_candles_rate_and_volume(world: World) -> None:
    assert Status.StatusAPI(flag="0", domain=world.base_url).status() == {"code": "0", "msg": "", "data": []}
    market = MarketData.MarketAPI(flag="0", domain=world.base_url)
    candles = market.get_index_candlesticks("BTC-USDT", bar="1m", limit="3")
    assert candles["code"] == "0" and 1 <= len(candles["data"]) <= 3
    assert market.get_exchange_rate()["data"] == [{"usdCny": "7.1"}]
    [volume] = market.get_volume()["data"]
    assert Decimal(volume["volCny"]) == (Decimal(volume["volUsd"]) * Decimal("7.1")).quantize(Decimal("0.01"))


def test_mark_price_and_price_limit(world: World) -> None:
    public = PublicData.PublicAPI(flag="0", domain=world.base_url)
    [mark] = public.get_mark_price("SWAP", instId="BTC-USDT-SWAP")["data"]
    assert mark["instType"] == "SWAP" and float(mark["markPx"]) > 0
    assert len(public.get_mark_price("SWAP", instFamily="ETH-USDT")["data"]) == 1
    assert public.get_mark_price("SPOT")["code"] == "51000"
    [limit] = public.get_price_limit("BTC-USDT")["data"]
    assert (limit["enabled"], limit["buyLmt"], limit["sellLmt"]) == (False, "", "")
    [swap] = public.get_price_limit("BTC-USDT-SWAP")["data"]
    assert swap["enabled"] is True and float(swap["sellLmt"]) < float(mark["markPx"]) < float(swap["buyLmt"])
    tiers = public.get_position_tiers("SWAP", "cross", instFamily="BTC-USDT")["data"]
    assert tiers[0]["maxLever"] == "100"
    [interest] = public.get_open_interest("SWAP", instId="BTC-USDT-SWAP")["data"]
    assert interest["oi"] == "0"


def test_max_withdrawal_and_a_derivatives_call(world: World) -> None:
    creds = world.live
    api = Account.AccountAPI(creds.api_key, creds.secret, creds.passphrase, False, "0", domain=world.base_url)
    assert api.get_max_withdrawal("USDT")["data"][0]["ccy"] == "USDT"
    refused = api.set_leverage(lever="5", mgnMode="cross", instId="BTC-USDT-SWAP")
    assert refused["code"] == "51010" and "Spot mode" in refused["msg"]
