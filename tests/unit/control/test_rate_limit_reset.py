"""A reset refills every rate-limit budget, in memory and in Redis (only under the limiter's prefix)."""

from __future__ import annotations

import uuid

from sandex.runtime.ratelimit import MemoryLimiter, RedisLimiter
from sandex.services.ports import RateLimiter

NOW = 1_700_000_000_000


async def _spend(limiter: RateLimiter, key: str) -> bool:
    """Use the whole budget of `key` (2 per second); True if a third request is then refused."""
    assert await limiter.try_acquire(key, 2, 2, 1000, NOW)
    return not await limiter.try_acquire(key, 1, 2, 1000, NOW)


async def test_memory_budgets_are_full_again_after_clear() -> None:
    limiter = MemoryLimiter()
    assert await _spend(limiter, "route|uid:1")
    await limiter.clear()
    assert await limiter.try_acquire("route|uid:1", 2, 2, 1000, NOW)


async def test_redis_clear_refills_its_prefix_and_nothing_else(redis_url: str) -> None:
    mine = RedisLimiter.from_url(redis_url, prefix=f"sandex:test:{uuid.uuid4().hex}:")
    other = RedisLimiter.from_url(redis_url, prefix=f"sandex:test:{uuid.uuid4().hex}:")
    try:
        assert await _spend(mine, "route|uid:1") and await _spend(other, "route|uid:1")
        await mine.clear()
        assert await mine.try_acquire("route|uid:1", 2, 2, 1000, NOW)
        assert not await other.try_acquire("route|uid:1", 1, 2, 1000, NOW)
    finally:
        await mine.clear()
        await other.clear()
        await mine.aclose()
        await other.aclose()
