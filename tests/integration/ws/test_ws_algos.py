"""`orders-algo` and `algo-advance` on `/business` after login: where they are served, and the pushes
of an algo's every state change (to its owner only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sandex.client.models import Credentials
from sandex.client.rest import AsyncOkxClient
from tests.support.factories import PASSPHRASE
from tests.support.okx import Creds
from tests.support.ws import Conn, World, is_push, open_ws

ALGOS = {"channel": "orders-algo", "instType": "SPOT"}
ADVANCE = {"channel": "algo-advance", "instType": "SPOT"}


async def logged_in(ws: Conn, creds: Creds) -> None:
    assert (await ws.login(creds))["code"] == "0"


@asynccontextmanager
async def rest(world: World, creds: Creds) -> AsyncIterator[AsyncOkxClient]:
    async with AsyncOkxClient(
        world.server.base_url, Credentials(creds.api_key, creds.secret, PASSPHRASE)
    ) as client:
        yield client


async def trade_at(seller: AsyncOkxClient, buyer: AsyncOkxClient, px: str) -> None:
    """Make `px` the BTC-USDT last price: a small sell taken by a buy."""
    await seller.place_order("BTC-USDT", "sell", "limit", "0.001", px=px)
    await buyer.place_order("BTC-USDT", "buy", "limit", "0.001", px=px)


async def place_algo(client: AsyncOkxClient, **fields: str) -> str:
    body = {"instId": "BTC-USDT", "tdMode": "cash", **fields}
    data = await client.request("POST", "/api/v5/trade/order-algo", body=body)
    assert data[0]["sCode"] == "0", data
    algo_id: str = data[0]["algoId"]
    return algo_id


def algo_push(channel: str, algo_id: str, state: str) -> Any:
    def wanted(message: Any) -> bool:
        return bool(is_push(channel)(message) and message["data"][0]["algoId"] == algo_id)

    return lambda m: wanted(m) and m["data"][0]["state"] == state


async def test_algo_channels_live_on_business_and_need_login(world: World) -> None:
    async with open_ws(world.url("private")) as private, open_ws(world.url("business")) as business:
        await logged_in(private, world.alice)
        (moved,) = await private.subscribe(ALGOS)
        assert (moved["event"], moved["code"]) == ("error", "64001")
        (anonymous,) = await business.subscribe(ADVANCE)
        assert (anonymous["code"], anonymous["msg"]) == ("60011", "Please log in")

        await logged_in(business, world.alice)
        (no_type,) = await business.subscribe({"channel": "orders-algo"})
        assert no_type["code"] == "60012"
        acks = await business.subscribe(
            ALGOS, {**ADVANCE, "algoId": "123"}, {"channel": "orders-algo", "instType": "SWAP"}
        )
        assert [ack["event"] for ack in acks] == ["subscribe"] * 3
        assert acks[0]["arg"] == ALGOS and acks[1]["arg"] == {**ADVANCE, "algoId": "123"}


async def test_every_state_change_is_pushed_to_the_owner_only(world: World) -> None:
    async with (
        open_ws(world.url("business")) as alice_ws,
        open_ws(world.url("business")) as bob_ws,
        rest(world, world.alice) as alice,
        rest(world, world.bob) as bob,
    ):
        await logged_in(alice_ws, world.alice)
        await logged_in(bob_ws, world.bob)
        await alice_ws.subscribe(ALGOS, ADVANCE)
        await bob_ws.subscribe({"channel": "orders-algo", "instType": "ANY"})
        await trade_at(bob, alice, "50000")

        trigger_id = await place_algo(
            alice, side="buy", ordType="trigger", sz="0.002", triggerPx="51000", orderPx="52000"
        )
        live = await alice_ws.expect(algo_push("orders-algo", trigger_id, "live"))
        assert live["arg"] == {**ALGOS, "uid": world.alice.uid}
        assert (live["data"][0]["triggerPx"], live["data"][0]["ordPx"]) == ("51000", "52000")

        trailing_id = await place_algo(
            alice, side="sell", ordType="move_order_stop", sz="0.0005", callbackRatio="0.05"
        )
        trailing = await alice_ws.expect(algo_push("algo-advance", trailing_id, "live"))
        assert trailing["arg"] == {**ADVANCE, "uid": world.alice.uid}
        assert trailing["data"][0]["callbackRatio"] == "0.05"

        await trade_at(bob, alice, "51500")  # through the trigger price
        effective = (await alice_ws.expect(algo_push("orders-algo", trigger_id, "effective")))["data"][0]
        assert effective["ordId"].isdigit() and effective["triggerTime"].isdigit()

        await alice.request(
            "POST", "/api/v5/trade/cancel-advance-algos", body=[{"instId": "BTC-USDT", "algoId": trailing_id}]
        )
        await alice_ws.expect(algo_push("algo-advance", trailing_id, "canceled"))
        # bob saw none of it: the first algo push he gets is of his own, placed last
        bobs_id = await place_algo(
            bob, side="sell", ordType="conditional", sz="0.001", slTriggerPx="40000", slOrdPx="-1"
        )
        first = await bob_ws.expect(is_push("orders-algo"))
        assert first["data"][0]["algoId"] == bobs_id and first["arg"]["uid"] == world.bob.uid
