"""Private-channel connection slots shared through Redis (`runtime/conn_slots.py`): the cap holds
across processes, a slot given back is free at once, and a dead process's slots lapse."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from sandex.runtime.conn_slots import RedisSlots
from tests.support.redis_keys import delete_prefix


def _slots(url: str, prefix: str, ttl_ms: int = 60_000) -> RedisSlots:
    return RedisSlots(aioredis.Redis.from_url(url), prefix=prefix, ttl_ms=ttl_ms)


@pytest.fixture
async def prefix(redis_url: str) -> AsyncIterator[str]:
    name = f"sandex-test:slots:{uuid.uuid4().hex}:"
    yield name
    await delete_prefix(redis_url, name)


async def test_two_processes_share_one_cap_and_a_slot_given_back_is_free_again(
    redis_url: str, prefix: str
) -> None:
    a, b = _slots(redis_url, prefix), _slots(redis_url, prefix)
    try:
        assert await a.take("live:1:orders", "c1", 3) == 1
        assert await b.take("live:1:orders", "c1", 3) == 2  # the same connection id in another process
        assert await a.take("live:1:orders", "c2", 3) == 3
        assert await b.take("live:1:orders", "c2", 3) is None  # the account's fourth: refused
        assert await a.take("live:1:orders", "c2", 3) == 3  # a held slot is taken again, not twice
        assert await b.take("live:2:orders", "c2", 3) == 1  # another account counts apart
        assert await b.take("live:1:account", "c2", 3) == 1  # and another channel
        await a.give_back("live:1:orders", "c1")
        assert await b.take("live:1:orders", "c2", 3) == 3
    finally:
        await a.aclose()
        await b.aclose()


async def test_a_dead_process_slots_lapse_while_a_live_one_keeps_them_by_refreshing(
    redis_url: str, prefix: str
) -> None:
    # As the gateway does, the live process refreshes well inside the lapse time (here every
    # 0.25 s for a 2 s lapse: only a stall of over 1.7 s could make this fail).
    dead, live, other = (_slots(redis_url, prefix, ttl_ms=2000) for _ in range(3))
    try:
        assert await dead.take("live:1:orders", "d", 2) == 1
        assert await live.take("live:1:orders", "l", 2) == 2
        assert await other.take("live:1:orders", "o", 2) is None
        for _ in range(11):  # 2.75 s: past the dead one's lapse
            await asyncio.sleep(0.25)
            await live.refresh([("live:1:orders", "l")])
        assert await other.take("live:1:orders", "o", 2) == 2  # the dead one's slot lapsed
        assert await other.take("live:1:orders", "p", 2) is None  # the live one's did not
    finally:
        for slots in (dead, live, other):
            await slots.aclose()
