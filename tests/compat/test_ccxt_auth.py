"""Unmodified ccxt (`ccxt.okx`) against a real sandex server: only the REST URL changes."""

from __future__ import annotations

import ccxt
import pytest

from tests.support.okx import Creds
from tests.support.servers import World


def _okx(world: World, creds: Creds, *, sandbox: bool = False) -> ccxt.okx:
    exchange = ccxt.okx({"apiKey": creds.api_key, "secret": creds.secret, "password": creds.passphrase})
    if sandbox:
        exchange.set_sandbox_mode(True)  # sends x-simulated-trading: 1 (and swaps in the test URLs)
    exchange.urls["api"]["rest"] = world.base_url
    return exchange


def test_load_markets_with_keys_reads_currencies_and_account_config(world: World) -> None:
    exchange = _okx(world, world.live)
    markets = exchange.load_markets()
    assert "BTC/USDT" in markets and markets["BTC/USDT"]["spot"]
    assert {"BTC", "USDT", "ETH"} <= set(exchange.currencies)  # from GET /api/v5/asset/currencies
    assert "TRC20" in exchange.currencies["USDT"]["networks"]
    config = exchange.private_get_account_config()
    assert config["code"] == "0"
    row = config["data"][0]
    assert (row["uid"], row["mainUid"], row["perm"], row["ip"], row["label"]) == (
        world.uid,
        world.uid,
        "read_only,trade",
        "127.0.0.1",
        "live",
    )
    assert (row["acctLv"], row["posMode"], row["type"]) == ("1", "net_mode", "0")


def test_demo_key_in_sandbox_mode(world: World) -> None:
    exchange = _okx(world, world.demo, sandbox=True)
    exchange.load_markets()
    row = exchange.private_get_account_config()["data"][0]
    assert row["label"] == "demo" and row["uid"] == world.uid


def test_demo_key_outside_sandbox_mode_is_an_authentication_error(world: World) -> None:
    with pytest.raises(ccxt.AuthenticationError, match="50101"):
        _okx(world, world.demo).private_get_account_config()


def test_wrong_secret_is_an_authentication_error(world: World) -> None:
    wrong = Creds(world.live.api_key, "0" * 32, world.live.passphrase)
    with pytest.raises(ccxt.AuthenticationError, match="50113"):
        _okx(world, wrong).private_get_account_config()


def test_wrong_passphrase_is_an_authentication_error(world: World) -> None:
    wrong = Creds(world.live.api_key, world.live.secret, "Wrong#Pass1")
    with pytest.raises(ccxt.AuthenticationError, match="50105"):
        _okx(world, wrong).private_get_account_config()


def test_key_bound_to_another_ip_is_permission_denied(world: World) -> None:
    with pytest.raises(ccxt.PermissionDenied, match="50110"):
        _okx(world, world.elsewhere).private_get_account_config()


def test_query_parameters_are_signed_as_ccxt_encodes_them(world: World) -> None:
    exchange = _okx(world, world.live)
    response = exchange.private_get_asset_currencies({"ccy": "BTC,USDT"})  # sent as ccy=BTC%2CUSDT
    assert {row["ccy"] for row in response["data"]} == {"BTC", "USDT"}
    listed = exchange.private_get_users_subaccount_list({"limit": "10"})
    assert [row["uid"] for row in listed["data"]] == [world.sub_uid]
