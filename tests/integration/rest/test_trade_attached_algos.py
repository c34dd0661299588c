"""TP/SL attached to an order over signed REST (`attachAlgoOrds` on `trade/order`): accepted, shown
on the order object, and refused with OKX's codes when they sit on the wrong side of the price."""

from __future__ import annotations

from pathlib import Path

from tests.support.apps import sandbox
from tests.support.rest import INST, trader

TP_SL = {
    "attachAlgoClOrdId": "tpsl1",
    "tpTriggerPx": "30000",
    "tpOrdPx": "-1",
    "slTriggerPx": "19000",
    "slOrdPx": "-1",
}


async def test_an_order_with_tp_sl_shows_them_in_attach_algo_ords(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        answer = await alice.place(px="20000", sz="0.01", attachAlgoOrds=[TP_SL])
        assert answer["code"] == "0", answer
        order = await alice.order(answer["data"][0]["ordId"])
        [item] = order["attachAlgoOrds"]
        assert item["attachAlgoId"].isdigit()
        assert (item["attachAlgoClOrdId"], item["tpTriggerPx"], item["tpOrdPx"], item["slTriggerPx"]) == (
            "tpsl1",
            "30000",
            "-1",
            "19000",
        )
        assert (order["attachAlgoClOrdId"], order["slTriggerPx"], order["slOrdPx"]) == (
            "tpsl1",
            "19000",
            "-1",
        )
        assert (order["algoId"], order["source"]) == ("", "")  # the user's own order


async def test_a_stop_above_a_buys_price_is_51047_and_places_nothing(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        wrong = {"slTriggerPx": "21000", "slOrdPx": "-1"}
        answer = await alice.place(px="20000", sz="0.01", attachAlgoOrds=[wrong])
        assert (answer["code"], answer["data"][0]["sCode"]) == ("1", "51047"), answer
        usdt = await alice.balance("USDT")
        assert usdt["frozenBal"] == "0"


async def test_amend_order_moves_the_waiting_tp_sl_and_batch_amends_refuse_per_item(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        ord_id = await alice.placed_id(px="20000", sz="0.01", attachAlgoOrds=[TP_SL], clOrdId="buy1")
        [before] = (await alice.order(ord_id))["attachAlgoOrds"]
        change = {"attachAlgoClOrdId": "tpsl1", "newTpTriggerPx": "31000", "newSlTriggerPx": "0"}
        answer = await alice.post(
            "trade/amend-order",
            {"instId": INST, "clOrdId": "buy1", "newPx": "20100", "attachAlgoOrds": [change]},
        )
        assert (answer["code"], answer["data"][0]["sCode"], answer["data"][0]["ordId"]) == ("0", "0", ord_id)
        order = await alice.order(ord_id)
        [after] = order["attachAlgoOrds"]
        assert (order["px"], after["attachAlgoId"], after["tpTriggerPx"], after["slTriggerPx"]) == (
            "20100",
            before["attachAlgoId"],
            "31000",
            "",
        )
        assert (order["tpTriggerPx"], order["slTriggerPx"], order["slOrdPx"]) == ("31000", "", "")

        too_low = {"attachAlgoId": before["attachAlgoId"], "newTpTriggerPx": "20000"}  # below the price
        unknown = {"attachAlgoId": "42", "newTpTriggerPx": "32000"}
        batch = await alice.post(
            "trade/amend-batch-orders",
            [
                {"instId": INST, "ordId": ord_id, "attachAlgoOrds": [too_low]},
                {"instId": INST, "ordId": ord_id, "attachAlgoOrds": [unknown]},
                {"instId": INST, "ordId": ord_id, "attachAlgoOrds": [{"newTpTriggerPx": "1"}]},
            ],
        )
        assert batch["code"] == "1"
        assert [(i["sCode"], i["sMsg"]) for i in batch["data"]] == [
            ("51046", batch["data"][0]["sMsg"]),
            ("51527", "Order modification failed. At least 1 of the attached TP/SL orders does not exist."),
            ("50015", batch["data"][2]["sMsg"]),
        ]
        assert "attachAlgoId" in batch["data"][2]["sMsg"]
        assert (await alice.order(ord_id))["attachAlgoOrds"] == [after]


async def test_amend_order_attach_algo_ords_on_an_order_without_tp_sl_is_51538(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        ord_id = await alice.placed_id(px="20000", sz="0.01")
        change = {"attachAlgoClOrdId": "tpsl1", "newSlTriggerPx": "19000", "newSlOrdPx": "-1"}
        answer = await alice.post(
            "trade/amend-order", {"instId": INST, "ordId": ord_id, "attachAlgoOrds": [change]}
        )
        assert (answer["code"], answer["data"][0]["sCode"]) == ("1", "51538"), answer
        assert (await alice.order(ord_id))["attachAlgoOrds"] == []
