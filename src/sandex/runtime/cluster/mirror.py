"""Process state that must be one across a cluster and changes only by control (the sandbox clock,
the faults armed): a change in one process is sent on NATS with the whole state, and every other
process takes it. The state is absolute, so the last change wins everywhere.

    Mirror(subject, name, snapshot=clock_state, restore=restore_clock, listeners=clock.on_change)
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from sandex.runtime.clock import SystemClock
from sandex.runtime.cluster.fault_decisions import spec_from_json, spec_to_json
from sandex.runtime.cluster.link import unsubscribe
from sandex.runtime.faults import FaultRegistry

log = logging.getLogger("sandex.cluster")


class Mirror:
    def __init__(
        self,
        subject: str,
        name: str,
        *,
        snapshot: Callable[[], Any],
        restore: Callable[[Any], None],
        listeners: list[Callable[[], None]],
    ) -> None:
        self._subject = subject
        self._name = name
        self._snapshot = snapshot
        self._restore = restore
        self._listeners = listeners
        self._nats: Any = None
        self._subscription: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: set[asyncio.Task[None]] = set()

    async def start(self, nats: Any) -> None:
        self._nats, self._loop = nats, asyncio.get_running_loop()
        self._subscription = await nats.subscribe(self._subject, cb=self._on_state)
        self._listeners.append(self._changed)

    async def stop(self) -> None:
        if self._changed in self._listeners:
            self._listeners.remove(self._changed)
        subscription, self._subscription = self._subscription, None
        await unsubscribe(subscription)

    def _changed(self) -> None:
        """Called after a control change, on whatever thread made it."""
        data = json.dumps({"from": self._name, "state": self._snapshot()}).encode()
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._publish, data)

    def _publish(self, data: bytes) -> None:
        task = asyncio.get_running_loop().create_task(self._nats.publish(self._subject, data))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _on_state(self, message: Any) -> None:
        try:
            raw = json.loads(message.data)
            if raw["from"] != self._name:
                self._restore(raw["state"])
        except (ValueError, TypeError, KeyError):
            log.warning("a state on %s that does not decode", self._subject, exc_info=True)


def clock_mirror(clock: SystemClock, subject: str, name: str) -> Mirror:
    def restore(state: Any) -> None:
        offset, frozen = state
        clock.restore(int(offset), None if frozen is None else int(frozen))

    return Mirror(
        subject, name, snapshot=lambda: list(clock.state()), restore=restore, listeners=clock.on_change
    )


def faults_mirror(faults: FaultRegistry, subject: str, name: str) -> Mirror:
    """The faults armed, and which are used up: the sequencer's process counts every firing
    (`fault_decisions.py`), the others stop asking about a used-up one."""

    def snapshot() -> Any:
        armed = [[fault_id, spec_to_json(spec)] for fault_id, spec in faults.specs()]
        return {"armed": armed, "spent": faults.spent()}

    def restore(state: Any) -> None:
        faults.mirror([(str(fault_id), spec_from_json(raw)) for fault_id, raw in state["armed"]])
        faults.retire(str(fault_id) for fault_id in state["spent"])

    return Mirror(subject, name, snapshot=snapshot, restore=restore, listeners=faults.on_change)
