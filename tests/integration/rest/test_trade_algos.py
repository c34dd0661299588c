"""Algo orders over signed REST: place, read, list, amend and cancel every type, their refusals,
permissions and the trigger firing when the last price crosses it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.apps import Sandbox, sandbox
from tests.support.okx import python_okx_algo
from tests.support.polling import until
from tests.support.rest import INST, Trader, trader

PLACE_ITEM = ["algoId", "clOrdId", "algoClOrdId", "sCode", "sMsg", "tag"]
CANCEL_ITEM = ["algoId", "sCode", "sMsg", "clOrdId", "algoClOrdId", "tag"]
AMEND_ITEM = ["algoId", "algoClOrdId", "reqId", "sCode", "sMsg"]
LAST = "50000"  # the last price every test starts from (a trade between alice and bob)
DAY_MS = 86_400_000
STOP = {"instId": INST, "tdMode": "cash", "side": "sell", "ordType": "conditional", "sz": "0.01"}


async def traders(box: Sandbox) -> tuple[Trader, Trader]:
    """alice (1 BTC, 100,000 USDT) and bob (1 BTC, 100,000 USDT), after a trade at `LAST`."""
    alice, bob = trader(box), trader(box, "bob@example.com")
    for who in (alice, bob):
        await who.deposit("BTC", "1")
        await who.deposit("USDT", "100000")
    await trade_at(alice, bob, LAST)
    return alice, bob


async def trade_at(seller: Trader, buyer: Trader, px: str) -> None:
    """Make `px` the last price: a small limit sell taken by a limit buy."""
    assert (await seller.place(side="sell", px=px, sz="0.001"))["code"] == "0"
    assert (await buyer.place(side="buy", px=px, sz="0.001"))["code"] == "0"


async def place_algo(who: Trader, **fields: Any) -> dict[str, Any]:
    return await who.post("trade/order-algo", {**STOP, **fields})


async def placed_algo_id(who: Trader, **fields: Any) -> str:
    answer = await place_algo(who, **fields)
    assert answer["code"] == "0", answer
    algo_id: str = answer["data"][0]["algoId"]
    return algo_id


async def algo(who: Trader, algo_id: str) -> dict[str, Any]:
    answer = await who.get("trade/order-algo", algoId=algo_id)
    assert answer["code"] == "0", answer
    row: dict[str, Any] = answer["data"][0]
    return row


async def test_a_stop_loss_is_placed_read_listed_and_canceled(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice, _ = await traders(box)
        answer = await place_algo(alice, slTriggerPx="45000", slOrdPx="-1", algoClOrdId="stop1", tag="desk")
        assert (answer["code"], answer["msg"]) == ("0", "")
        (item,) = answer["data"]
        assert list(item) == PLACE_ITEM
        assert (item["algoClOrdId"], item["clOrdId"], item["tag"], item["sCode"]) == (
            "stop1",
            "stop1",
            "desk",
            "0",
        )
        algo_id = item["algoId"]

        row = await algo(alice, algo_id)
        assert (row["ordType"], row["state"], row["side"], row["sz"]) == (
            "conditional",
            "live",
            "sell",
            "0.01",
        )
        assert (row["slTriggerPx"], row["slOrdPx"], row["tpTriggerPx"], row["last"]) == (
            "45000",
            "-1",
            "",
            LAST,
        )
        by_client_id = await alice.get("trade/order-algo", algoClOrdId="stop1")
        assert by_client_id["data"][0]["algoId"] == algo_id

        pending = await alice.get("trade/orders-algo-pending", ordType="conditional,oco", instId=INST)
        assert [r["algoId"] for r in pending["data"]] == [algo_id]
        assert (await alice.get("trade/orders-algo-pending", ordType="trigger"))["data"] == []

        canceled = await alice.post("trade/cancel-algos", [{"instId": INST, "algoId": algo_id}])
        assert canceled["code"] == "0", canceled
        assert list(canceled["data"][0]) == CANCEL_ITEM and canceled["data"][0]["algoId"] == algo_id
        assert (await alice.get("trade/orders-algo-pending", ordType="conditional"))["data"] == []
        history = await alice.get("trade/orders-algo-history", ordType="conditional", state="canceled")
        assert [(r["algoId"], r["state"]) for r in history["data"]] == [(algo_id, "canceled")]


async def test_the_algo_history_shows_three_months_of_the_sandbox_clock(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice, _ = await traders(box)
        box.runtime.clock.freeze()
        algo_id = await placed_algo_id(alice, slTriggerPx="45000", slOrdPx="-1")
        assert (await alice.post("trade/cancel-algos", [{"instId": INST, "algoId": algo_id}]))["code"] == "0"
        box.runtime.clock.advance(89 * DAY_MS)
        history = await alice.get("trade/orders-algo-history", ordType="conditional", state="canceled")
        assert [r["algoId"] for r in history["data"]] == [algo_id]
        box.runtime.clock.advance(2 * DAY_MS)
        history = await alice.get("trade/orders-algo-history", ordType="conditional", state="canceled")
        assert (history["code"], history["data"]) == ("0", [])
        assert (await algo(alice, algo_id))["state"] == "canceled"  # still readable by its id


async def test_a_trigger_order_fires_when_the_last_price_crosses_it(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice, bob = await traders(box)
        algo_id = await placed_algo_id(
            alice, side="buy", ordType="trigger", sz="0.002", triggerPx="51000", orderPx="52000"
        )
        assert (await algo(alice, algo_id))["state"] == "live"
        await trade_at(alice, bob, "51500")  # the last price rises through 51000

        async def effective() -> bool:
            return (await algo(alice, algo_id))["state"] == "effective"

        await until(effective, "the trigger order to fire")
        row = await algo(alice, algo_id)
        assert row["ordId"].isdigit() and row["triggerTime"].isdigit()
        order = await alice.order(row["ordId"])
        assert (order["side"], order["sz"], order["px"]) == ("buy", "0.002", "52000")
        history = await alice.get("trade/orders-algo-history", ordType="trigger", state="effective")
        assert [r["algoId"] for r in history["data"]] == [algo_id]


async def test_oco_and_its_amendment(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice, _ = await traders(box)
        algo_id = await placed_algo_id(
            alice, ordType="oco", tpTriggerPx="60000", tpOrdPx="-1", slTriggerPx="45000", slOrdPx="-1"
        )
        amended = await alice.post(
            "trade/amend-algos",
            {"instId": INST, "algoId": algo_id, "newSlTriggerPx": "44000", "newSlOrdPx": "-1", "reqId": "r1"},
        )
        assert amended["code"] == "0", amended
        assert list(amended["data"][0]) == AMEND_ITEM
        assert (amended["data"][0]["algoId"], amended["data"][0]["reqId"]) == (algo_id, "r1")
        row = await algo(alice, algo_id)
        assert (row["ordType"], row["slTriggerPx"], row["tpTriggerPx"]) == ("oco", "44000", "60000")


async def test_trailing_stops_cancel_on_either_endpoint_other_kinds_only_on_cancel_algos(
    tmp_path: Path,
) -> None:
    async with sandbox(tmp_path) as box:
        alice, _ = await traders(box)
        trailing = await placed_algo_id(alice, ordType="move_order_stop", callbackRatio="0.05")
        row = await algo(alice, trailing)
        assert (row["ordType"], row["callbackRatio"], row["state"]) == ("move_order_stop", "0.05", "live")
        stop = await placed_algo_id(alice, **STOP, slTriggerPx="45000", slOrdPx="-1")

        wrong = await alice.post("trade/cancel-advance-algos", [{"instId": INST, "algoId": stop}])
        assert wrong["code"] == "1" and wrong["data"][0]["sCode"] == "51400", wrong
        assert (await algo(alice, stop))["state"] == "live"
        legacy = await alice.post("trade/cancel-advance-algos", [{"instId": INST, "algoId": trailing}])
        assert legacy["code"] == "0", legacy
        assert (await algo(alice, trailing))["state"] == "canceled"
        current = await alice.post("trade/cancel-algos", [{"instId": INST, "algoId": stop}])
        assert current["code"] == "0", current
        assert (await algo(alice, stop))["state"] == "canceled"


async def test_python_okx_body_with_every_field_places_a_stop(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice, _ = await traders(box)
        body = python_okx_algo(
            **STOP, reduceOnly="false", slTriggerPx="45000", slOrdPx="-1", slTriggerPxType="last"
        )
        answer = await alice.post("trade/order-algo", body)
        assert answer["code"] == "0", answer


async def test_refusals_name_the_field_and_change_nothing(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice, _ = await traders(box)
        unserved = await place_algo(alice, ordType="twap", szLimit="1", pxLimit="1", timeInterval="10")
        assert unserved["code"] == "1"
        assert unserved["data"][0]["sCode"] == "51000" and "twap" in unserved["data"][0]["sMsg"]
        bad_px = await place_algo(alice, slTriggerPx="abc", slOrdPx="-1", algoClOrdId="x1")
        assert bad_px["data"][0]["sCode"] == "51000"
        assert bad_px["data"][0]["sMsg"] == "Parameter slTriggerPx error"
        assert bad_px["data"][0]["algoClOrdId"] == "x1" and bad_px["data"][0]["algoId"] == ""
        no_id = await alice.get("trade/order-algo")
        assert no_id["code"] == "50015"
        no_type = await alice.get("trade/orders-algo-pending")
        assert (no_type["code"], no_type["msg"]) == ("50014", "Parameter ordType can not be empty.")
        too_many = await alice.post("trade/cancel-algos", [{"instId": INST, "algoId": "1"}] * 11)
        assert too_many["code"] == "50025"
        assert (await alice.get("trade/orders-algo-pending", ordType="conditional,oco,trigger"))["data"] == []


async def test_some_cancels_failing_is_code_2_each_item_answering(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice, _ = await traders(box)
        algo_id = await placed_algo_id(alice, slTriggerPx="45000", slOrdPx="-1")
        answer = await alice.post(
            "trade/cancel-algos",
            [{"instId": INST, "algoId": algo_id}, {"instId": INST, "algoClOrdId": "nosuch"}],
        )
        assert (answer["code"], answer["msg"]) == ("2", "Bulk operation partially succeeded.")
        assert [item["sCode"] == "0" for item in answer["data"]] == [True, False]


async def test_a_read_only_key_reads_algos_but_cannot_place_them(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice, _ = await traders(box)
        reader = Trader(box, alice.user, box.key(alice.user.id, label="reader", perm="read_only"))
        refused = await reader.post_raw("trade/order-algo", '{"instId":"BTC-USDT"}')
        assert refused.json()["code"] == "50120"
        assert (await reader.get("trade/orders-algo-pending", ordType="conditional"))["code"] == "0"


async def test_demo_algos_are_not_live_algos(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice, _ = await traders(box)
        algo_id = await placed_algo_id(alice, slTriggerPx="45000", slOrdPx="-1")
        demo = Trader(box, alice.user, box.key(alice.user.id, label="demo", demo=True), demo=True)
        assert (await demo.get("trade/orders-algo-pending", ordType="conditional"))["data"] == []
        assert (await demo.get("trade/order-algo", algoId=algo_id))["code"] != "0"


async def test_algo_writes_count_once_per_request_on_each_instrument(tmp_path: Path) -> None:
    async with sandbox(tmp_path, rate_limits="x0.1") as box:  # 2 algo requests / 2 s per instrument
        alice, _ = await traders(box)
        first, second = [await placed_algo_id(alice, slTriggerPx="45000", slOrdPx="-1") for _ in range(2)]
        refused = await alice.post_raw("trade/order-algo", json.dumps(STOP))
        assert (refused.status_code, refused.json()) == (429, {"msg": "Too Many Requests", "code": "50011"})
        eth = await alice.post_raw("trade/order-algo", json.dumps({**STOP, "instId": "ETH-USDT"}))
        assert eth.status_code == 200  # another instrument has its own budget

        both = [{"instId": INST, "algoId": first}, {"instId": INST, "algoId": second}]
        assert (await alice.post("trade/cancel-algos", both))["code"] == "0"  # two items, one request
        assert (await alice.post_raw("trade/cancel-algos", json.dumps(both[:1]))).status_code == 200
        assert (await alice.post_raw("trade/cancel-algos", json.dumps(both[:1]))).status_code == 429
