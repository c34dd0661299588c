"""An order's attached TP/SL on the WS `orders` channel: every push carries `attachAlgoOrds` and the
top-level TP/SL fields exactly as REST's order object shows them, and the WS `amend-order` op
moves them while the order waits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sandex.client.models import Credentials
from sandex.client.rest import AsyncOkxClient
from tests.support.factories import PASSPHRASE
from tests.support.okx import limit
from tests.support.ws import Conn, World, is_push, open_ws

TP_SL_FIELDS = (
    "attachAlgoClOrdId",
    "tpTriggerPx",
    "tpTriggerPxType",
    "tpOrdPx",
    "slTriggerPx",
    "slTriggerPxType",
    "slOrdPx",
    "attachAlgoOrds",
)
TP_SL = {"attachAlgoClOrdId": "wsts1", "tpTriggerPx": "60000", "tpOrdPx": "-1", "slTriggerPx": "45000"}


@asynccontextmanager
async def alice_rest(world: World) -> AsyncIterator[AsyncOkxClient]:
    creds = world.alice
    async with AsyncOkxClient(
        world.server.base_url, Credentials(creds.api_key, creds.secret, PASSPHRASE)
    ) as client:
        yield client


async def rest_order(client: AsyncOkxClient, ord_id: str) -> dict[str, Any]:
    [order] = await client.request("GET", "/api/v5/trade/order", {"instId": "BTC-USDT", "ordId": ord_id})
    assert isinstance(order, dict)
    return order


def tp_sl_of(order: dict[str, Any]) -> dict[str, Any]:
    return {name: order[name] for name in TP_SL_FIELDS}


async def next_order(ws: Conn, state: str) -> dict[str, Any]:
    push = await ws.expect(lambda m: is_push("orders")(m) and m["data"][0]["state"] == state)
    order: dict[str, Any] = push["data"][0]
    return order


async def test_order_pushes_carry_the_tp_sl_rest_shows_and_the_ws_amend_moves_them(world: World) -> None:
    async with open_ws(world.url("private")) as ws, alice_rest(world) as rest:
        assert (await ws.login(world.alice))["code"] == "0"
        await ws.subscribe({"channel": "orders", "instType": "SPOT"})
        order = {**limit("buy", "50000", "0.01"), "attachAlgoOrds": [{**TP_SL, "slOrdPx": "-1"}]}
        placed = await ws.op("order", [order])
        assert placed["data"][0]["sCode"] == "0", placed
        ord_id = placed["data"][0]["ordId"]

        live = await next_order(ws, "live")
        shown = tp_sl_of(await rest_order(rest, ord_id))
        assert tp_sl_of(live) == shown
        [attached] = live["attachAlgoOrds"]
        assert (live["slTriggerPx"], attached["attachAlgoClOrdId"], attached["attachAlgoId"].isdigit()) == (
            "45000",
            "wsts1",
            True,
        )

        change = {"attachAlgoId": attached["attachAlgoId"], "newSlTriggerPx": "46000", "newSlOrdPx": "45900"}
        amend = {"instId": "BTC-USDT", "ordId": ord_id, "reqId": "mv1", "attachAlgoOrds": [change]}
        amended = await ws.op("amend-order", [amend], request_id="a1")
        assert [(i["sCode"], i["ordId"], i["reqId"]) for i in amended["data"]] == [("0", ord_id, "mv1")]
        moved = await next_order(ws, "live")
        assert (moved["slTriggerPx"], moved["slOrdPx"], moved["tpTriggerPx"]) == ("46000", "45900", "60000")
        assert tp_sl_of(moved) == tp_sl_of(await rest_order(rest, ord_id))

        unknown = {"attachAlgoId": "1", "newSlTriggerPx": "47000"}
        refused = await ws.op("amend-order", [{**amend, "attachAlgoOrds": [unknown]}], request_id="a2")
        assert (refused["data"][0]["sCode"], refused["data"][0]["sMsg"]) == (
            "51527",
            "Order modification failed. At least 1 of the attached TP/SL orders does not exist.",
        )
        canceled = await ws.op("cancel-order", [{"instId": "BTC-USDT", "ordId": ord_id}], request_id="c1")
        assert canceled["data"][0]["sCode"] == "0"
        gone = await next_order(ws, "canceled")
        assert tp_sl_of(gone) == tp_sl_of(await rest_order(rest, ord_id))
        assert gone["slTriggerPx"] == "46000"


async def test_an_order_without_tp_sl_pushes_empty_tp_sl_fields(world: World) -> None:
    async with open_ws(world.url("private")) as ws:
        assert (await ws.login(world.alice))["code"] == "0"
        await ws.subscribe({"channel": "orders", "instType": "SPOT"})
        placed = await ws.op("order", [limit("buy", "50000", "0.01")])
        assert placed["data"][0]["sCode"] == "0"
        live = await next_order(ws, "live")
        assert tp_sl_of(live) == {**dict.fromkeys(TP_SL_FIELDS, ""), "attachAlgoOrds": []}
        plain = {"instId": "BTC-USDT", "ordId": live["ordId"], "attachAlgoOrds": [{"attachAlgoClOrdId": "x"}]}
        refused = await ws.op("amend-order", [plain], request_id="a3")
        assert refused["data"][0]["sCode"] == "51538"
