"""Writes candles to storage about once a second (what `MarketData` aggregated from trades).

One write at a time, in a worker thread. A failed write is retried by the next one (the candles
go back to pending); the per-environment trade marks are written in the same transaction, so
after a crash `MarketData.load` replays exactly the trades the stored candles miss.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from sandex.services.marketdata.ports import MarketStore
from sandex.services.marketdata.service import MarketData

log = logging.getLogger("sandex.candles")

FLUSH_S = 1.0


class CandleWriter:
    def __init__(self, data: MarketData, store: MarketStore, interval_s: float = FLUSH_S) -> None:
        self._data = data
        self._store = store
        self._interval_s = interval_s
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        self._stopping = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="sandex-candles")

    async def stop(self) -> None:
        """Write what is pending, then stop."""
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self.flush()

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        async with self._lock:
            yield

    async def flush(self) -> bool:
        """Write what changed since the last write; False when that failed (it will be retried)."""
        async with self._lock:
            flush = self._data.take_flush()
            if flush is None:
                return True
            try:
                await asyncio.to_thread(self._store.save_candles, flush.rows, flush.marks)
            except Exception:
                log.warning(
                    "writing %d candles failed; retrying with the next write", len(flush.rows), exc_info=True
                )
                self._data.flushed(flush, ok=False)
                return False
            self._data.flushed(flush, ok=True)
            return True

    async def _run(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval_s)
            if not self._stopping.is_set():
                await self.flush()
