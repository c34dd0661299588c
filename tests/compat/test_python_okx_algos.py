"""Unmodified python-okx (OKX's own SDK) algo orders: `place_algo_order` (every field sent, `""` when
unset, `reduceOnly` as a string), `get_algo_order_details`, `order_algos_list`,
`amend_algo_order`, `cancel_algo_order` and `order_algos_history`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import okx.Trade as Trade
import pytest

from tests.support.okx import Creds
from tests.support.servers import TradingWorld, trading_world

# python-okx posts with httpx's deprecated `data=<str>`; the warning is about the SDK, not sandex.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

INST = "BTC-USDT"


@pytest.fixture(scope="module")
def tworld(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TradingWorld]:
    data_dir: Path = tmp_path_factory.mktemp("python-okx-algos") / "data"
    with trading_world(data_dir) as world:
        yield world


def _trade(world: TradingWorld, creds: Creds) -> Trade.TradeAPI:
    return Trade.TradeAPI(creds.api_key, creds.secret, creds.passphrase, False, "0", domain=world.base_url)


def _trade_at(world: TradingWorld, px: str) -> None:
    """bob sells alice 0.001 BTC at `px`: the last price."""
    sold = _trade(world, world.bob).place_order(INST, "cash", "sell", "limit", "0.001", px=px)
    bought = _trade(world, world.alice).place_order(INST, "cash", "buy", "limit", "0.001", px=px)
    assert sold["code"] == "0" and bought["code"] == "0", (sold, bought)


def test_stop_loss_through_its_whole_life(tworld: TradingWorld) -> None:
    _trade_at(tworld, "50000")
    api = _trade(tworld, tworld.bob)
    placed = api.place_algo_order(
        INST,
        "cash",
        "sell",
        "conditional",
        "0.01",
        slTriggerPx="45000",
        slOrdPx="-1",
        algoClOrdId="pyokxstop1",
        reduceOnly="false",
    )
    assert placed["code"] == "0", placed
    algo_id = placed["data"][0]["algoId"]
    assert placed["data"][0]["algoClOrdId"] == "pyokxstop1"

    details = api.get_algo_order_details(algoId=algo_id)["data"][0]
    assert (details["state"], details["slTriggerPx"], details["slOrdPx"]) == ("live", "45000", "-1")
    assert api.get_algo_order_details(algoClOrdId="pyokxstop1")["data"][0]["algoId"] == algo_id
    assert algo_id in [a["algoId"] for a in api.order_algos_list("conditional")["data"]]

    amended = api.amend_algo_order(INST, algoId=algo_id, newSlTriggerPx="44000", newSlOrdPx="-1", reqId="a1")
    assert amended["code"] == "0" and amended["data"][0]["reqId"] == "a1", amended
    assert api.get_algo_order_details(algoId=algo_id)["data"][0]["slTriggerPx"] == "44000"

    canceled = api.cancel_algo_order([{"instId": INST, "algoId": algo_id}])
    assert canceled["code"] == "0", canceled
    assert api.order_algos_list("conditional")["data"] == []
    history = api.order_algos_history("conditional", state="canceled")["data"]
    assert [(a["algoId"], a["state"]) for a in history] == [(algo_id, "canceled")]


def test_trigger_fires_and_shows_in_history(tworld: TradingWorld) -> None:
    _trade_at(tworld, "50000")
    api = _trade(tworld, tworld.alice)
    placed = api.place_algo_order(INST, "cash", "buy", "trigger", "0.002", triggerPx="51000", orderPx="52000")
    assert placed["code"] == "0", placed
    algo_id = placed["data"][0]["algoId"]
    _trade_at(tworld, "51500")
    details = api.get_algo_order_details(algoId=algo_id)["data"][0]
    assert details["state"] == "effective" and details["ordId"].isdigit()
    assert algo_id in [a["algoId"] for a in api.order_algos_history("trigger", state="effective")["data"]]


def test_reduce_only_sent_as_the_string_true_is_kept(tworld: TradingWorld) -> None:
    _trade_at(tworld, "50000")
    api = _trade(tworld, tworld.bob)
    placed = api.place_algo_order(
        INST, "cash", "sell", "conditional", "0.01", slTriggerPx="45000", slOrdPx="-1", reduceOnly="true"
    )
    assert placed["code"] == "0", placed
    algo_id = placed["data"][0]["algoId"]
    assert api.get_algo_order_details(algoId=algo_id)["data"][0]["reduceOnly"] == "true"
    assert api.cancel_algo_order([{"instId": INST, "algoId": algo_id}])["code"] == "0"


def test_amend_order_moves_the_tp_sl_attached_to_an_order(tworld: TradingWorld) -> None:
    """`place_order(attachAlgoOrds=[…])`, then `amend_order(attachAlgoOrds=[…])` (every other field
    sent as `""`), read back with `get_order`."""
    api = _trade(tworld, tworld.alice)
    tp_sl = {"attachAlgoClOrdId": "pyokxts1", "tpTriggerPx": "46000", "tpOrdPx": "-1", "slTriggerPx": "35000"}
    placed = api.place_order(
        INST, "cash", "buy", "limit", "0.001", px="40000", attachAlgoOrds=[{**tp_sl, "slOrdPx": "-1"}]
    )
    assert placed["code"] == "0", placed
    ord_id = placed["data"][0]["ordId"]
    [attached] = api.get_order(INST, ordId=ord_id)["data"][0]["attachAlgoOrds"]

    change = {"attachAlgoId": attached["attachAlgoId"], "newSlTriggerPx": "36000", "newSlOrdPx": "-1"}
    amended = api.amend_order(INST, ordId=ord_id, reqId="pyokxa1", attachAlgoOrds=[change])
    assert amended["code"] == "0" and amended["data"][0]["reqId"] == "pyokxa1", amended
    order = api.get_order(INST, ordId=ord_id)["data"][0]
    assert (order["px"], order["slTriggerPx"], order["tpTriggerPx"]) == ("40000", "36000", "46000")
    assert order["attachAlgoOrds"][0]["attachAlgoId"] == attached["attachAlgoId"]

    unknown = api.amend_order(INST, ordId=ord_id, attachAlgoOrds=[{**change, "attachAlgoId": "7"}])
    assert (unknown["code"], unknown["data"][0]["sCode"]) == ("1", "51527"), unknown
    assert api.cancel_order(INST, ordId=ord_id)["code"] == "0"
