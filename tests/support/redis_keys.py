"""Tests that share the machine's Redis keep their keys under a prefix of their own; this removes them."""

from __future__ import annotations

import redis.asyncio as aioredis


async def delete_prefix(url: str, prefix: str) -> None:
    client = aioredis.Redis.from_url(url)
    keys = [key async for key in client.scan_iter(match=prefix + "*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()
