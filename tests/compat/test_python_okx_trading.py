"""Unmodified python-okx (OKX's own SDK) trading against a real sandex server, live and demo.

python-okx sends every optional field as `""` (and `attachAlgoOrds: null`), posts JSON with spaces
after separators, and skips empty query values.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import okx.Account as Account
import okx.Trade as Trade
import pytest

from tests.support.okx import Creds
from tests.support.servers import TradingWorld, trading_world

# python-okx posts with httpx's deprecated `data=<str>`; the warning is about the SDK, not sandex.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

INST = "BTC-USDT"


@pytest.fixture(scope="module")
def tworld(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TradingWorld]:
    data_dir: Path = tmp_path_factory.mktemp("python-okx-trading") / "data"
    with trading_world(data_dir) as world:
        yield world


def _trade(world: TradingWorld, creds: Creds, flag: str = "0") -> Trade.TradeAPI:
    return Trade.TradeAPI(creds.api_key, creds.secret, creds.passphrase, False, flag, domain=world.base_url)


def _account(world: TradingWorld, creds: Creds, flag: str = "0") -> Account.AccountAPI:
    return Account.AccountAPI(
        creds.api_key, creds.secret, creds.passphrase, False, flag, domain=world.base_url
    )


def test_place_get_amend_list_cancel(tworld: TradingWorld) -> None:
    api = _trade(tworld, tworld.alice)
    placed = api.place_order(INST, "cash", "buy", "limit", "0.01", px="20000", clOrdId="pyokx1")
    assert placed["code"] == "0", placed
    assert placed["data"][0]["sMsg"] == "Order placed" and placed["inTime"] and placed["outTime"]
    ord_id = placed["data"][0]["ordId"]
    order = api.get_order(INST, ordId=ord_id)["data"][0]
    assert (order["state"], order["px"], order["sz"], order["clOrdId"]) == ("live", "20000", "0.01", "pyokx1")
    assert api.get_order(INST, clOrdId="pyokx1")["data"][0]["ordId"] == ord_id
    amended = api.amend_order(INST, ordId=ord_id, newPx="21000", reqId="r1")
    assert amended["code"] == "0" and amended["data"][0]["reqId"] == "r1", amended
    assert api.get_order(INST, ordId=ord_id)["data"][0]["px"] == "21000"
    assert ord_id in [o["ordId"] for o in api.get_order_list()["data"]]
    assert ord_id in [o["ordId"] for o in api.get_order_list(instId=INST, state="live")["data"]]
    canceled = api.cancel_order(INST, ordId=ord_id)
    assert canceled["code"] == "0", canceled
    assert api.get_order_list()["data"] == []
    history = api.get_orders_history("SPOT")["data"]
    assert [(o["ordId"], o["state"]) for o in history if o["ordId"] == ord_id] == [(ord_id, "canceled")]


def test_fills_and_balance_after_a_trade(tworld: TradingWorld) -> None:
    alice, bob = _trade(tworld, tworld.alice), _trade(tworld, tworld.bob)
    sold = bob.place_order(INST, "cash", "sell", "limit", "0.02", px="30000")
    assert sold["code"] == "0", sold
    bought = alice.place_order(INST, "cash", "buy", "market", "0.02", tgtCcy="base_ccy")
    assert bought["code"] == "0", bought
    ord_id = bought["data"][0]["ordId"]
    (fill,) = alice.get_fills(instId=INST, ordId=ord_id)["data"]
    assert (fill["fillPx"], fill["fillSz"], fill["side"], fill["execType"], fill["fee"]) == (
        "30000",
        "0.02",
        "buy",
        "T",
        "-0.00002",
    )
    balance = _account(tworld, tworld.alice).get_account_balance()
    assert balance["code"] == "0", balance
    details = {d["ccy"]: d for d in balance["data"][0]["details"]}
    assert details["BTC"]["availBal"] == "0.01998"
    assert _account(tworld, tworld.alice).get_account_balance(ccy="BTC")["data"][0]["details"] == [
        details["BTC"]
    ]


def test_refusals_come_back_per_item(tworld: TradingWorld) -> None:
    api = _trade(tworld, tworld.alice)
    poor = api.place_order(INST, "cash", "buy", "limit", "100", px="50000")
    assert (poor["code"], poor["msg"], poor["data"][0]["sCode"]) == ("1", "All operations failed", "51008")
    unknown = api.cancel_order(INST, ordId="424242")
    assert (unknown["code"], unknown["data"][0]["sCode"]) == ("1", "51400")
    missing = api.get_order(INST, ordId="424242")
    assert (missing["code"], missing["data"]) == ("51603", [])
    finished = api.amend_order(INST, ordId="424242", newSz="1")
    assert finished["data"][0]["sCode"] == "51503"


def test_demo_flag_trades_on_the_demo_exchange(tworld: TradingWorld) -> None:
    demo = _trade(tworld, tworld.alice_demo, flag="1")
    placed = demo.place_order(INST, "cash", "buy", "limit", "0.01", px="20000")
    assert placed["code"] == "0", placed
    ord_id = placed["data"][0]["ordId"]
    assert demo.get_order(INST, ordId=ord_id)["data"][0]["state"] == "live"
    assert _trade(tworld, tworld.alice).get_order(INST, ordId=ord_id)["code"] == "51603"
    balance = _account(tworld, tworld.alice_demo, flag="1").get_account_balance()["data"][0]
    usdt = {d["ccy"]: d for d in balance["details"]}["USDT"]
    assert (usdt["eq"], usdt["frozenBal"]) == ("5000", "200")
    assert demo.cancel_order(INST, ordId=ord_id)["code"] == "0"
