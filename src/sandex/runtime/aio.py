"""Small asyncio helpers the runtime's background workers share."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress


@asynccontextmanager
async def holding(lock: threading.Lock) -> AsyncIterator[None]:
    """Hold `lock` (taken by a worker thread between its rounds) for the block. Polled rather than
    awaited in a thread: a cancelled wait never ends up holding the lock."""
    while not lock.acquire(blocking=False):
        await asyncio.sleep(0.002)
    try:
        yield
    finally:
        lock.release()


async def cancel_and_wait(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task (None: nothing running) and wait until it has stopped."""
    if task is not None:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
