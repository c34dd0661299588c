"""The sequencer lease: who may write exchange state in a database shared by several processes.

Staleness is judged by the database's clock (`ExchangeStore.lease_state`), so hosts with skewed
clocks agree on it and a lease is never written already stale after a statement that waited.
Taking over a stale or dead holder's lease first ends that holder's database sessions
(`ExchangeStore.fence`): a holder frozen inside a commit keeps the lease row locked until its
transaction goes, and a holder that comes back finds its connections gone and its lease taken.
Every takeover increments the lease's `epoch`.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `sandex user …` opens accounts (and names its sessions) without the exchange
    from sandex.services.exchange.store import ExchangeStore

log = logging.getLogger("sandex.lease")

LEASE_STALE_MS = 3_000  # a lease not refreshed for this long (by the database's clock) is free to take
LEASE_WAIT_S = 10.0  # how long a starting server (not a standby) waits for another holder's lease
LEASE_POLL_S = 0.05  # how often a waiting process looks at the lease (a SELECT: a standby takes over sooner)
# PostgreSQL cuts an `application_name` at 63 bytes: the owner must fit whole, it names the sessions
# a takeover ends.
_HOST_CHARS = 40


def _host() -> str:
    return socket.gethostname()[:_HOST_CHARS]


def lease_owner() -> str:
    """This process's lease identity: host, pid (to spot a dead holder on this host) and a nonce.
    It also tags the process's PostgreSQL sessions (`application_name`)."""
    return f"{_host()}:{os.getpid()}:{secrets.token_hex(4)}"


def holder_is_dead(owner: str) -> bool:
    """True when `owner` was a process on this host that no longer runs (it was killed)."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != _host() or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def lease_alive(store: ExchangeStore) -> bool:
    """Whether a live process holds the sequencer lease (then it will apply the inbox)."""
    state = store.lease_state()
    return bool(state.owner) and state.age_ms <= LEASE_STALE_MS and not holder_is_dead(state.owner)


def take_lease(store: ExchangeStore, owner: str) -> bool:
    """Take the lease if it is free or ours; or, when its holder died or let it go stale, end the
    holder's database sessions and take it over. False when a live holder keeps it."""
    state = store.lease_state()
    holder = state.owner
    if holder in ("", owner):
        return store.acquire_lease(owner, None, LEASE_STALE_MS)
    dead = holder_is_dead(holder)
    if not dead and state.age_ms <= LEASE_STALE_MS:
        return False
    ended = store.fence(holder)
    why = "dead" if dead else f"stale ({state.age_ms} ms by the database's clock)"
    log.warning("the sequencer lease of %s is %s: ended %d of its database sessions", holder, why, ended)
    return store.take_over(owner, holder, 0 if dead else LEASE_STALE_MS)
