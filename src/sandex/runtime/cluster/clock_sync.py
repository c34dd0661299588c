"""One sandbox clock for every process of a cluster: a control change to the clock (advance, set,
freeze, resume, reset) through any process's control API is sent to all the others, which take
it. The state sent is absolute (offset and frozen instant), so the last change wins everywhere."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from sandex.runtime.clock import SystemClock

log = logging.getLogger("sandex.cluster")


class ClockSync:
    def __init__(self, clock: SystemClock, subject: str, name: str) -> None:
        self._clock = clock
        self._subject = subject
        self._name = name
        self._nats: Any = None
        self._subscription: Any = None
        self._pending: set[Any] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self, nats: Any) -> None:
        self._nats = nats
        self._loop = asyncio.get_running_loop()
        self._subscription = await nats.subscribe(self._subject, cb=self._on_clock)
        self._clock.on_change.append(self._changed)

    async def stop(self) -> None:
        if self._changed in self._clock.on_change:
            self._clock.on_change.remove(self._changed)
        subscription, self._subscription = self._subscription, None
        if subscription is not None:
            try:
                await subscription.unsubscribe()
            except Exception:  # the connection is gone already
                log.debug("unsubscribing from the clock failed", exc_info=True)

    def _changed(self) -> None:
        """Called by the clock, on whatever thread the control API changed it from."""
        offset, frozen = self._clock.state()
        data = json.dumps({"from": self._name, "offset": offset, "frozen": frozen}).encode()
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._publish, data)

    def _publish(self, data: bytes) -> None:
        task = asyncio.get_running_loop().create_task(self._nats.publish(self._subject, data))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _on_clock(self, message: Any) -> None:
        try:
            raw = json.loads(message.data)
            if raw["from"] == self._name:
                return
            frozen = raw["frozen"]
            self._clock.restore(int(raw["offset"]), None if frozen is None else int(frozen))
        except (ValueError, TypeError, KeyError):
            log.warning("a clock message from the bus that does not decode", exc_info=True)
