"""Keeps the API-key cache of a running server honest, in the background.

Every 250 ms: poll the change counters (another process, e.g. the CLI, revoked or created a key,
or froze a user) so a change anywhere is seen within a second. About once a second: write the
batched key use and auth failures. About once a minute: record keys that expired. Database work
runs in a worker thread so the event loop never waits on it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from sandex.services.auth import AuthService
from sandex.services.keys_maintenance import KeyMaintenance

log = logging.getLogger("sandex.keycache")

POLL_S = 0.25
FLUSH_S = 1.0
SWEEP_S = 60.0


class KeyCacheKeeper:
    def __init__(
        self,
        auth: AuthService,
        maintenance: KeyMaintenance,
        *,
        poll_s: float = POLL_S,
        flush_s: float = FLUSH_S,
        sweep_s: float = SWEEP_S,
    ) -> None:
        self._auth = auth
        self._maintenance = maintenance
        self._poll_s, self._flush_s, self._sweep_s = poll_s, flush_s, sweep_s
        self._last_flush = self._last_sweep = time.monotonic()
        self._task: asyncio.Task[None] | None = None
        self._busy = threading.Lock()  # held while a round of maintenance runs (see `paused`)

    async def start(self) -> None:
        if self._task is None:
            await asyncio.to_thread(self._auth.poll_changes)  # the baseline every later poll compares to
            self._task = asyncio.create_task(self._run(), name="sandex-keycache")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        await asyncio.to_thread(self._flush)  # nothing noted is lost on a clean shutdown

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._poll_s)
            await asyncio.to_thread(self.tick)

    def tick(self) -> None:
        """One round of maintenance (sync: runs in a worker thread). Failures are logged, never raised:
        a database hiccup must not stop the keeper for good."""
        now = time.monotonic()
        with self._busy:
            self._tick(now)

    def _tick(self, now: float) -> None:
        try:
            self._auth.poll_changes()
            if now - self._last_flush >= self._flush_s:
                self._last_flush = now
                self._auth.flush_usage()
            if now - self._last_sweep >= self._sweep_s:
                self._last_sweep = now
                self._maintenance.sweep_expired()
        except Exception:
            log.exception("key cache maintenance failed; retrying")

    @asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """No maintenance runs inside the block: the control API wipes the tables it writes."""
        while not self._busy.acquire(blocking=False):  # polled: a cancelled wait never holds the lock
            await asyncio.sleep(0.002)
        try:
            yield
        finally:
            self._busy.release()

    def _flush(self) -> None:
        try:
            self._auth.flush_usage()
        except Exception:
            log.exception("could not write key usage on shutdown")
