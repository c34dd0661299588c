"""Trading ops on `/ws/v5/private` (reference §6.6): REST's items and sCodes in OKX's WS envelope."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from websockets.exceptions import InvalidStatus

from sandex.domain.keys import signing
from tests.support.okx import limit
from tests.support.ws import Conn, World, open_ws


async def _alice(world: World, ws: Conn) -> None:
    assert (await ws.login(world.alice))["code"] == "0"


async def test_order_reply_shape(world: World) -> None:
    async with open_ws(world.url("private")) as ws:
        await _alice(world, ws)
        reply = await ws.op(
            "order", [limit("buy", "10000", "0.001", clOrdId="abc1", tag="t1")], request_id="1512"
        )
        assert list(reply) == ["id", "op", "code", "msg", "data", "inTime", "outTime"]
        assert (reply["id"], reply["op"], reply["code"], reply["msg"]) == ("1512", "order", "0", "")
        item = reply["data"][0]
        assert list(item) == ["clOrdId", "ordId", "tag", "ts", "sCode", "sMsg"]
        assert (item["clOrdId"], item["tag"], item["sCode"], item["sMsg"]) == (
            "abc1",
            "t1",
            "0",
            "Order placed",
        )
        assert item["ordId"].isdigit() and int(reply["outTime"]) >= int(reply["inTime"])


async def test_a_rejected_order_is_code_1_with_the_reason_in_scode(world: World) -> None:
    async with open_ws(world.url("private")) as ws:
        await _alice(world, ws)
        reply = await ws.op("order", [limit("buy", "10000", "1000")])  # 10 M USDT: far more than alice has
        assert reply["code"] == "1" and reply["msg"] == "All operations failed"
        assert reply["data"][0]["sCode"] == "51008" and reply["data"][0]["ordId"] == ""


async def test_batch_orders_answer_per_item(world: World) -> None:
    async with open_ws(world.url("private")) as ws:
        await _alice(world, ws)
        reply = await ws.op(
            "batch-orders",
            [
                limit("buy", "10000", "0.001"),
                limit("buy", "10000", "-1"),
                limit("buy", "10000", "0.001", "NOPE-USDT"),
            ],
        )
        assert reply["code"] == "2" and reply["msg"] == "Bulk operation partially succeeded."
        assert [item["sCode"] for item in reply["data"]] == ["0", "51000", "51001"]


async def test_cancel_and_amend_single_and_batch(world: World) -> None:
    async with open_ws(world.url("private")) as ws:
        await _alice(world, ws)
        placed = await ws.op(
            "batch-orders", [limit("buy", "10000", "0.001", clOrdId=f"o{i}") for i in range(3)]
        )
        ids = [item["ordId"] for item in placed["data"]]
        amended = await ws.op(
            "amend-order",
            [{"instId": "BTC-USDT", "ordId": ids[0], "newPx": "10001", "reqId": "r1"}],
            request_id="2",
        )
        assert amended["code"] == "0"
        assert list(amended["data"][0]) == ["clOrdId", "ordId", "ts", "reqId", "sCode", "sMsg"]
        assert amended["data"][0]["reqId"] == "r1"
        many = await ws.op(
            "batch-amend-orders",
            [
                {"instId": "BTC-USDT", "clOrdId": "o1", "newSz": "0.002"},
                {"instId": "BTC-USDT", "ordId": "1", "newSz": "1"},
            ],
            request_id="3",
        )
        assert many["code"] == "2" and [i["sCode"] for i in many["data"]] == ["0", "51503"]
        canceled = await ws.op("cancel-order", [{"instId": "BTC-USDT", "ordId": ids[0]}], request_id="4")
        assert canceled["code"] == "0" and canceled["data"][0]["ordId"] == ids[0]
        rest = await ws.op(
            "batch-cancel-orders", [{"instId": "BTC-USDT", "ordId": i} for i in ids], request_id="5"
        )
        assert rest["code"] == "2" and [i["sCode"] for i in rest["data"]] == ["51400", "0", "0"]


async def test_inst_id_code_names_the_instrument(world: World) -> None:
    inst = world.server.runtime.catalogue.instrument("BTC-USDT")
    assert inst is not None
    code = inst.inst_id_code
    async with open_ws(world.url("private")) as ws:
        await _alice(world, ws)
        order = {k: v for k, v in limit("buy", "10000", "0.001").items() if k != "instId"}
        reply = await ws.op("order", [{**order, "instIdCode": code}])
        assert reply["code"] == "0"
        unknown = await ws.op("order", [{**order, "instIdCode": 999999999}], request_id="2")
        assert unknown["data"][0]["sCode"] == "51001"


async def test_ids_are_required_for_trading_ops(world: World) -> None:
    async with open_ws(world.url("private")) as ws:
        await _alice(world, ws)
        await ws.send({"op": "order", "args": [limit("buy", "10000", "0.001")]})
        reply = await ws.recv()
        assert reply["event"] == "error" and reply["code"] == "60027" and "id" in reply["msg"]


@pytest.mark.parametrize(
    ("op", "args"),
    [("order", []), ("order", [limit("buy", "1", "1"), limit("buy", "1", "1")]), ("batch-orders", ["x"])],
)
async def test_malformed_args_are_60013(world: World, op: str, args: list) -> None:
    async with open_ws(world.url("private")) as ws:
        await _alice(world, ws)
        reply = await ws.op(op, args)
        assert (reply["code"], reply["msg"], reply["data"]) == ("60013", "Invalid args", [])


async def test_more_than_20_orders_is_51111(world: World) -> None:
    async with open_ws(world.url("private")) as ws:
        await _alice(world, ws)
        reply = await ws.op("batch-orders", [limit("buy", "10000", "0.001")] * 21)
        assert reply["code"] == "51111"


async def test_trading_needs_login_and_trade_permission(world: World) -> None:
    async with open_ws(world.url("private")) as ws:
        reply = await ws.op("order", [limit("buy", "10000", "0.001")])
        assert reply["event"] == "error" and reply["code"] == "60011" and reply["id"] == "1"
        assert (await ws.login(world.alice_read))["code"] == "0"
        refused = await ws.op("order", [limit("buy", "10000", "0.001")], request_id="2")
        assert refused["code"] == "50120" and refused["data"] == []


async def test_an_exp_time_in_the_past_refuses_every_item(world: World) -> None:
    async with open_ws(world.url("private")) as ws:
        await _alice(world, ws)
        past = str(int(time.time() * 1000) - 1000)
        reply = await ws.op("batch-orders", [limit("buy", "10000", "0.001")] * 2, expTime=past)
        assert reply["code"] == "1" and {i["sCode"] for i in reply["data"]} == {"50037"}
        far = await ws.op("order", [limit("buy", "10000", "0.001")], request_id="2", expTime="9" * 5000)
        # More digits than any ms time: refused like any integer past 64 bits, never a crash.
        assert far["code"] == "1" and far["data"][0]["sCode"] == "51000", far


async def test_demo_orders_go_to_the_demo_exchange(world: World) -> None:
    async with open_ws(world.url("private", demo=True)) as ws:
        assert (await ws.login(world.alice_demo))["code"] == "0"
        reply = await ws.op("order", [limit("buy", "10000", "4.9")])  # 49,000 of her 50,000 demo USDT
        assert reply["code"] == "0"
        again = await ws.op("order", [limit("buy", "10000", "0.2")], request_id="2")
        assert again["data"][0]["sCode"] == "51008"


# --- budgets shared with REST ---------------------------------------------------------------------------
async def test_ws_and_rest_share_the_order_budget(tmp_path_factory: pytest.TempPathFactory) -> None:
    import httpx

    from tests.support.ws import served_world

    with served_world(tmp_path_factory.mktemp("limits") / "data", rate_limits="okx") as world:
        creds = world.alice
        async with httpx.AsyncClient(base_url=world.server.base_url) as http:
            for _ in range(30):  # half of the 60 per 2 s on BTC-USDT, through REST
                body = json.dumps(limit("buy", "1000", "0.001"))
                stamp = _iso_now()
                sign = signing.sign(creds.secret, signing.prehash(stamp, "POST", "/api/v5/trade/order", body))
                headers = {
                    "OK-ACCESS-KEY": creds.api_key,
                    "OK-ACCESS-SIGN": sign,
                    "OK-ACCESS-TIMESTAMP": stamp,
                    "OK-ACCESS-PASSPHRASE": creds.passphrase,
                    "Content-Type": "application/json",
                }
                response = await http.post("/api/v5/trade/order", content=body, headers=headers)
                assert response.json()["code"] == "0", response.text
        async with open_ws(world.url("private")) as ws:
            assert (await ws.login(creds))["code"] == "0"
            codes = [
                (await ws.op("order", [limit("buy", "1000", "0.001")], request_id=f"r{i}"))["code"]
                for i in range(31)
            ]
            assert codes[:30] == ["0"] * 30 and codes[30] == "50011"
            other = await ws.op("order", [limit("buy", "100", "0.01", "ETH-USDT")], request_id="eth")
            assert other["code"] == "0"  # a budget per instrument


def _iso_now() -> str:
    from sandex.domain.keys.timestamps import format_rest_timestamp

    return format_rest_timestamp(int(time.time() * 1000))


async def test_subscribe_and_login_share_a_per_connection_budget(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from tests.support.ws import served_world

    with served_world(tmp_path_factory.mktemp("subs") / "data", rate_limits="x0.01") as world:  # 480/h -> 4
        async with open_ws(world.url("public")) as ws:
            codes = []
            for _ in range(5):
                await ws.send({"op": "subscribe", "args": [{"channel": "trades", "instId": "BTC-USDT"}]})
                reply = await ws.recv()
                codes.append(reply.get("code", reply["event"]))
            assert codes == ["subscribe"] * 4 + ["60014"]
            with pytest.raises(InvalidStatus) as refused:  # new connections: 3/s per IP, scaled to 1/s
                async with open_ws(world.url("public")):
                    pass
            assert refused.value.response.status_code == 429
            assert json.loads(bytes(refused.value.response.body)) == {
                "msg": "Too Many Requests",
                "code": "50011",
            }
        await asyncio.sleep(1.1)
        async with open_ws(world.url("public")) as fresh:  # the budget is per connection
            assert (await fresh.subscribe({"channel": "trades", "instId": "BTC-USDT"}))[0][
                "event"
            ] == "subscribe"


async def test_ws_numbers_follow_rest_rules_and_huge_ones_fail_alone(world: World) -> None:
    """JSON numbers read exactly (a 40-decimal size is refused as its string is), 1e308 refused per
    item with 51000, and the valid item of the same batch placed."""
    forty = "0.0010000000000000000000000000000000000001"
    items = [
        '{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":1e308,"sz":0.001}',
        f'{{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":10000,"sz":{forty}}}',
        f'{{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"10000","sz":"{forty}"}}',
        '{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":1e4,"sz":1e-3}',
    ]
    async with open_ws(world.url("private")) as ws:
        await _alice(world, ws)
        await ws.send('{"id":"n1","op":"batch-orders","args":[' + ",".join(items) + "]}")
        reply = await ws.expect(lambda m: isinstance(m, dict) and m.get("id") == "n1")
        assert [(item["sCode"], item["sMsg"]) for item in reply["data"]] == [
            ("51000", "Parameter px error"),
            ("51000", "Parameter sz error"),
            ("51000", "Parameter sz error"),
            ("0", "Order placed"),
        ]
        amend = {"instId": "BTC-USDT", "ordId": reply["data"][3]["ordId"], "newSz": "1e308"}
        amended = await ws.op("amend-order", [amend], request_id="n2")
        assert (amended["data"][0]["sCode"], amended["data"][0]["sMsg"]) == ("51000", "Parameter newSz error")
        canceled = await ws.op("cancel-order", [{"instId": "BTC-USDT", "ordId": reply["data"][3]["ordId"]}])
        assert canceled["data"][0]["sCode"] == "0"
