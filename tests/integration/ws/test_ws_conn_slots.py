"""OKX caps private-channel connections per account whichever server they reach: two sandex
processes given the same Redis (`--redis-url`, as a cluster's API processes are) count one
account's connections together, and a closed connection frees its slot for the other process."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import sandex.app
from sandex.runtime.conn_slots import RedisSlots
from sandex.transport.okx.ws import gateway
from tests.support.redis_keys import delete_prefix
from tests.support.ws import World, open_ws, run_to_end, served_world

ORDERS = {"channel": "orders", "instType": "ANY"}


@pytest.fixture
def two_servers(
    tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[World, World]]:
    # Each server's first user is alice, id 1: one account as two API processes of a cluster see it.
    prefix = f"sandex-test:ws-slots:{uuid.uuid4().hex}:"
    monkeypatch.setattr(sandex.app, "RedisSlots", _Prefixed(prefix))
    monkeypatch.setattr(gateway, "MAX_PRIVATE_CONNS", 2)
    try:
        with (
            served_world(tmp_path / "a", redis_url=redis_url) as a,
            served_world(tmp_path / "b", redis_url=redis_url) as b,
        ):
            assert a.alice_id == b.alice_id
            yield a, b
    finally:
        run_to_end(delete_prefix(redis_url, prefix))


class _Prefixed:
    def __init__(self, prefix: str) -> None:
        self._prefix = prefix

    def from_url(self, url: str) -> RedisSlots:
        return RedisSlots.from_url(url, prefix=self._prefix)


async def test_one_accounts_connections_on_two_servers_share_the_cap(
    two_servers: tuple[World, World],
) -> None:
    a, b = two_servers
    async with contextlib.AsyncExitStack() as stack:
        first = await stack.enter_async_context(open_ws(a.url("private")))
        second = await stack.enter_async_context(open_ws(b.url("private")))
        third = await stack.enter_async_context(open_ws(a.url("private")))
        for ws, world in ((first, a), (second, b), (third, a)):
            assert (await ws.login(world.alice))["code"] == "0"
        for n, ws in enumerate((first, second), start=1):
            assert (await ws.subscribe(ORDERS))[0]["event"] == "subscribe"
            count = await ws.expect(lambda m: m.get("event") == "channel-conn-count")
            assert count["connCount"] == str(n)  # the other server's connection counts too
        refused = (await third.subscribe(ORDERS))[0]
        assert (refused["event"], refused["connCount"]) == ("channel-conn-count-error", "2")
        other = await third.subscribe({"channel": "account"})  # another channel: its own count
        assert other[0]["event"] == "subscribe"
        await second.ws.close()  # server b gives its slot back once it sees the close
        deadline = time.monotonic() + 10
        while (await third.subscribe(ORDERS))[0]["event"] != "subscribe":
            assert time.monotonic() < deadline, "the closed connection's slot was never given back"
            await asyncio.sleep(0.05)
        count = await third.expect(
            lambda m: m.get("event") == "channel-conn-count" and m["channel"] == "orders"
        )
        assert count["connCount"] == "2"
