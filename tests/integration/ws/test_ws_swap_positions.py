"""Swap positions over the private WebSocket: the `positions` channel (snapshot, event update on a
fill, the update that brings the position to zero), `balance_and_position` with `posData`, and
swap orders placed by the WS `order` op with margin mode and position side."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandex.client.models import Credentials
from sandex.client.rest import AsyncOkxClient
from tests.support.factories import PASSPHRASE
from tests.support.okx import Creds
from tests.support.ws import Conn, World, is_push, open_ws

SWAP = "BTC-USDT-SWAP"


def rest(world: World, creds: Creds) -> AsyncOkxClient:
    return AsyncOkxClient(world.server.base_url, Credentials(creds.api_key, creds.secret, PASSPHRASE))


async def futures_mode(client: AsyncOkxClient) -> None:
    assert await client.request("POST", "/api/v5/account/set-account-level", body={"acctLv": "2"})


async def mark(client: AsyncOkxClient) -> str:
    data = await client.request("GET", "/api/v5/public/mark-price", {"instType": "SWAP", "instId": SWAP})
    return str(Decimal(data[0]["markPx"]))


def swap_order(side: str, px: str, **fields: Any) -> dict[str, Any]:
    return {
        "instId": SWAP,
        "tdMode": "isolated",
        "side": side,
        "ordType": "limit",
        "px": px,
        "sz": "1",
        **fields,
    }


async def logged_in(ws: Conn, creds: Creds) -> None:
    assert (await ws.login(creds))["code"] == "0"


async def test_positions_snapshot_updates_and_pos_data(world: World) -> None:
    alice_rest, bob_rest = rest(world, world.alice), rest(world, world.bob)
    async with (
        alice_rest,
        bob_rest,
        open_ws(world.url("private")) as alice,
        open_ws(world.url("private")) as bob,
    ):
        await futures_mode(alice_rest)
        await futures_mode(bob_rest)
        px = await mark(alice_rest)
        await logged_in(alice, world.alice)
        await logged_in(bob, world.bob)
        acks = await alice.subscribe(
            {"channel": "positions", "instType": "SWAP", "extraParams": '{"updateInterval": "0"}'},
            {"channel": "balance_and_position"},
        )
        assert acks[0]["arg"] == {"channel": "positions", "instType": "SWAP"}
        count = await alice.expect(
            lambda m: m.get("event") == "channel-conn-count" and m["channel"] == "positions"
        )
        assert count["connCount"] == "1"
        snapshot = await alice.expect(is_push("positions"))
        assert (snapshot["eventType"], snapshot["data"], snapshot["arg"]["uid"]) == (
            "snapshot",
            [],
            world.alice.uid,
        )

        made = await bob.op("order", [swap_order("sell", px, posSide="")])
        assert made["data"][0]["sCode"] == "0", made
        taken = await alice.op("order", [swap_order("buy", px, posSide="net")], "2")
        assert taken["data"][0]["sCode"] == "0", taken
        update = await alice.expect(is_push("positions"))
        (held,) = update["data"]
        assert (update["eventType"], held["instId"], held["pos"], held["mgnMode"]) == (
            "event_update",
            SWAP,
            "1",
            "isolated",
        )
        assert held["pTime"] and Decimal(held["margin"]) > 0
        both = await alice.expect(lambda m: is_push("balance_and_position")(m) and m["data"][0]["posData"])
        (pos_data,) = both["data"][0]["posData"]
        assert (both["data"][0]["eventType"], pos_data["pos"], pos_data["ccy"]) == ("filled", "1", "USDT")

        async with open_ws(world.url("private")) as late:
            await logged_in(late, world.alice)
            await late.subscribe({"channel": "balance_and_position"})
            first = await late.expect(is_push("balance_and_position"))
            assert first["data"][0]["eventType"] == "snapshot"
            assert [p["instId"] for p in first["data"][0]["posData"]] == [SWAP]

        await bob.op("order", [swap_order("buy", px)], "3")
        await alice.op("order", [swap_order("sell", px, reduceOnly=True)], "4")
        gone = await alice.expect(lambda m: is_push("positions")(m) and m["data"][0]["pos"] == "0")
        assert gone["eventType"] == "event_update" and gone["data"][0]["avgPx"] == ""


async def test_orders_and_account_channels_show_swap_fields(world: World) -> None:
    alice_rest, bob_rest = rest(world, world.alice), rest(world, world.bob)
    async with alice_rest, bob_rest, open_ws(world.url("private")) as alice:
        await futures_mode(alice_rest)  # both may be in Futures mode already (same module world)
        await futures_mode(bob_rest)
        px = await mark(alice_rest)
        await logged_in(alice, world.alice)
        await alice.subscribe(
            {"channel": "orders", "instType": "SWAP", "instFamily": "BTC-USDT"},
            {"channel": "account", "ccy": "USDT"},
        )
        snapshot = await alice.expect(is_push("account"))
        (usdt,) = snapshot["data"][0]["details"]
        assert usdt["availEq"] != "" and usdt["upl"] != ""  # the Futures-mode fields
        await bob_rest.request("POST", "/api/v5/trade/order", body=swap_order("sell", px))
        await alice.op("order", [swap_order("buy", px, clOrdId="swapws1")], "7")
        filled = await alice.expect(lambda m: is_push("orders")(m) and m["data"][0]["state"] == "filled")
        order = filled["data"][0]
        assert (order["instType"], order["clOrdId"], order["posSide"], order["tdMode"]) == (
            "SWAP",
            "swapws1",
            "net",
            "isolated",
        )
        assert (order["fillSz"], order["fillPnl"], order["reduceOnly"]) == ("1", "0", "false")
        assert order["fillMarkPx"] != "" and order["lever"] != ""
