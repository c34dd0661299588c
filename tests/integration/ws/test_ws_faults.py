"""WebSocket faults a test injects through the control API: a push dropped, duplicated, or the
connection cut; per channel (or op reply) and per key."""

from __future__ import annotations

import pytest
from websockets.exceptions import ConnectionClosed

from sandex.client.control import AsyncControlClient
from tests.support.okx import limit
from tests.support.ws import World, is_push, open_ws


async def _fault(world: World, kind: str, route: str, **spec: object) -> None:
    async with AsyncControlClient(world.server.base_url, world.server.runtime.admin_token) as control:
        await control.add_fault(kind, route=route, times=1, **spec)


async def _order_frames(world: World) -> list[object]:
    """Alice's orders channel around one order: the frames it gets."""
    async with open_ws(world.url("private")) as alice:
        assert (await alice.login(world.alice))["code"] == "0"
        await alice.subscribe({"channel": "orders", "instType": "ANY"})
        await alice.op("order", [limit("buy", "10000", "0.001")])
        frames = []
        try:
            while True:
                frames.append(await alice.expect(is_push("orders"), timeout=0.5))
        except TimeoutError:
            return frames


async def test_a_dropped_push(world: World) -> None:
    await _fault(world, "ws_drop", "orders")
    assert await _order_frames(world) == []
    assert len(await _order_frames(world)) == 1  # `times=1`: the next one goes through


async def test_a_duplicated_push(world: World) -> None:
    await _fault(world, "ws_duplicate", "orders", api_key=world.alice.api_key)
    frames = await _order_frames(world)
    assert len(frames) == 2 and frames[0] == frames[1]


async def test_a_dropped_op_reply(world: World) -> None:
    """The order is placed, its acknowledgement is lost: what a bot must survive."""
    await _fault(world, "ws_drop", "order")
    async with open_ws(world.url("private")) as alice:
        assert (await alice.login(world.alice))["code"] == "0"
        await alice.subscribe({"channel": "orders", "instType": "ANY"})
        await alice.send(
            {"id": "9", "op": "order", "args": [limit("buy", "10000", "0.001", clOrdId="lostack")]}
        )
        placed = await alice.expect(is_push("orders"))
        assert placed["data"][0]["clOrdId"] == "lostack"
        await alice.quiet(lambda m: isinstance(m, dict) and m.get("id") == "9", 0.5)


async def test_a_cut_connection(world: World) -> None:
    await _fault(world, "ws_disconnect", "books")
    async with open_ws(world.url("public")) as ws:
        await ws.send({"op": "subscribe", "args": [{"channel": "books", "instId": "BTC-USDT"}]})
        with pytest.raises(ConnectionClosed) as closed:
            await ws.expect(lambda m: False, timeout=3)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4006
