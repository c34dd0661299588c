"""Unmodified python-okx trading a USDT perpetual swap against a real sandex server: account level,
position mode, leverage, swap orders with every optional field "", closing the position,
positions history and the swap bills (type 2)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import okx.Account as Account
import okx.PublicData as PublicData
import okx.Trade as Trade
import pytest

from tests.support.okx import Creds
from tests.support.servers import TradingWorld, cli_deposit, trading_world

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

SWAP = "BTC-USDT-SWAP"


@pytest.fixture(scope="module")
def sworld(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TradingWorld]:
    data_dir: Path = tmp_path_factory.mktemp("python-okx-swaps") / "data"
    with trading_world(data_dir) as world:
        cli_deposit(data_dir, "bob@example.test", "USDT", "10000")
        yield world


def _account(world: TradingWorld, creds: Creds, flag: str = "0") -> Account.AccountAPI:
    return Account.AccountAPI(
        creds.api_key, creds.secret, creds.passphrase, False, flag, domain=world.base_url
    )


def _trade(world: TradingWorld, creds: Creds, flag: str = "0") -> Trade.TradeAPI:
    return Trade.TradeAPI(creds.api_key, creds.secret, creds.passphrase, False, flag, domain=world.base_url)


def _mark(world: TradingWorld) -> str:
    public = PublicData.PublicAPI(flag="0", domain=world.base_url)
    return str(Decimal(public.get_mark_price("SWAP", instId=SWAP)["data"][0]["markPx"]))


def test_settings_leverage_and_a_round_trip(sworld: TradingWorld) -> None:
    alice, bob = _account(sworld, sworld.alice), _account(sworld, sworld.bob)
    for api in (alice, bob):
        assert api.set_account_level("2")["data"] == [{"acctLv": "2"}]
    assert alice.get_account_config()["data"][0]["acctLv"] == "2"
    assert alice.set_position_mode("net_mode")["data"] == [{"posMode": "net_mode"}]
    done = alice.set_leverage(lever="5", mgnMode="isolated", instId=SWAP)
    assert done["data"] == [{"lever": "5", "mgnMode": "isolated", "instId": SWAP, "posSide": "net"}], done
    assert alice.get_leverage(mgnMode="isolated", instId=SWAP)["data"][0]["lever"] == "5"

    px = _mark(sworld)
    maker = _trade(sworld, sworld.bob).place_order(SWAP, "isolated", "sell", "limit", "1", px=px)
    assert maker["data"][0]["sCode"] == "0", maker
    taker = _trade(sworld, sworld.alice)
    bought = taker.place_order(SWAP, "isolated", "buy", "limit", "1", px=px)
    assert bought["data"][0]["sCode"] == "0", bought
    order = taker.get_order(SWAP, ordId=bought["data"][0]["ordId"])["data"][0]
    assert (order["instType"], order["tdMode"], order["lever"], order["state"]) == (
        "SWAP",
        "isolated",
        "5",
        "filled",
    )

    (position,) = alice.get_positions(instType="SWAP")["data"]
    assert (position["instId"], position["pos"], position["mgnMode"], position["lever"]) == (
        SWAP,
        "1",
        "isolated",
        "5",
    )
    _trade(sworld, sworld.bob).place_order(SWAP, "isolated", "buy", "limit", "1", px=px)
    closed = taker.close_positions(SWAP, "isolated")
    assert closed["data"] == [{"instId": SWAP, "posSide": "net", "clOrdId": "", "tag": ""}], closed
    (history,) = alice.get_positions_history(instType="SWAP")["data"]
    assert (history["instId"], history["type"], history["closeTotalPos"], history["lever"]) == (
        SWAP,
        "2",
        "1",
        "5",
    )
    bills = alice.get_account_bills(instType="SWAP", type="2")["data"]
    assert sorted(b["subType"] for b in bills) == ["3", "3", "5", "5"], bills  # fills and their fees


def test_a_spot_mode_account_is_refused_with_51010(sworld: TradingWorld) -> None:
    demo = _account(sworld, sworld.alice_demo, "1")  # the demo account is its own, still in Spot mode
    refused = demo.set_position_mode("long_short_mode")
    assert refused["code"] == "51010", refused
    placed = _trade(sworld, sworld.alice_demo, "1").place_order(SWAP, "cross", "buy", "market", "1")
    assert placed["data"][0]["sCode"] == "51010", placed
