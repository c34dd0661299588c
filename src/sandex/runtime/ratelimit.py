"""Rate-limit buckets: `MemoryLimiter` (one process) and `RedisLimiter` (several), behaving identically.

Algorithm (both): a sliding-window log. A request of `cost` on `key` at `now_ms` is allowed iff the
costs already admitted on `key` with a timestamp in `(now_ms - window_ms, now_ms + window_ms]`, plus
`cost`, do not exceed `limit`. An allowed request is recorded at `now_ms`; a refused one leaves no
trace (OKX drops refused requests, it does not queue them).

Why a log: OKX budgets behave as "N in any rolling window". A fixed window lets 2N through across a
boundary, and GCRA (a leaky bucket) lets about 2N through in the window after a burst; a log is exact.
Entries more than one window ahead of `now_ms` are forgotten: the clock was moved back (time travel
through the control API); smaller differences (clock skew between processes) still count.

Time is an input: `now_ms` comes from the injected clock; neither the process clock nor Redis TIME is
read, so both implementations give the same answers for the same calls.
"""

from __future__ import annotations

import bisect
import itertools
import os
from collections import OrderedDict, deque
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:  # redis is imported only when a Redis URL is configured (~40 ms at start-up)
    import redis.asyncio as aioredis

# Memory: each call inspects this many of the oldest buckets, dropping idle ones and rotating the rest,
# so every idle bucket is found within (buckets / 2) calls at O(1) cost per call.
_SWEEP_PER_CALL = 2


def _check_cost(cost: int) -> None:
    if cost < 1:
        raise ValueError(f"rate-limit cost must be at least 1, got {cost}")


class _Log:
    """One key's admitted costs as `[ts, cost]` pairs, oldest first (equal timestamps merged)."""

    __slots__ = ("entries", "total", "window_ms")

    def __init__(self, window_ms: int) -> None:
        self.window_ms = window_ms
        self.entries: deque[list[int]] = deque()
        self.total = 0

    def trim(self, now_ms: int) -> None:
        entries = self.entries
        oldest_kept = now_ms - self.window_ms  # entries at or before this have left the window
        while entries and entries[0][0] <= oldest_kept:
            self.total -= entries.popleft()[1]
        newest_kept = now_ms + self.window_ms  # entries after this predate a backward clock move
        while entries and entries[-1][0] > newest_kept:
            self.total -= entries.pop()[1]

    def record(self, now_ms: int, cost: int) -> None:
        entries = self.entries
        if not entries or entries[-1][0] < now_ms:
            entries.append([now_ms, cost])
        elif entries[-1][0] == now_ms:
            entries[-1][1] += cost
        else:  # the clock went back a little: rare, so a sorted insert is fine
            bisect.insort(entries, [now_ms, cost])
        self.total += cost


class MemoryLimiter:
    """In-process buckets. O(1) amortised per call; idle buckets are dropped incrementally.

    A bucket holds at most min(limit, window_ms) entries, since requests in the same ms are merged.
    """

    def __init__(self) -> None:
        self._logs: OrderedDict[str, _Log] = OrderedDict()

    @property
    def bucket_count(self) -> int:
        return len(self._logs)

    async def try_acquire(self, key: str, cost: int, limit: int, window_ms: int, now_ms: int) -> bool:
        return self.acquire(key, cost, limit, window_ms, now_ms)

    def acquire(self, key: str, cost: int, limit: int, window_ms: int, now_ms: int) -> bool:
        """The synchronous core of `try_acquire` (no await inside, so it is atomic on the loop)."""
        _check_cost(cost)
        self._sweep(now_ms)
        log = self._logs.get(key)
        if log is not None:
            log.window_ms = window_ms
            log.trim(now_ms)
        if (log.total if log else 0) + cost > limit:
            return False
        if log is None:
            log = self._logs[key] = _Log(window_ms)
        log.record(now_ms, cost)
        return True

    def _sweep(self, now_ms: int) -> None:
        for _ in range(min(_SWEEP_PER_CALL, len(self._logs))):
            key, log = next(iter(self._logs.items()))
            log.trim(now_ms)
            if log.entries:
                self._logs.move_to_end(key)
            else:
                del self._logs[key]

    async def ready(self) -> None:
        return None

    async def aclose(self) -> None:
        self._logs.clear()

    async def clear(self) -> None:
        """Forget every budget (the control API's reset)."""
        self._logs.clear()


# KEYS[1]: sorted set of admitted units (score = ts). ARGV: cost, limit, oldest_kept, newest_kept, now,
# ttl_ms, member prefix. One member per unit of cost, so ZCARD is the used budget.
_ACQUIRE_LUA = """
local key = KEYS[1]
local cost = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '(' .. ARGV[4], '+inf')
if redis.call('ZCARD', key) + cost > tonumber(ARGV[2]) then
  return 0
end
for i = 1, cost do
  redis.call('ZADD', key, ARGV[5], ARGV[7] .. i)
end
redis.call('PEXPIRE', key, ARGV[6])
return 1
"""


class RedisLimiter:
    """Buckets in Redis, shared by every process using the same server and prefix.

    One Lua script per call (atomic, one round trip). A key holds one member per admitted unit, so at
    most `limit` members. Keys carry a real-time TTL of
    `window + idle_ttl_ms` as garbage collection; it only shows if the injected clock is frozen for
    longer than that (the budget then resets), which MemoryLimiter would not do.
    """

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str = "sandex:rl:",
        idle_ttl_ms: int = 60_000,
        label: str = "redis",
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._idle_ttl_ms = idle_ttl_ms
        self._label = label
        self._script = client.register_script(_ACQUIRE_LUA)
        self._process = os.urandom(6).hex()  # members must be unique across processes
        self._sequence = itertools.count()

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "sandex:rl:", idle_ttl_ms: int = 60_000) -> RedisLimiter:
        import redis.asyncio as aioredis  # deferred: a process without a Redis URL never loads redis

        client = aioredis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        return cls(client, prefix=prefix, idle_ttl_ms=idle_ttl_ms, label=redact_url(url))

    @property
    def prefix(self) -> str:
        return self._prefix

    async def try_acquire(self, key: str, cost: int, limit: int, window_ms: int, now_ms: int) -> bool:
        _check_cost(cost)
        member = f"{self._process}:{next(self._sequence)}:"
        ttl_ms = window_ms + self._idle_ttl_ms
        args = (cost, limit, now_ms - window_ms, now_ms + window_ms, now_ms, ttl_ms, member)
        allowed = await self._script(keys=[self._prefix + key], args=args)
        return bool(allowed)

    async def ready(self) -> None:
        """Fail fast at start-up with a one-line reason when Redis cannot be reached."""
        from redis.exceptions import RedisError

        try:
            await self._client.ping()
        except (RedisError, OSError) as exc:
            raise RuntimeError(f"cannot reach Redis at {self._label} for rate limits: {exc}") from exc

    async def clear(self) -> None:
        """Forget every budget under this prefix (the control API's reset)."""
        keys = [key async for key in self._client.scan_iter(match=self._prefix + "*", count=500)]
        if keys:
            await self._client.delete(*keys)

    async def aclose(self) -> None:
        await self._client.aclose()


def redact_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
