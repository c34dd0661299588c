"""WebSocket sessions: one per connection, and the registry that finds them for a push.

A session never writes to its socket directly: frames go into its outbox and one writer task per
connection sends them in order, so a push built on the sequencer's task costs a queue append per
subscriber. A client that does not read fills its outbox; past `OUTBOX_LIMIT` frames the session is
closed with 4005 ("buffer full") instead of letting the server's memory grow.

A push for many subscribers is one `Broadcast`: its ASGI event carries a cache the server fills with
the encoded (and compressed) frame, so the frame is encoded once, not once per connection
(`runtime/ws_shared.py`, the server's side of it).

When the server offers it (`DIRECT_WRITE`), a `Broadcast` to a session whose outbox is empty and
whose writer is idle skips the outbox: the connection buffers ("corks") the bytes at once and a
`Flusher` writes every corked connection once the current callback is over, so a commit's trade
and book pushes reach a subscriber in one write. At 500 subscribers the outbox, the writer task's
wake-up and the ASGI send chain per frame were most of the server's CPU. Order is kept: anything
queued goes to the outbox behind the corked bytes, and the server writes corked bytes before any
`send`. A connection that does not keep up (the server stops corking) falls back to the outbox,
so `OUTBOX_LIMIT` still applies.

A push whose WS fault is decided by another process (a cluster's sequencer's) waits in the outbox
as a `_Decided` frame: the writer awaits the decision and then sends it, twice, not at all, or
closes the connection, so frames behind it keep their order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.websockets import WebSocket

from sandex.domain.accounts.model import Environment
from sandex.domain.faults import FaultKind
from sandex.services.keys.auth import Principal
from sandex.transport.okx.ws.channels import Topic
from sandex.transport.okx.ws.protocol import CLOSE_REASONS, Close, Kind

log = logging.getLogger("sandex.ws")

OUTBOX_LIMIT = 20_000  # frames waiting for a slow reader before the connection is closed (4005)

K = TypeVar("K")
TopicKey = tuple[str, str, str, str, str, str]
MarketKey = tuple[Environment, str, str]  # (environment, channel, instId)
SHARED_FRAME = "sandex.shared_frame"  # the ASGI event key the server reads (runtime/ws_shared.py)
DIRECT_WRITE = "sandex.direct_write"  # the scope extension the server offers (runtime/ws_shared.py)


class Broadcast:
    """One frame for many sessions: the same ASGI event, and the wire bytes the server caches in it."""

    __slots__ = ("event",)

    def __init__(self, text: str) -> None:
        self.event: dict[str, Any] = {"type": "websocket.send", "text": text, SHARED_FRAME: {}}


@dataclass(frozen=True, slots=True)
class DirectWrite:
    """The server's direct path for shared pushes (`cork` buffers, False: use `send`; `uncork` writes)."""

    cork: Callable[[dict[str, Any]], bool]
    uncork: Callable[[], None]

    @classmethod
    def offered(cls, scope: Mapping[str, Any]) -> DirectWrite | None:
        found = (scope.get("extensions") or {}).get(DIRECT_WRITE)
        return None if not isinstance(found, dict) else cls(found["cork"], found["uncork"])


class Flusher:
    """Sessions with corked bytes, written out together once the current callback is over, or
    sooner: the sequencer's task publishes a commit and may go on to apply the next batch before
    it yields, so the gateway flushes at the end of its commit handlers."""

    def __init__(self) -> None:
        self._corked: list[Session] = []

    def add(self, session: Session) -> None:
        if not self._corked:
            asyncio.get_running_loop().call_soon(self.flush)
        self._corked.append(session)

    def flush(self) -> None:
        corked, self._corked = self._corked, []
        for session in corked:
            try:
                session.uncork()
            except Exception:  # one broken connection must not hold back the others' bytes
                log.exception("WebSocket write failed")


@dataclass(frozen=True, slots=True)
class _CloseFrame:
    code: int
    reason: str


@dataclass(frozen=True, slots=True)
class _Decided:
    decision: Awaitable[FaultKind | None]  # never raises: a decider that cannot tell says None
    frame: str | Broadcast


_COPIES = {None: 1, FaultKind.WS_DUPLICATE: 2, FaultKind.WS_DROP: 0}


class Session:
    def __init__(self, conn_id: str, kind: Kind, environment: Environment, ip: str) -> None:
        self.conn_id = conn_id
        self.kind = kind
        self.environment = environment
        self.ip = ip
        self.principal: Principal | None = None
        self.topics: dict[TopicKey, Topic] = {}
        # counted private channel -> (its shared slot's key, the account's count when taken)
        self.slots: dict[str, tuple[str, int]] = {}
        self.last_activity = time.monotonic()  # last frame in or out: the 30 s idle rule reads it
        self.closing: int | None = None
        self._outbox: asyncio.Queue[str | Broadcast | _CloseFrame | _Decided] = asyncio.Queue()
        self._direct: DirectWrite | None = None
        self._flusher: Flusher | None = None
        self._corked = False  # bytes wait in the server's cork (this session is in the flusher)
        self._writing = False  # the writer holds a frame from the outbox (not yet written)

    def on_channel(self, channel: str) -> bool:
        """Whether any of this connection's subscriptions is to `channel` (whatever its args)."""
        return any(t.channel == channel for t in self.topics.values())

    @property
    def api_key(self) -> str | None:
        return None if self.principal is None else self.principal.api_key

    def write_directly(self, direct: DirectWrite, flusher: Flusher) -> None:
        """Let shared pushes skip the outbox while it is empty (the server offered `direct`)."""
        self._direct, self._flusher = direct, flusher

    def send(self, frame: str | Broadcast) -> None:
        """Queue a frame (never blocks); an overflowing outbox closes the session with 4005."""
        if self.closing is not None:
            return
        if (
            self._direct is not None
            and type(frame) is Broadcast
            and not self._writing
            and self._outbox.empty()
            and self._direct.cork(frame.event)
        ):
            if not self._corked and self._flusher is not None:
                self._corked = True
                self._flusher.add(self)
            return
        if self._outbox.qsize() >= OUTBOX_LIMIT:
            self.close(Close.BUFFER_FULL)
            return
        self._outbox.put_nowait(frame)

    def send_decided(self, decision: Awaitable[FaultKind | None], frame: str | Broadcast) -> None:
        """Queue a frame whose WS fault is still being decided elsewhere (see the module's doc)."""
        if self.closing is not None:
            return
        if self._outbox.qsize() >= OUTBOX_LIMIT:
            self.close(Close.BUFFER_FULL)
            return
        self._outbox.put_nowait(_Decided(decision, frame))

    def close(self, code: Close) -> None:
        """Close after the frames already queued (the client reads why in the close frame)."""
        if self.closing is None:
            self.closing = code
            self._outbox.put_nowait(_CloseFrame(code, CLOSE_REASONS[code]))

    def uncork(self) -> None:
        """The flusher's turn: the server writes this session's corked bytes."""
        self._corked = False
        if self._direct is not None:
            self._direct.uncork()
            self.last_activity = time.monotonic()

    async def write(self, websocket: WebSocket) -> None:
        """The writer task: send queued frames in order until a close frame or a dead socket."""
        while True:
            frame = await self._outbox.get()
            self._writing = True
            if isinstance(frame, _CloseFrame):
                with contextlib.suppress(Exception):  # the peer may be gone already
                    await websocket.close(frame.code, frame.reason)
                return
            if isinstance(frame, Broadcast):
                await websocket.send(frame.event)
            elif isinstance(frame, _Decided):
                if not await self._write_decided(websocket, frame):
                    return
            else:
                await websocket.send_text(frame)
            self._writing = False
            self.last_activity = time.monotonic()

    async def _write_decided(self, websocket: WebSocket, decided: _Decided) -> bool:
        """Apply a fault decided elsewhere to its frame; False when it closed the connection."""
        fault = await decided.decision
        if fault is FaultKind.WS_DISCONNECT:  # as `close` at push time: nothing behind it is sent
            self.closing = Close.ABNORMAL
            with contextlib.suppress(Exception):
                await websocket.close(Close.ABNORMAL, CLOSE_REASONS[Close.ABNORMAL])
            return False
        frame = decided.frame
        for _ in range(_COPIES.get(fault, 1)):
            if isinstance(frame, Broadcast):
                await websocket.send(frame.event)
            else:
                await websocket.send_text(frame)
        return True


class SessionRegistry:
    """Every open session, indexed by what pushes and key changes look them up by."""

    def __init__(self) -> None:
        self.sessions: dict[str, Session] = {}
        self._market: dict[MarketKey, set[Session]] = {}
        self._users: dict[tuple[Environment, int], set[Session]] = {}
        self._keys: dict[str, set[Session]] = {}
        self._channels: dict[str, int] = {}  # subscriptions per channel, over all sessions

    def add(self, session: Session) -> None:
        self.sessions[session.conn_id] = session

    def remove(self, session: Session) -> None:
        self.sessions.pop(session.conn_id, None)
        for topic in list(session.topics.values()):
            self.unsubscribe(session, topic)
        if session.principal is not None:
            _discard(self._users, (session.environment, session.principal.user_id), session)
            _discard(self._keys, session.principal.api_key, session)

    def logged_in(self, session: Session, principal: Principal) -> None:
        session.principal = principal
        self._users.setdefault((session.environment, principal.user_id), set()).add(session)
        self._keys.setdefault(principal.api_key, set()).add(session)

    def subscribe(self, session: Session, topic: Topic) -> bool:
        """Add the topic; False when the session already had it (acked again, no second stream)."""
        if topic.key in session.topics:
            session.topics[topic.key] = topic
            return False
        session.topics[topic.key] = topic
        self._channels[topic.channel] = self._channels.get(topic.channel, 0) + 1
        if topic.inst_id and not topic.inst_type:
            self._market.setdefault((session.environment, topic.channel, topic.inst_id), set()).add(session)
        return True

    def unsubscribe(self, session: Session, topic: Topic) -> bool:
        if session.topics.pop(topic.key, None) is None:
            return False
        self._channels[topic.channel] -= 1
        if topic.inst_id and not topic.inst_type:
            _discard(self._market, (session.environment, topic.channel, topic.inst_id), session)
        return True

    # --- lookups for pushes ----------------------------------------------------------------------
    def market(self, environment: Environment, channel: str, inst_id: str) -> set[Session]:
        return self._market.get((environment, channel, inst_id), _EMPTY)

    def watched(self) -> Iterable[MarketKey]:
        """Every (environment, channel, instId) someone is subscribed to."""
        return self._market.keys()

    def has_channel(self, channel: str) -> bool:
        """Whether any session subscribes to `channel`."""
        return self._channels.get(channel, 0) > 0

    def of_user(self, environment: Environment, user_id: int) -> set[Session]:
        return self._users.get((environment, user_id), _EMPTY)

    def of_key(self, api_key: str) -> set[Session]:
        return self._keys.get(api_key, _EMPTY)

    def principals(self) -> list[Principal]:
        """One principal per key some session is logged in with."""
        found = (next(iter(sessions)).principal for sessions in self._keys.values() if sessions)
        return [p for p in found if p is not None]

    def count_on(self, environment: Environment, user_id: int, channel: str) -> int:
        """How many of the user's connections are subscribed to a private channel."""
        return sum(1 for s in self.of_user(environment, user_id) if s.on_channel(channel))


_EMPTY: set[Session] = set()


def _discard(index: dict[K, set[Session]], key: K, session: Session) -> None:
    found = index.get(key)
    if found is not None:
        found.discard(session)
        if not found:
            del index[key]
