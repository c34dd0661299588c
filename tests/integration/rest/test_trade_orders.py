"""OKX order writes over signed REST: place, cancel, amend (single and batch), their errors and limits."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.apps import sandbox
from tests.support.rest import INST, LIMIT, trader

PLACE_ITEM = ["clOrdId", "ordId", "tag", "ts", "sCode", "sMsg"]
CANCEL_ITEM = ["clOrdId", "ordId", "ts", "sCode", "sMsg"]
AMEND_ITEM = ["clOrdId", "ordId", "ts", "reqId", "sCode", "sMsg"]

# Every optional field as python-okx 0.4.4 sends it: "" or null.
PYTHON_OKX_EMPTIES = {
    "ccy": "",
    "clOrdId": "",
    "tag": "",
    "posSide": "",
    "reduceOnly": "",
    "tgtCcy": "",
    "stpMode": "",
    "pxUsd": "",
    "pxVol": "",
    "banAmend": "",
    "attachAlgoOrds": None,
}


async def test_place_answers_like_okx_and_freezes_the_order_value(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        answer = await alice.place(px="20000", sz="0.01", clOrdId="first1", tag="desk")
        assert (answer["code"], answer["msg"]) == ("0", "")
        (item,) = answer["data"]
        assert list(item) == PLACE_ITEM
        assert (item["clOrdId"], item["tag"], item["sCode"], item["sMsg"]) == (
            "first1",
            "desk",
            "0",
            "Order placed",
        )
        assert item["ordId"].isdigit() and item["ts"].isdigit()
        assert answer["inTime"].isdigit() and answer["outTime"].isdigit()
        assert int(answer["outTime"]) >= int(answer["inTime"]) >= int(item["ts"]) * 1000 - 1_000_000
        usdt = await alice.balance("USDT")
        assert (usdt["availBal"], usdt["frozenBal"], usdt["eq"]) == ("800", "200", "1000")
        order = await alice.order(item["ordId"])
        assert (order["state"], order["clOrdId"], order["tag"], order["px"], order["sz"]) == (
            "live",
            "first1",
            "desk",
            "20000",
            "0.01",
        )


async def test_python_okx_body_with_empty_strings_and_null_places_an_order(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        answer = await alice.place(**PYTHON_OKX_EMPTIES, unknownField={"nested": [1, 2]})
        assert answer["code"] == "0", answer
        assert answer["data"][0]["clOrdId"] == "" and answer["data"][0]["tag"] == ""


async def test_insufficient_balance_is_51008_and_changes_nothing(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "100")
        response = await alice.post_raw(
            "trade/order", json.dumps({**LIMIT, "sz": "1", "px": "101", "clOrdId": "big1"})
        )
        assert response.status_code == 200
        answer = response.json()
        assert (answer["code"], answer["msg"]) == ("1", "All operations failed")
        assert answer["data"][0] == {
            "clOrdId": "big1",
            "ordId": "",
            "tag": "",
            "ts": answer["data"][0]["ts"],
            "sCode": "51008",
            "sMsg": "Order failed. Insufficient USDT balance in account",
        }
        usdt = await alice.balance("USDT")
        assert (usdt["availBal"], usdt["frozenBal"]) == ("100", "0")
        assert (await alice.get("trade/orders-pending"))["data"] == []
        assert (await alice.get("trade/order", instId=INST, clOrdId="big1"))["code"] == "51603"


async def test_refusals_name_okx_codes_and_wire_fields(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        cases = {
            "51001": {"instId": "NOPE-USDT"},
            "51000:Parameter sz error": {"sz": "abc"},
            "50014:Parameter sz can not be empty.": {"sz": ""},
            "51000:Parameter clOrdId error": {"clOrdId": "x" * 33},
            "51000:Parameter tag error": {"tag": "t" * 17},
            "51000:Parameter tdMode error": {"tdMode": "margin"},
            "51010": {"tdMode": "cross", "instId": "BTC-USDT-SWAP"},  # OKX's answer to a Spot-mode account
            "51000:Parameter side error": {"side": "hold"},
            "51204": {"px": ""},
            "51000:Parameter px error": {"px": "20000.05"},  # off the 0.1 tick
            "51121": {"sz": "0.000000001"},
        }
        for expected, fields in cases.items():
            answer = await alice.place(**fields)
            code, _, message = expected.partition(":")
            item = answer["data"][0]
            assert (answer["code"], item["sCode"], item["ordId"]) == ("1", code, ""), (fields, answer)
            assert not message or item["sMsg"] == message, (fields, item)
        await alice.placed_id(clOrdId="dup1")
        duplicate = await alice.place(clOrdId="dup1")
        assert duplicate["data"][0]["sCode"] == "51016"
        usdt = await alice.balance("USDT")
        assert usdt["frozenBal"] == "200"  # only the one order that was placed


async def test_batch_answers_per_item_with_code_0_1_or_2(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        good = LIMIT
        answer = await alice.post(
            "trade/batch-orders",
            [
                {**good, "clOrdId": "a1"},
                {**good, "clOrdId": "a2", "sz": "5"},
                {**good, "clOrdId": "a3", "px": "x"},
            ],
        )
        assert (answer["code"], answer["msg"]) == ("2", "Bulk operation partially succeeded.")
        assert [(i["clOrdId"], i["sCode"]) for i in answer["data"]] == [
            ("a1", "0"),
            ("a2", "51008"),
            ("a3", "51000"),
        ]
        assert all(list(item) == PLACE_ITEM for item in answer["data"])
        all_bad = await alice.post("trade/batch-orders", [{**good, "sz": "5"}, {**good, "side": "x"}])
        assert (all_bad["code"], all_bad["msg"]) == ("1", "All operations failed")
        all_good = await alice.post("trade/batch-orders", [{**good, "clOrdId": f"b{i}"} for i in range(3)])
        assert (all_good["code"], all_good["msg"]) == ("0", "")
        assert len((await alice.get("trade/orders-pending"))["data"]) == 4


async def test_more_than_20_orders_is_51111_and_places_nothing(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "100000")
        good = LIMIT
        answer = await alice.post("trade/batch-orders", [good] * 21)
        assert answer == {"code": "51111", "msg": "Maximum 20 orders can be placed in bulk.", "data": []}
        assert (await alice.get("trade/orders-pending"))["data"] == []
        twenty = await alice.post("trade/batch-orders", [good] * 20)
        assert twenty["code"] == "0" and len(twenty["data"]) == 20


async def test_cancel_by_id_or_client_id_and_the_finished_order_error(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        first = await alice.placed_id()
        await alice.placed_id(clOrdId="mine2")
        by_id = await alice.post("trade/cancel-order", {"instId": INST, "ordId": first, "clOrdId": ""})
        assert by_id["code"] == "0" and by_id["data"][0]["sMsg"] == ""
        assert list(by_id["data"][0]) == CANCEL_ITEM and by_id["data"][0]["ordId"] == first
        by_client = await alice.post("trade/cancel-order", {"instId": INST, "clOrdId": "mine2"})
        assert by_client["code"] == "0" and by_client["data"][0]["clOrdId"] == "mine2"
        assert (await alice.balance("USDT"))["frozenBal"] == "0"
        again = await alice.post("trade/cancel-order", {"instId": INST, "ordId": first})
        assert (again["code"], again["msg"]) == ("1", "All operations failed")
        assert (again["data"][0]["sCode"], again["data"][0]["ordId"]) == ("51400", first)
        unknown = await alice.post("trade/cancel-order", {"instId": INST, "ordId": "123"})
        assert (unknown["data"][0]["sCode"], unknown["data"][0]["ordId"]) == ("51400", "123")
        neither = await alice.post("trade/cancel-order", {"instId": INST, "ordId": "", "clOrdId": ""})
        assert neither["data"][0]["sCode"] == "50015"
        assert (await alice.order(first))["state"] == "canceled"


async def test_amend_price_and_size_and_its_errors(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        ord_id = await alice.placed_id(px="20000", sz="0.01")
        change = {"newPx": "30000", "newSz": "0.02", "reqId": "req7", "cxlOnFail": ""}
        amended = await alice.post("trade/amend-order", {"instId": INST, "ordId": ord_id, **change})
        assert amended["code"] == "0", amended
        assert list(amended["data"][0]) == AMEND_ITEM
        assert (amended["data"][0]["reqId"], amended["data"][0]["sMsg"]) == ("req7", "")
        order = await alice.order(ord_id)
        assert (order["px"], order["sz"]) == ("30000", "0.02")
        assert (await alice.balance("USDT"))["frozenBal"] == "600"
        too_big = await alice.post("trade/amend-order", {"instId": INST, "ordId": ord_id, "newSz": "1"})
        assert too_big["data"][0]["sCode"] == "51008"
        nothing = await alice.post(
            "trade/amend-order", {"instId": INST, "ordId": ord_id, "newSz": "", "newPx": ""}
        )
        assert nothing["data"][0]["sCode"] == "51500"
        for px in ("-1", "30000.05"):
            bad_px = await alice.post("trade/amend-order", {"instId": INST, "ordId": ord_id, "newPx": px})
            assert (bad_px["data"][0]["sCode"], bad_px["data"][0]["sMsg"]) == (
                "51000",
                "Parameter newPx error",
            )
        await alice.post("trade/cancel-order", {"instId": INST, "ordId": ord_id})
        finished = await alice.post("trade/amend-order", {"instId": INST, "ordId": ord_id, "newPx": "25000"})
        assert (finished["code"], finished["data"][0]["sCode"]) == ("1", "51503")


async def test_cancel_and_amend_batches(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        ids = [await alice.placed_id() for _ in range(3)]
        amended = await alice.post(
            "trade/amend-batch-orders",
            [
                {"instId": INST, "ordId": ids[0], "newPx": "21000"},
                {"instId": INST, "ordId": "1", "newPx": "1"},
            ],
        )
        assert amended["code"] == "2" and [i["sCode"] for i in amended["data"]] == ["0", "51503"]
        canceled = await alice.post("trade/cancel-batch-orders", [{"instId": INST, "ordId": i} for i in ids])
        assert canceled["code"] == "0" and [i["ordId"] for i in canceled["data"]] == ids
        assert (await alice.get("trade/orders-pending"))["data"] == []


async def test_exp_time_in_the_past_refuses_everything_with_50037(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        body = LIMIT
        past = {"expTime": str(box.now_ms() - 1)}
        expired = await alice.post("trade/batch-orders", [body, body], headers=past)
        assert expired["code"] == "1"
        assert [(i["sCode"], i["sMsg"]) for i in expired["data"]] == [("50037", "Order expired.")] * 2
        assert (await alice.get("trade/orders-pending"))["data"] == []
        future = await alice.post("trade/order", body, headers={"expTime": str(box.now_ms() + 60_000)})
        assert future["code"] == "0"
        amend = {"instId": INST, "ordId": future["data"][0]["ordId"], "newPx": "21000"}
        assert (await alice.post("trade/amend-order", amend, headers=past))["data"][0]["sCode"] == "50037"
        assert (await alice.order(amend["ordId"]))["px"] == "20000"


async def test_bodies_that_are_not_orders_are_refused_as_a_whole(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        not_json = await alice.post_raw("trade/order", "{not json")
        assert (not_json.status_code, not_json.json()["code"]) == (400, "50002")
        empty = await alice.post_raw("trade/order", "")
        assert empty.json()["code"] == "50000"
        a_list = await alice.post("trade/order", [{"instId": INST}])
        assert a_list["code"] == "50002"
        empty_batch = await alice.post("trade/batch-orders", [])
        assert empty_batch["code"] == "50014"


async def test_a_read_only_key_cannot_trade(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        reader = trader(box, perm="read_only")
        response = await reader.post_raw("trade/order", json.dumps({"instId": INST}))
        assert (response.status_code, response.json()["code"]) == (200, "50120")
        assert (await reader.get("trade/orders-pending"))["code"] == "0"


async def test_demo_keys_trade_on_the_demo_exchange(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        live = trader(box)
        demo = type(live)(box, live.user, box.key(live.user.id, label="demo", demo=True), demo=True)
        await demo.deposit("USDT", "1000")
        assert (await live.balance("USDT"))["eq"] == "0"
        ord_id = await demo.placed_id()
        assert (await demo.order(ord_id))["state"] == "live"
        assert (await live.get("trade/order", instId=INST, ordId=ord_id))["code"] == "51603"
        assert (await live.get("trade/orders-pending"))["data"] == []
        assert (await live.place())["data"][0]["sCode"] == "51008"  # live money is separate


async def test_order_rate_limit_counts_every_order_on_its_instrument(tmp_path: Path) -> None:
    async with sandbox(tmp_path, rate_limits="x0.1") as box:  # 6 single orders / 2 s, 30 in batches
        alice = trader(box)
        await alice.deposit("USDT", "100000")
        answers = [await alice.place() for _ in range(6)]
        assert all(a["code"] == "0" for a in answers)
        refused = await alice.post_raw("trade/order", json.dumps({"instId": INST}))
        assert (refused.status_code, refused.json()) == (429, {"msg": "Too Many Requests", "code": "50011"})
        other = await alice.place(instId="ETH-USDT", px="1000")
        assert other["code"] == "0"  # another instrument has its own budget
        good = LIMIT
        assert (await alice.post("trade/batch-orders", [good] * 20))["code"] == "0"
        over = await alice.post_raw("trade/batch-orders", json.dumps([good] * 11))
        assert over.status_code == 429
        assert len((await alice.get("trade/orders-pending", limit="100"))["data"]) == 27


async def test_sub_accounts_trade_their_own_money(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        master = trader(box)
        sub_user = box.sub(master.user, "botdesk01")
        sub = type(master)(box, sub_user, box.key(sub_user.id, label="desk"))
        await sub.deposit("USDT", "1000")
        ord_id = await sub.placed_id()
        assert (await sub.order(ord_id))["state"] == "live"
        assert (await master.get("trade/order", instId=INST, ordId=ord_id))["code"] == "51603"
        assert (await master.balance("USDT"))["eq"] == "0"


async def test_sub_account_order_cap_is_50061(tmp_path: Path) -> None:
    async with sandbox(tmp_path, rate_limits="x0.01") as box:  # sub-account cap: 10 orders / 2 s
        master = trader(box)
        sub_user = box.sub(master.user, "botdesk01")
        sub = type(master)(box, sub_user, box.key(sub_user.id, label="desk"))
        instruments = list(box.runtime.catalogue.instruments)[:11]  # one order each: within their budgets
        batch = [{**LIMIT, "instId": inst_id} for inst_id in instruments]
        capped = await sub.post("trade/batch-orders", batch)
        assert capped == {"code": "50061", "msg": capped["msg"], "data": []} and capped["msg"]
        answered = await master.post("trade/batch-orders", batch)  # masters have no such cap
        assert answered["code"] == "1" and len(answered["data"]) == 11  # no money, but answered per item
