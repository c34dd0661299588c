"""TP/SL attached to an order over signed REST (`attachAlgoOrds` on `trade/order`): accepted, shown
on the order object, and refused with OKX's codes when they sit on the wrong side of the price."""

from __future__ import annotations

from pathlib import Path

from tests.support.apps import sandbox
from tests.support.rest import trader

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
