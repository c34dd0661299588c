"""Private channels after login: `orders` (with fill fields), `account`, `balance_and_position`."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from sandex.client.control import AsyncControlClient
from sandex.client.models import Credentials
from sandex.client.rest import AsyncOkxClient
from tests.support.factories import PASSPHRASE
from tests.support.okx import limit
from tests.support.ws import Conn, World, is_push, open_ws


async def _logged_in(world: World, ws: Conn, who: str = "alice") -> None:
    creds = getattr(world, who)
    assert (await ws.login(creds))["code"] == "0"


async def test_orders_nothing_on_subscribe_then_every_state(world: World) -> None:
    async with open_ws(world.url("private")) as alice, open_ws(world.url("private")) as bob:
        await _logged_in(world, alice)
        await _logged_in(world, bob, "bob")
        acks = await alice.subscribe({"channel": "orders", "instType": "SPOT", "instId": "BTC-USDT"})
        assert acks[0]["arg"] == {"channel": "orders", "instType": "SPOT", "instId": "BTC-USDT"}
        count = await alice.expect(lambda m: m.get("event") == "channel-conn-count")
        assert count == {
            "event": "channel-conn-count",
            "channel": "orders",
            "connCount": "1",
            "connId": acks[0]["connId"],
        }
        await alice.quiet(is_push("orders"), 0.3)

        placed = await alice.op("order", [limit("buy", "50000", "0.01", clOrdId="ws1")])
        ord_id = placed["data"][0]["ordId"]
        live = await alice.expect(is_push("orders"))
        assert live["arg"] == {
            "channel": "orders",
            "instType": "SPOT",
            "instId": "BTC-USDT",
            "uid": world.alice.uid,
        }
        order = live["data"][0]
        assert (order["ordId"], order["clOrdId"], order["state"], order["fillSz"], order["tradeId"]) == (
            ord_id,
            "ws1",
            "live",
            "0",
            "",
        )
        assert order["execType"] == "" and order["fillFee"] == "0" and order["code"] == "0"

        await bob.op("order", [limit("sell", "50000", "0.004")])
        partial = (await alice.expect(is_push("orders")))["data"][0]
        assert partial["state"] == "partially_filled" and partial["accFillSz"] == "0.004"
        assert (partial["fillSz"], partial["fillPx"], partial["execType"]) == ("0.004", "50000", "M")
        assert partial["tradeId"].isdigit() and partial["fillFeeCcy"] == "BTC"
        assert partial["fillFee"] == "-0.0000032"  # 0.08% maker fee on 0.004 BTC, negative = charged
        assert partial["fillTime"] == partial["uTime"]

        await alice.op("cancel-order", [{"instId": "BTC-USDT", "ordId": ord_id}], request_id="2")
        canceled = (await alice.expect(is_push("orders")))["data"][0]
        assert canceled["state"] == "canceled" and canceled["cancelSource"] == "1"
        assert canceled["fillSz"] == "0" and canceled["tradeId"] == "" and canceled["accFillSz"] == "0.004"


async def test_a_taker_fill_is_exec_type_t(world: World) -> None:
    async with open_ws(world.url("private")) as alice, open_ws(world.url("private")) as bob:
        await _logged_in(world, alice)
        await _logged_in(world, bob, "bob")
        await alice.subscribe({"channel": "orders", "instType": "ANY"})
        await bob.op("order", [limit("sell", "51000", "0.002")])
        await alice.op("order", [limit("buy", "51000", "0.002")])
        filled = (await alice.expect(lambda m: is_push("orders")(m) and m["data"][0]["state"] == "filled"))[
            "data"
        ][0]
        assert filled["execType"] == "T" and filled["fillSz"] == "0.002"
        assert filled["fillFee"] == "-0.000002"  # 0.10% taker fee on 0.002 BTC


async def test_an_order_that_sweeps_two_levels_pushes_each_fill_in_order(world: World) -> None:
    async with open_ws(world.url("private")) as alice, open_ws(world.url("private")) as bob:
        await _logged_in(world, alice)
        await _logged_in(world, bob, "bob")
        await alice.subscribe({"channel": "orders", "instType": "SPOT", "instId": "XRP-USDT"})
        await bob.subscribe({"channel": "orders", "instType": "SPOT", "instId": "XRP-USDT"})
        for px, sz in (("2.5", "100"), ("2.5001", "200")):
            await bob.op("order", [limit("sell", px, sz, inst_id="XRP-USDT")])
            await bob.expect(lambda m: is_push("orders")(m) and m["data"][0]["state"] == "live")
        placed = await alice.op("order", [limit("buy", "2.5001", "300", inst_id="XRP-USDT")])
        ord_id = placed["data"][0]["ordId"]

        def alice_fill(m: Any) -> bool:
            return is_push("orders")(m) and m["data"][0]["ordId"] == ord_id and m["data"][0]["tradeId"] != ""

        first = (await alice.expect(alice_fill))["data"]
        second = (await alice.expect(alice_fill))["data"]
        assert len(first) == len(second) == 1  # one message per step of the order, as OKX sends them
        steps = [
            (o["state"], o["fillPx"], o["fillSz"], o["accFillSz"], o["execType"], o["fillFee"])
            for o in (first[0], second[0])
        ]
        assert steps == [
            ("partially_filled", "2.5", "100", "100", "T", "-0.1"),  # 0.10 % taker fee, in XRP
            ("filled", "2.5001", "200", "300", "T", "-0.2"),
        ]
        assert int(second[0]["tradeId"]) > int(first[0]["tradeId"])

        def bob_fill(m: Any) -> bool:
            return is_push("orders")(m) and m["data"][0]["tradeId"] != ""

        makers = [(await bob.expect(bob_fill))["data"][0] for _ in range(2)]
        assert [(o["fillSz"], o["state"], o["execType"]) for o in makers] == [
            ("100", "filled", "M"),
            ("200", "filled", "M"),
        ]
        assert {o["tradeId"] for o in makers} == {first[0]["tradeId"], second[0]["tradeId"]}


@pytest.mark.parametrize(
    ("arg", "pushed"),
    [
        ({"channel": "orders", "instType": "MARGIN"}, False),
        ({"channel": "orders", "instType": "ANY", "instId": "ETH-USDT"}, False),
        ({"channel": "orders", "instType": "ANY", "instId": "BTC-USDT"}, True),
        ({"channel": "orders", "instType": "SPOT"}, True),
    ],
)
async def test_orders_filters(world: World, arg: dict[str, str], pushed: bool) -> None:
    async with open_ws(world.url("private")) as alice:
        await _logged_in(world, alice)
        await alice.subscribe(arg)
        await alice.op("order", [limit("buy", "20000", "0.001")])
        if pushed:
            await alice.expect(is_push("orders"))
        else:
            await alice.quiet(is_push("orders"), 0.4)


async def test_other_users_orders_are_not_pushed(world: World) -> None:
    async with open_ws(world.url("private")) as alice, open_ws(world.url("private")) as bob:
        await _logged_in(world, alice)
        await _logged_in(world, bob, "bob")
        await alice.subscribe({"channel": "orders", "instType": "ANY"})
        await bob.op("order", [limit("sell", "200000", "0.001")])
        await alice.quiet(is_push("orders"), 0.4)


async def test_account_snapshot_then_updates(world: World) -> None:
    async with open_ws(world.url("private")) as alice:
        await _logged_in(world, alice)
        await alice.subscribe({"channel": "account"})
        snap = await alice.expect(is_push("account"))
        assert list(snap) == ["arg", "eventType", "curPage", "lastPage", "data"]
        assert snap["eventType"] == "snapshot" and snap["curPage"] == 1 and snap["lastPage"] is True
        assert snap["arg"] == {"channel": "account", "uid": world.alice.uid}
        usdt = _detail(snap["data"][0], "USDT")
        before = float(usdt["availBal"])
        await alice.op("order", [limit("buy", "10000", "0.01")])
        update = await alice.expect(is_push("account"))
        assert update["eventType"] == "event_update"
        usdt = _detail(update["data"][0], "USDT")
        assert float(usdt["availBal"]) == pytest.approx(before - 100)
        assert float(usdt["frozenBal"]) >= 100
        assert [d["ccy"] for d in update["data"][0]["details"]] == ["USDT"]


async def test_account_snapshots_repeat_at_the_update_interval_asked_for(world: World) -> None:
    every_2s = {"channel": "account", "ccy": "USDT", "extraParams": '{"updateInterval": "2000"}'}
    events_only = {"channel": "account", "ccy": "BTC", "extraParams": '{"updateInterval": "0"}'}
    async with open_ws(world.url("private")) as alice, open_ws(world.url("private")) as quiet:
        await _logged_in(world, alice)
        await _logged_in(world, quiet)
        await alice.subscribe(every_2s)
        await quiet.subscribe(events_only)
        for ws in (alice, quiet):  # the snapshot on subscribe, in both cases
            assert (await ws.expect(is_push("account")))["eventType"] == "snapshot"
        again = await alice.expect(is_push("account"), timeout=4.0)  # about 2 s later, unprompted
        assert again["eventType"] == "snapshot" and again["curPage"] == 1 and again["lastPage"] is True
        assert [d["ccy"] for d in again["data"][0]["details"]] == ["USDT"]
        await quiet.quiet(is_push("account"), 0.5)  # "0": event pushes only, no periodic snapshot


@pytest.mark.parametrize(
    "extra", ['{"updateInterval": "1000"}', "not json", '["updateInterval"]', '{"updateInterval": true}']
)
async def test_a_bad_update_interval_is_refused(world: World, extra: str) -> None:
    async with open_ws(world.url("private")) as alice:
        await _logged_in(world, alice)
        reply = (await alice.subscribe({"channel": "account", "extraParams": extra}))[0]
        assert reply["event"] == "error" and reply["code"] == "60013" and "updateInterval" in reply["msg"]


async def test_account_ccy_filter(world: World) -> None:
    async with open_ws(world.url("private")) as bob:
        await _logged_in(world, bob, "bob")
        await bob.subscribe({"channel": "account", "ccy": "BTC"})
        snap = await bob.expect(is_push("account"))
        assert [d["ccy"] for d in snap["data"][0]["details"]] == ["BTC"]
        assert snap["arg"]["ccy"] == "BTC"
        await bob.op("order", [limit("buy", "1", "1")])  # freezes USDT only
        await bob.quiet(is_push("account"), 0.4)


async def test_balance_and_position(world: World) -> None:
    async with open_ws(world.url("private")) as bob:
        await _logged_in(world, bob, "bob")
        await bob.subscribe({"channel": "balance_and_position"})
        snap = await bob.expect(is_push("balance_and_position"))
        item = snap["data"][0]
        assert item["eventType"] == "snapshot" and item["posData"] == []
        assert {b["ccy"] for b in item["balData"]} >= {"BTC", "USDT"}
        async with open_ws(world.url("private")) as alice:
            await _logged_in(world, alice)
            await alice.op("order", [limit("buy", "60000", "0.001")])
            await bob.op("order", [limit("sell", "60000", "0.001")])
        update = await bob.expect(
            lambda m: is_push("balance_and_position")(m) and m["data"][0]["eventType"] == "filled"
        )
        assert {b["ccy"] for b in update["data"][0]["balData"]} == {"BTC", "USDT"}


def _detail(account: dict[str, Any], ccy: str) -> dict[str, Any]:
    return next(d for d in account["details"] if d["ccy"] == ccy)


async def test_pushes_only_follow_a_commit(world: World) -> None:
    """A command whose commit fails is never pushed (and its caller gets 50026)."""
    store = world.server.runtime.trading.store
    real_write = store.write

    def failing(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    async with open_ws(world.url("private")) as alice, open_ws(world.url("public")) as market:
        await _logged_in(world, alice)
        await alice.subscribe({"channel": "orders", "instType": "ANY"}, {"channel": "account"})
        await alice.expect(is_push("account"))
        await market.subscribe({"channel": "books", "instId": "ADA-USDT"})
        await market.expect(is_push("books"))
        store.write = failing
        try:
            reply = await alice.op("order", [limit("buy", "0.1", "100", "ADA-USDT")])
        finally:
            store.write = real_write
        assert reply["code"] == "50026" and reply["data"] == []
        await alice.quiet(lambda m: is_push("orders")(m) or is_push("account")(m), 0.5)
        await market.quiet(is_push("books"), 0.1)


async def test_a_31st_connection_on_a_private_channel_gets_channel_conn_count_error(world: World) -> None:
    async with contextlib.AsyncExitStack() as stack:
        conns = [await stack.enter_async_context(open_ws(world.url("private"))) for _ in range(31)]
        for ws in conns:
            await _logged_in(world, ws)
        for n, ws in enumerate(conns[:30], start=1):
            acks = await ws.subscribe({"channel": "orders", "instType": "ANY"})
            assert acks[0]["event"] == "subscribe"
            count = await ws.expect(lambda m: m.get("event") == "channel-conn-count")
            assert count["connCount"] == str(n)
        refused = (await conns[30].subscribe({"channel": "orders", "instType": "ANY"}))[0]
        assert refused == {
            "event": "channel-conn-count-error",
            "channel": "orders",
            "connCount": "30",
            "connId": refused["connId"],
        }
        again = await conns[0].subscribe({"channel": "orders", "instType": "SPOT"})  # already counted
        assert again[0]["event"] == "subscribe"
        other = await conns[30].subscribe({"channel": "account"})  # another channel: its own count
        assert other[0]["event"] == "subscribe"
        both = [{"channel": "orders", "instType": "ANY"}, {"channel": "orders", "instType": "SPOT"}]
        await conns[0].send({"op": "unsubscribe", "args": both})
        await conns[0].expect(lambda m: m.get("event") == "unsubscribe")
        await conns[0].expect(lambda m: m.get("event") == "unsubscribe")
        freed = await conns[30].subscribe({"channel": "orders", "instType": "ANY"})
        assert freed[0]["event"] == "subscribe"


async def test_a_fill_carries_its_own_fee_even_when_the_feed_missed_the_orders_earlier_fills(
    world: World,
) -> None:
    """The `orders` push of a fill shows that fill's fee, as charged. Bob's first fill (default maker
    rate, 0.08 %) happens while he has no connection, then his rate goes up to 0.2 %: the second
    fill costs 0.6 USDT. (The feed used to derive fillFee from the order's total fee, pro rata to
    size when it had not seen the order before: it said -0.48 here.)"""
    bob_rest = AsyncOkxClient(
        world.server.base_url, Credentials(world.bob.api_key, world.bob.secret, PASSPHRASE)
    )
    async with (
        bob_rest,
        AsyncControlClient(world.server.base_url, world.server.runtime.admin_token) as control,
    ):
        ack = await bob_rest.place_order("XRP-USDT", "sell", "limit", "300", px="1.5")
        async with open_ws(world.url("private")) as alice:
            await _logged_in(world, alice)
            first = await alice.op("order", [limit("buy", "1.5", "100", inst_id="XRP-USDT")])
            assert first["data"][0]["sCode"] == "0"
            await control.set_fee_tier(world.bob.uid, maker="0.002")
            try:
                async with open_ws(world.url("private")) as bob:
                    await _logged_in(world, bob, "bob")
                    await bob.subscribe({"channel": "orders", "instType": "SPOT", "instId": "XRP-USDT"})
                    second = await alice.op("order", [limit("buy", "1.5", "200", inst_id="XRP-USDT")], "2")
                    assert second["data"][0]["sCode"] == "0"
                    pushed = await bob.expect(
                        lambda m: is_push("orders")(m) and m["data"][0]["ordId"] == ack.ord_id
                    )
            finally:
                await control.reset_fee_tier(world.bob.uid)
    fill = pushed["data"][0]
    assert (fill["state"], fill["fillSz"], fill["execType"]) == ("filled", "200", "M")
    assert (fill["fillFee"], fill["fillFeeCcy"]) == ("-0.6", "USDT")  # 0.2 % of 300 USDT received
    assert fill["fee"] == "-0.72"  # with the first fill's 0.12 (0.08 % of 150 USDT)
