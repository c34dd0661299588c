"""Holding a thread lock from the event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


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
