"""The NATS connection of a cluster member, and the subjects one database's processes share.

Core NATS only (request/reply and plain subjects): nothing here relies on the bus keeping a
message. PostgreSQL stays the source of truth: a command is acknowledged once committed there, a
replica that misses a batch sees the gap in the commit count and reloads from the database.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import make_url

log = logging.getLogger("sandex.cluster")

CONNECT_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class Subjects:
    commands: str  # API processes -> the sequencer (request/reply)
    batches: str  # the sequencer -> every API process
    unstored: str  # the sequencer's state that no table holds (marks, halts), asked before a load
    board: str  # the sequencer's simulated reference prices and marks, a few times a second
    clock: str  # the sandbox clock's control changes, from whichever process made them
    faults: str  # the faults armed and which are used up (every process knows what one could hit)
    control: str  # requests an API process hands to the sequencer's process (control, Convert)
    fault_decisions: str  # API processes ask the sequencer's process whether a fault fires

    @classmethod
    def of(cls, cluster: str) -> Subjects:
        return cls(
            f"sandex.{cluster}.cmd",
            f"sandex.{cluster}.batch",
            f"sandex.{cluster}.unstored",
            f"sandex.{cluster}.board",
            f"sandex.{cluster}.clock",
            f"sandex.{cluster}.faults",
            f"sandex.{cluster}.control",
            f"sandex.{cluster}.faults.decide",
        )


def cluster_name(database_url: str, given: str | None = None) -> str:
    """The subjects' middle part: `given`, else a digest of the database's address without its
    password, so that two sandboxes on one NATS server (a CI machine's) never hear each other."""
    if given:
        return given
    plain = make_url(database_url).render_as_string(hide_password=True)
    return hashlib.sha256(plain.encode()).hexdigest()[:12]


async def connect(url: str, name: str) -> Any:
    """A connection that reconnects for ever (a NATS restart must not end a sandex process)."""
    import nats  # deferred: only cluster roles need the client

    client: list[Any] = []  # the connection, once made: closing it on purpose is no loss

    async def disconnected() -> None:
        if client and (client[0].is_closed or client[0].is_draining):
            return
        log.warning("NATS connection lost (%s); reconnecting", url)

    async def reconnected() -> None:
        log.info("NATS connection back (%s)", url)

    async def error(exc: Exception) -> None:
        log.warning("NATS: %s", exc)

    connection = await nats.connect(
        url,
        name=name,
        connect_timeout=CONNECT_TIMEOUT_S,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.2,
        disconnected_cb=disconnected,
        reconnected_cb=reconnected,
        error_cb=error,
        pending_size=64 * 1024 * 1024,
    )
    client.append(connection)
    return connection


async def unsubscribe(subscription: Any) -> None:
    """Drop a subscription, if any; a connection already gone has dropped it."""
    if subscription is None:
        return
    try:
        await subscription.unsubscribe()
    except Exception:
        log.debug("unsubscribing failed (the connection is gone)", exc_info=True)
