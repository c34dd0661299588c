"""Prunes old simulated-market history in the background (see `sandex.services.retention`).

Every `interval_s` one round runs through `writer` (the server passes the sequencer's writer
thread: a round runs between two group commits, so on SQLite it neither waits on nor holds up
one); while a batch was full the next round follows at once, each one a separate turn of the
writer, so orders keep flowing in between. What is old is decided by the sandbox clock, so moving
the clock (control API) makes history expire.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from sandex.domain.clock import Clock
from sandex.runtime.aio import cancel_and_wait, holding
from sandex.services.retention import Pruned, Retention

log = logging.getLogger("sandex.retention")

INTERVAL_S = 10.0
Writer = Callable[[Callable[[], Pruned]], Awaitable[Pruned]]


class RetentionKeeper:
    def __init__(
        self,
        retention: Retention,
        clock: Clock,
        *,
        writer: Writer | None = None,
        interval_s: float = INTERVAL_S,
    ) -> None:
        self._retention = retention
        self._clock = clock
        self._writer: Writer = writer or asyncio.to_thread
        self._interval_s = interval_s
        self._busy = threading.Lock()  # held while a round runs (see `paused`)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="sandex-retention")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def prune(self) -> int:
        """Rounds until nothing old is left; the rows deleted."""
        total = 0
        while True:
            pruned = await self._writer(self._round)
            total += pruned.rows
            if not pruned.more:
                return total
            await asyncio.sleep(0)  # other work gets the loop (and the writer) between two rounds

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.prune()
            except Exception:  # the next interval tries again; nothing is lost meanwhile
                log.exception("pruning old history failed; retrying")

    def _round(self) -> Pruned:
        # Never waits for the lock: this runs on the writer thread, which a reset stops while paused.
        if not self._busy.acquire(blocking=False):
            return Pruned(0, more=False)
        try:
            return self._retention.prune(self._clock.now_ms())
        finally:
            self._busy.release()

    def paused(self) -> AbstractAsyncContextManager[None]:
        """No round runs inside the block: the control API wipes or restores the tables it prunes."""
        return holding(self._busy)
