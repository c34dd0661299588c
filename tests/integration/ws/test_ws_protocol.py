"""The WebSocket protocol itself: URLs, ping/pong, acks, error events, idle close (reference §6)."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.support.ws import World, is_push, open_ws

CONN_ID = re.compile(r"^[0-9a-f]{8}$")


@pytest.mark.parametrize("kind", ["public", "private", "business"])
async def test_every_url_answers_ping_with_pong(world: World, kind: str) -> None:
    async with open_ws(world.url(kind)) as ws:
        await ws.send("ping")
        assert await ws.recv_raw() == "pong"


async def test_query_strings_such_as_broker_id_are_accepted(world: World) -> None:
    async with open_ws(world.url("public", query="?brokerId=9999&foo=bar")) as ws:
        await ws.send("ping")
        assert await ws.recv_raw() == "pong"


async def test_an_unknown_path_is_refused(world: World) -> None:
    with pytest.raises(InvalidStatus):
        async with open_ws(f"ws://127.0.0.1:{world.server.port}/ws/v5/nowhere"):
            pass


async def test_permessage_deflate_is_negotiated(world: World) -> None:
    async with open_ws(world.url("public")) as ws:
        assert ws.ws.response is not None
        assert "permessage-deflate" in ws.ws.response.headers.get("Sec-WebSocket-Extensions", "")


async def test_one_ack_per_arg_with_the_id_and_the_connection_id(world: World) -> None:
    async with open_ws(world.url("public")) as ws:
        acks = await ws.subscribe(
            {"channel": "trades", "instId": "BTC-USDT"},
            {"channel": "trades", "instId": "ETH-USDT"},
            request_id="1512",
        )
        assert [a["arg"] for a in acks] == [
            {"channel": "trades", "instId": "BTC-USDT"},
            {"channel": "trades", "instId": "ETH-USDT"},
        ]
        assert all(a["event"] == "subscribe" and a["id"] == "1512" for a in acks)
        conn_ids = {a["connId"] for a in acks}
        assert len(conn_ids) == 1 and CONN_ID.match(conn_ids.pop())
        assert list(acks[0]) == ["id", "event", "arg", "connId"]

        await ws.send({"op": "unsubscribe", "args": [{"channel": "trades", "instId": "ETH-USDT"}]})
        reply = await ws.recv()
        arg = {"channel": "trades", "instId": "ETH-USDT"}
        assert reply == {"event": "unsubscribe", "arg": arg, "connId": acks[0]["connId"]}


async def test_each_connection_has_its_own_id(world: World) -> None:
    async with open_ws(world.url("public")) as one, open_ws(world.url("public")) as two:
        first = (await one.subscribe({"channel": "trades", "instId": "BTC-USDT"}))[0]["connId"]
        second = (await two.subscribe({"channel": "trades", "instId": "BTC-USDT"}))[0]["connId"]
        assert first != second


@pytest.mark.parametrize(
    ("kind", "arg", "code"),
    [
        ("public", {"channel": "tickers", "instId": "BTC-INEXISTANT"}, "60018"),
        ("public", {"channel": "no-such-channel", "instId": "BTC-USDT"}, "60018"),
        ("public", {"channel": "candle1m", "instId": "BTC-USDT"}, "64001"),
        ("private", {"channel": "candle1m", "instId": "BTC-USDT"}, "64001"),
        ("business", {"channel": "tickers", "instId": "BTC-USDT"}, "64002"),
        ("business", {"channel": "orders", "instType": "ANY"}, "64002"),
        ("public", {"channel": "orders", "instType": "ANY"}, "60008"),
        ("private", {"channel": "orders", "instType": "ANY"}, "60011"),
        ("private", {"channel": "account"}, "60011"),
        ("public", {"channel": "tickers", "uly": "BTC-USDT"}, "64000"),
        ("public", {"channel": "tickers"}, "60012"),
        ("private", {"channel": "orders"}, "60012"),
        ("public", {"channel": "tickers", "instId": 5}, "60012"),
    ],
)
async def test_subscription_refusals_use_okx_codes(world: World, kind: str, arg: dict, code: str) -> None:
    async with open_ws(world.url(kind)) as ws:
        await ws.send({"id": "77", "op": "subscribe", "args": [arg]})
        reply = await ws.recv()
        assert reply["event"] == "error" and reply["code"] == code, reply
        assert reply["id"] == "77" and CONN_ID.match(reply["connId"])
        assert list(reply) == ["id", "event", "msg", "code", "connId"]


async def test_the_unknown_instrument_error_names_what_was_asked(world: World) -> None:
    async with open_ws(world.url("public")) as ws:
        await ws.send({"op": "subscribe", "args": [{"channel": "tickers", "instId": "BTC-INEXISTANT"}]})
        reply = await ws.recv()
        assert reply["msg"].startswith("Wrong URL or channel:tickers,instId:BTC-INEXISTANT doesn't exist")


async def test_a_bad_arg_does_not_stop_the_good_ones(world: World) -> None:
    async with open_ws(world.url("public")) as ws:
        replies = await ws.subscribe(
            {"channel": "trades", "instId": "NOPE-USDT"}, {"channel": "trades", "instId": "BTC-USDT"}
        )
        assert [r["event"] for r in replies] == ["error", "subscribe"]


@pytest.mark.parametrize(
    "frame",
    [
        '{"op":"subscribe","args":',
        "[1,2]",
        '{"args":[]}',
        '{"op":"subscribe","args":"x"}',
        '{"op":"subscribe"}',
        '{"op":"subscribe","args":[],"id":"not valid!"}',
    ],
)
async def test_malformed_requests_are_60012_quoting_the_request(world: World, frame: str) -> None:
    async with open_ws(world.url("public")) as ws:
        await ws.send(frame)
        reply = await ws.recv()
        assert reply["code"] == "60012" and reply["event"] == "error"
        assert reply["msg"] == f"Invalid request: {frame}"


async def test_an_unknown_op_is_60019(world: World) -> None:
    async with open_ws(world.url("public")) as ws:
        await ws.send({"op": "frobnicate", "args": []})
        reply = await ws.recv()
        assert (reply["code"], reply["msg"]) == ("60019", "Invalid op: frobnicate")


async def test_trading_ops_only_on_the_private_url(world: World) -> None:
    async with open_ws(world.url("public")) as ws:
        await ws.send({"id": "5", "op": "order", "args": [{"instId": "BTC-USDT"}]})
        reply = await ws.recv()
        assert reply["code"] == "60028" and reply["id"] == "5"


async def test_a_quiet_connection_is_closed_with_4004(world: World) -> None:
    world.gateway.idle_timeout_s = 0.5
    try:
        async with open_ws(world.url("public")) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv(timeout=3)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4004
            assert closed.value.rcvd.reason == "No data received in 30s."
    finally:
        world.gateway.idle_timeout_s = 30.0


async def test_pings_keep_a_connection_open(world: World) -> None:
    world.gateway.idle_timeout_s = 0.6
    try:
        async with open_ws(world.url("public")) as ws:
            for _ in range(5):  # 1.5 s in all, well past the idle timeout
                await asyncio.sleep(0.3)
                await ws.send("ping")
                assert await ws.recv_raw() == "pong"
    finally:
        world.gateway.idle_timeout_s = 30.0


async def test_pushes_keep_a_connection_open(world: World) -> None:
    """Data pushed counts as activity: a subscriber to a lively channel needs no pings."""
    world.gateway.idle_timeout_s = 0.6
    world.gateway.market.heartbeat_s = 0.2  # an empty books update every 0.2 s
    try:
        async with open_ws(world.url("public")) as ws:
            await ws.subscribe({"channel": "books", "instId": "ETH-USDT"})
            for _ in range(6):
                await ws.expect(is_push("books", instId="ETH-USDT"), timeout=1)
    finally:
        world.gateway.idle_timeout_s = 30.0
        world.gateway.market.heartbeat_s = 60.0


async def test_binary_frames_are_read_as_text(world: World) -> None:
    async with open_ws(world.url("public")) as ws:
        await ws.ws.send(
            json.dumps({"op": "subscribe", "args": [{"channel": "trades", "instId": "BTC-USDT"}]}).encode()
        )
        assert (await ws.recv())["event"] == "subscribe"
