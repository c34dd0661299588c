"""Keeps the API-key cache of a running server honest, in the background.

Every 250 ms: poll the change counters (another process, e.g. the CLI, revoked or created a key,
or froze a user) so a change anywhere is seen within a second. Every 5 seconds: write the
batched key use and auth failures. About once a minute: record keys that expired. Database work
runs in a worker thread so the event loop never waits on it; the usage write runs through `writer`
(the server passes the sequencer's writer thread, between group commits): on SQLite a second
writer would make a commit wait for the one write lock in SQLite's busy handler, which sleeps in
steps (1, 2, 5, 10, 15 ms...), so a 10 ms write cost every order in flight ~30 ms. The write goes
to the writer one batch of keys at a time (`UsageBuffer.drain`), its rows built just before its turn
(`UsageBuffer.prepare`), so group commits run between short turns.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from functools import partial, update_wrapper

from sandex.runtime.aio import cancel_and_wait, holding
from sandex.services.keys.auth import AuthService
from sandex.services.keys.maintenance import KeyMaintenance
from sandex.services.keys.usage import Batch

log = logging.getLogger("sandex.keycache")

POLL_S = 0.25
FLUSH_S = 5.0  # the usage write waits its turn between group commits: rare enough not to be felt
SWEEP_S = 60.0
Writer = Callable[[Callable[[], object]], Awaitable[object]]  # runs a database write, in order with others


class KeyCacheKeeper:
    def __init__(
        self,
        auth: AuthService,
        maintenance: KeyMaintenance,
        *,
        poll_s: float = POLL_S,
        flush_s: float = FLUSH_S,
        sweep_s: float = SWEEP_S,
        writer: Writer | None = None,
    ) -> None:
        self._auth = auth
        self._maintenance = maintenance
        self._poll_s, self._flush_s, self._sweep_s = poll_s, flush_s, sweep_s
        self._last_flush = self._last_sweep = time.monotonic()
        self._task: asyncio.Task[None] | None = None
        self._busy = threading.Lock()  # held while a round of maintenance runs (see `paused`)
        self._writer: Writer = writer or asyncio.to_thread

    async def start(self) -> None:
        if self._task is None:
            await asyncio.to_thread(self._auth.poll_changes)  # the baseline every later poll compares to
            self._task = asyncio.create_task(self._run(), name="sandex-keycache")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        await self._flush()  # nothing noted is lost on a clean shutdown

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._poll_s)
            await asyncio.to_thread(self.tick)
            now = time.monotonic()
            if now - self._last_flush >= self._flush_s:
                self._last_flush = now
                await self._flush()

    def tick(self) -> None:
        """One round of maintenance but the usage write (sync: runs in a worker thread). Failures are
        logged, never raised: a database hiccup must not stop the keeper for good."""
        now = time.monotonic()
        with self._busy:
            self._tick(now)

    async def _flush(self) -> None:
        """The batches noted so far, each its own turn on the writer (commits run in between)."""
        # Off the event loop: with thousands of keys in a window, sorting them into batches takes ms.
        for drained in await asyncio.to_thread(self._auth.usage.drain):
            # On the loop, ~1 ms a batch: all batches at once on a worker thread (~45 ms of Python
            # for 10,000 keys) held the GIL against the loop, which then lagged 8-17 ms, not 5-6.
            batch = self._auth.usage.prepare(drained)
            await self._writer(update_wrapper(partial(self._flush_batch, batch), self._flush_batch))

    def _flush_batch(self, batch: Batch) -> None:
        with self._busy:
            try:
                self._auth.write_usage(batch)
            except Exception:
                log.exception("writing key usage failed; the next window is written as usual")

    def _tick(self, now: float) -> None:
        try:
            self._auth.poll_changes()
            if now - self._last_sweep >= self._sweep_s:
                self._last_sweep = now
                self._maintenance.sweep_expired()
        except Exception:
            log.exception("key cache maintenance failed; retrying")

    def paused(self) -> AbstractAsyncContextManager[None]:
        """No maintenance runs inside the block: the control API wipes the tables it writes."""
        return holding(self._busy)
