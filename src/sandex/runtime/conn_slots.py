"""Connection slots shared by several processes: OKX caps each sub-account at 30 connections per
private WebSocket channel (`orders`, `account`, `positions`, `balance_and_position`), whichever
server of the exchange they reach. One process counts its own sessions (`transport/okx/ws`); API
processes of a cluster (`--workers`, `--role api`) count through Redis (`--redis-url`) with this.

Each slot is a member of a Redis sorted set per (environment, account, channel), scored with the
time it lapses: a process holding a slot refreshes it (`refresh`, from the gateway's housekeeping),
so the slots of a process that died without giving them back lapse after `ttl_ms` instead of
counting forever. Taking is one Lua script: drop the lapsed members, then add this one only when
fewer than `limit` remain (or it is there already), so two processes never both take the last slot.
Time is Redis's own (`TIME`): the lapse times of every process are on one clock.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # redis is imported only when a Redis URL is configured
    import redis.asyncio as aioredis

TTL_MS = 60_000  # a slot nobody refreshes lapses after this

# KEYS[1]: the slot set. ARGV: member, limit, ttl_ms. Returns the count after taking, or -1 (full).
_TAKE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return -1
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
return redis.call('ZCARD', KEYS[1])
"""
# KEYS: slot sets, ARGV[1]: ttl_ms, ARGV[2..]: the member in each set, in order.
_REFRESH_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  if redis.call('ZSCORE', key, ARGV[i + 1]) then
    redis.call('ZADD', key, now + ttl, ARGV[i + 1])
    redis.call('PEXPIRE', key, ttl)
  end
end
return #KEYS
"""


class RedisSlots:
    """Slots in Redis under `prefix`; members are this process's tag plus the connection's id."""

    def __init__(
        self, client: aioredis.Redis, *, prefix: str = "sandex:ws-slots:", ttl_ms: int = TTL_MS
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._ttl_ms = ttl_ms
        self._take = client.register_script(_TAKE_LUA)
        self._refresh = client.register_script(_REFRESH_LUA)
        self._process = os.urandom(6).hex()  # two processes' connection ids may be equal

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "sandex:ws-slots:") -> RedisSlots:
        import redis.asyncio as aioredis  # deferred: a process without a Redis URL never loads redis

        return cls(aioredis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2), prefix=prefix)

    def _member(self, conn_id: str) -> str:
        return f"{self._process}:{conn_id}"

    async def take(self, key: str, conn_id: str, limit: int) -> int | None:
        """The count with this connection's slot taken, or None when `limit` others hold one."""
        count = int(
            await self._take(keys=[self._prefix + key], args=[self._member(conn_id), limit, self._ttl_ms])
        )
        return None if count < 0 else count

    async def give_back(self, key: str, conn_id: str) -> None:
        await self._client.zrem(self._prefix + key, self._member(conn_id))

    async def refresh(self, held: Iterable[tuple[str, str]]) -> None:
        """Keep the slots (key, connection id) of this process's live connections from lapsing."""
        pairs = list(held)
        if pairs:
            keys = [self._prefix + key for key, _ in pairs]
            await self._refresh(keys=keys, args=[self._ttl_ms, *(self._member(c) for _, c in pairs)])

    async def aclose(self) -> None:
        await self._client.aclose()
