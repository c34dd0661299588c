"""Rolling-window buckets: the same behaviour in memory and in Redis, driven by an injected clock."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from sandex.runtime.ratelimit import MemoryLimiter, RedisLimiter, redact_url
from sandex.services.ports import RateLimiter
from tests.support.redis_keys import delete_prefix

T0 = 1_700_000_000_000
WINDOW = 2000


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[RateLimiter]:
    if request.param == "memory":
        yield MemoryLimiter()
        return
    url: str = request.getfixturevalue("redis_url")
    prefix = f"sandex-test:{uuid.uuid4().hex}:"
    redis_limiter = RedisLimiter.from_url(url, prefix=prefix)
    try:
        yield redis_limiter
    finally:
        await redis_limiter.aclose()
        await delete_prefix(url, prefix)


async def take(
    limiter: RateLimiter, n: int, at: int, *, key: str = "k", limit: int = 10, cost: int = 1
) -> int:
    """How many of n requests at instant `at` were admitted."""
    results = [await limiter.try_acquire(key, cost, limit, WINDOW, at) for _ in range(n)]
    return sum(results)


async def test_limit_then_refused_then_refilled_after_the_window(limiter: RateLimiter) -> None:
    assert await take(limiter, 10, T0) == 10
    assert await take(limiter, 1, T0) == 0
    assert await take(limiter, 1, T0 + WINDOW - 1) == 0
    assert await take(limiter, 11, T0 + WINDOW) == 10


async def test_the_window_rolls_instead_of_resetting_on_a_boundary(limiter: RateLimiter) -> None:
    assert await take(limiter, 6, T0) == 6
    assert await take(limiter, 4, T0 + 1500) == 4
    # A fixed window starting at T0 would hand out a fresh 10 here; a rolling one frees only the first 6.
    assert await take(limiter, 10, T0 + WINDOW) == 6
    assert await take(limiter, 10, T0 + 1500 + WINDOW) == 4


async def test_cost_counts_units(limiter: RateLimiter) -> None:
    assert await take(limiter, 3, T0, cost=4) == 2  # 8 of 10 used; 8 + 4 > 10
    assert await take(limiter, 1, T0, cost=2) == 1
    assert await take(limiter, 1, T0, cost=1) == 0


async def test_a_cost_above_the_limit_never_passes_and_uses_nothing(limiter: RateLimiter) -> None:
    assert await take(limiter, 1, T0, cost=11) == 0
    assert await take(limiter, 10, T0) == 10


async def test_refused_requests_do_not_use_the_budget(limiter: RateLimiter) -> None:
    assert await take(limiter, 10, T0) == 10
    assert await take(limiter, 50, T0 + 1000) == 0
    assert await take(limiter, 10, T0 + WINDOW) == 10


async def test_keys_and_limits_are_independent(limiter: RateLimiter) -> None:
    assert await take(limiter, 10, T0, key="a") == 10
    assert await take(limiter, 10, T0, key="b") == 10
    assert await take(limiter, 3, T0, key="c", limit=2) == 2


async def test_a_clock_moved_back_beyond_a_window_forgets_the_future(limiter: RateLimiter) -> None:
    assert await take(limiter, 10, T0 + 10_000) == 10
    assert await take(limiter, 10, T0) == 10


async def test_a_clock_slightly_behind_still_counts_recent_requests(limiter: RateLimiter) -> None:
    assert await take(limiter, 10, T0 + 100) == 10  # e.g. another process whose clock runs 100 ms ahead
    assert await take(limiter, 1, T0) == 0
    assert await take(limiter, 1, T0 + 100 + WINDOW) == 1


async def test_requests_recorded_out_of_order_expire_in_time_order(limiter: RateLimiter) -> None:
    assert await take(limiter, 5, T0 + 100, limit=8) == 5
    assert await take(limiter, 4, T0, limit=8) == 3  # a clock slightly behind records an earlier instant
    assert await take(limiter, 5, T0 + WINDOW, limit=8) == 3  # only those three have left the window
    assert await take(limiter, 6, T0 + 100 + WINDOW, limit=8) == 5


async def test_concurrent_requests_never_overshoot(limiter: RateLimiter) -> None:
    results = await asyncio.gather(*(limiter.try_acquire("k", 1, 10, WINDOW, T0) for _ in range(40)))
    assert sum(results) == 10


async def test_cost_below_one_is_a_bug(limiter: RateLimiter) -> None:
    with pytest.raises(ValueError, match="cost"):
        await limiter.try_acquire("k", 0, 10, WINDOW, T0)


def test_idle_memory_buckets_are_dropped() -> None:
    limiter = MemoryLimiter()
    for i in range(1000):
        assert limiter.acquire(f"ip:{i}", 1, 10, WINDOW, T0)
    limiter.acquire("busy", 1, 10, 60_000, T0)
    assert limiter.bucket_count == 1001
    for _ in range(600):  # later traffic on one key sweeps the idle ones away
        limiter.acquire("hot", 1, 10_000, WINDOW, T0 + WINDOW)
    assert limiter.bucket_count == 2  # "hot", and "busy" whose minute-long window is still open
    assert limiter.acquire("ip:1", 10, 10, WINDOW, T0 + WINDOW)  # a dropped bucket starts afresh


def test_refusals_create_no_memory_bucket() -> None:
    limiter = MemoryLimiter()
    assert not limiter.acquire("k", 11, 10, WINDOW, T0)
    assert limiter.bucket_count == 0


async def test_redis_keys_expire_when_idle(redis_url: str) -> None:
    prefix = f"sandex-test:{uuid.uuid4().hex}:"
    limiter = RedisLimiter.from_url(redis_url, prefix=prefix, idle_ttl_ms=5000)
    client = aioredis.Redis.from_url(redis_url)
    try:
        assert not await limiter.try_acquire("refused", 11, 10, WINDOW, T0)
        assert await client.exists(prefix + "refused") == 0
        assert await limiter.try_acquire("k", 1, 10, WINDOW, T0)
        assert 0 < await client.pttl(prefix + "k") <= WINDOW + 5000
    finally:
        await limiter.aclose()
        await client.aclose()
        await delete_prefix(redis_url, prefix)


async def test_unreachable_redis_fails_start_up_with_one_line_and_no_password() -> None:
    limiter = RedisLimiter.from_url("redis://user:s3cret@127.0.0.1:1/0")
    expected = r"cannot reach Redis at redis://user:\*\*\*@127\.0\.0\.1:1/0"
    with pytest.raises(RuntimeError, match=expected) as info:
        await limiter.ready()
    assert "s3cret" not in str(info.value)
    await limiter.aclose()


def test_redact_url() -> None:
    assert redact_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert redact_url("redis://:pw@h:1/2") == "redis://:***@h:1/2"
