"""The uvicorn server sandex runs in, built in one place for `sandex serve` and the test server.

* Read timeout: uvicorn closes a keep-alive connection that stays silent, but not one that sends
  its request slowly (slowloris: 2,000 connections sending their heads byte by byte held a server's
  descriptors for ever; a body can trickle just the same). `ReadTimeoutProtocol` closes a
  connection whose request (head and body) is not complete within `Settings.header_timeout`
  seconds of the connection opening or of its previous response. Once the request is in, the timer
  stops (a slow handler is not its business); a WebSocket upgrade leaves it behind.
* Keep-alive: idle connections close after `KEEP_ALIVE_S` (uvicorn's default, stated here so it
  stays below the read timeout).
* Open files: the soft RLIMIT_NOFILE is raised to the hard limit, so connections, not a low
  default of 1,024, are what runs out first.
* WebSocket shutdown: uvicorn's sans-I/O WebSocket protocol answers a server shutdown with a close
  frame even when the peer's close is already in (state CLOSING); websockets then raises
  InvalidState from the event loop. `ClosingSafeWebSocketProtocol` only closes the transport then.
* WebSocket fan-out: a push the app marks as shared (`runtime/ws_shared.py`) is encoded and
  compressed once for all its subscribers, not once per connection; for that, permessage-deflate
  is negotiated with `server_no_context_takeover`. The app may also hand such a push straight to
  the connection (`DIRECT_WRITE` in the scope's extensions): `cork` buffers its bytes and
  `uncork` writes everything buffered in one call, with no task switch per connection and push.
* No proxy-header rewriting by uvicorn: the client address is sandex's call (`--trusted-proxy`,
  `transport/okx/client_ip.py`); uvicorn would believe X-Forwarded-For from 127.0.0.1 by default.

loop stays "auto" (uvloop wherever installed); the HTTP/1.1 parser is httptools, which
`uvicorn[standard]` always installs.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections.abc import Hashable
from functools import partial
from typing import Any, Literal, cast

import uvicorn
from starlette.types import ASGIApp
from uvicorn._types import ASGISendEvent
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State
from websockets.server import ServerProtocol

from sandex.config import Settings
from sandex.runtime.ws_shared import DIRECT_WRITE, SHARED_FRAME, deflate_factory, wire_frame, wire_key

KEEP_ALIVE_S = 5
_OPEN = State.OPEN  # read per connection and push in `cork`: a module global is cheaper than the enum

log = logging.getLogger("sandex.server")


class ReadTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, closing connections whose request is late in arriving."""

    def __init__(self, *args: Any, read_timeout_s: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_timeout_s = read_timeout_s
        # The deadline is a number set per request; the one timer of the connection is made only
        # when none is pending and, when it fires early (the deadline moved on), waits for the
        # rest: a keep-alive connection makes a timer every `read_timeout_s`, not one per request
        # (creating and cancelling one per request was ~2 % of an order's CPU).
        self._deadline_at: float | None = None
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.transport.get_protocol() is not self:  # upgraded to a WebSocket
            self._disarm()

    def on_message_complete(self) -> None:  # the parser has a whole request, head and body
        super().on_message_complete()
        if self.cycle is not None and not self.cycle.response_complete:
            self._disarm()  # what follows is the app's time

    def on_response_complete(self) -> None:
        super().on_response_complete()
        cycle = self.cycle  # the next (pipelined) request, if one was read already
        if not self.transport.is_closing() and (cycle is None or cycle.response_complete or cycle.more_body):
            self._arm()  # the next request has its own deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._deadline_at = at = self.loop.time() + self._read_timeout_s
        if self._timer is None:
            self._timer = self.loop.call_at(at, self._on_timer)

    def _disarm(self) -> None:
        self._deadline_at = None  # a pending timer finds nothing to do

    def _on_timer(self) -> None:
        self._timer = None
        at = self._deadline_at
        if at is None:
            return
        if self.loop.time() < at:  # re-armed since the timer was made: wait for the rest
            self._timer = self.loop.call_at(at, self._on_timer)
            return
        self._deadline_at = None
        if self.transport.get_protocol() is self and not self.transport.is_closing():
            self.transport.close()


class ClosingSafeWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol, minus a shutdown race: a connection whose close handshake has
    begun (the peer's close frame arrived) is not sent a second close, it is just dropped. Shared
    pushes are written as bytes encoded once for every connection (`runtime/ws_shared.py`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.config.ws_per_message_deflate:  # uvicorn's settings plus server_no_context_takeover
            self.conn = ServerProtocol(
                extensions=[deflate_factory()],
                max_size=self.config.ws_max_size,
                logger=logging.getLogger("uvicorn.error"),
            )
        self._wire_key: Hashable | None = None
        self._corked: list[bytes] = []

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:  # accepted for the app: it may write shared pushes directly
            extensions = cast(dict[str, Any], scope)["extensions"]
            extensions[DIRECT_WRITE] = {"cork": self.cork, "uncork": self.uncork}

    def cork(self, event: dict[str, Any]) -> bool:
        """Buffer a shared push's bytes until `uncork`; False when it must go through `send`
        (not open, closing, the peer not reading: then the app's queue and its limit apply)."""
        text, shared = event.get("text"), event.get(SHARED_FRAME)
        if (
            shared is None
            or not isinstance(text, str)
            or not self.writable.is_set()
            or self.disconnected
            or self.close_sent
            or self.conn.state is not _OPEN
        ):
            return False
        key = self._shared_key()
        if key is None:
            return False
        wire = shared.get(key)
        if wire is None:
            wire = shared[key] = wire_frame(text, self.conn.extensions)
        self._corked.append(wire)
        return True

    def uncork(self) -> None:
        """Write what `cork` buffered, in one write."""
        if not self._corked:
            return
        corked, self._corked = self._corked, []
        if not self.disconnected and not self.transport.is_closing():
            self.transport.write(corked[0] if len(corked) == 1 else b"".join(corked))

    async def send(self, message: ASGISendEvent) -> None:
        self.uncork()  # frames corked earlier go first
        event = cast(dict[str, Any], message)
        shared: dict[Hashable, bytes] | None = event.get(SHARED_FRAME)
        text = event.get("text")
        key = None if shared is None or not isinstance(text, str) else self._shared_key()
        if shared is None or key is None or not isinstance(text, str):
            await super().send(message)
            return
        await self.writable.wait()
        if self.disconnected:
            raise ClientDisconnected()
        if self.close_sent or self.conn.state is not State.OPEN:
            await super().send(message)  # uvicorn's own answer to a send on a closing connection
            return
        wire = shared.get(key)
        if wire is None:
            wire = shared[key] = wire_frame(text, self.conn.extensions)
        self.transport.write(wire)

    def _shared_key(self) -> Hashable | None:
        """How this connection encodes frames (None: it cannot take shared bytes)."""
        if self._wire_key is None and self.handshake_complete and self.initial_response is None:
            self._wire_key = wire_key(self.conn.extensions)
        return self._wire_key

    def shutdown(self) -> None:
        if self.handshake_complete and self.conn.state is not State.OPEN and not self.close_sent:
            self.stop_keepalive()
            self.transport.close()
            return
        super().shutdown()


def server_config(
    app: ASGIApp,
    settings: Settings,
    *,
    host: str,
    port: int,
    log_level: str,
    access_log: bool = False,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
    lifespan: Literal["auto", "on", "off"] = "auto",
) -> uvicorn.Config:
    """The uvicorn configuration every sandex server uses (and the process's descriptor limit)."""
    raise_open_files_limit()
    protocol = partial(ReadTimeoutProtocol, read_timeout_s=settings.header_timeout)
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
        lifespan=lifespan,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        proxy_headers=False,
        http=cast(type[asyncio.Protocol], protocol),
        ws=ClosingSafeWebSocketProtocol,
        timeout_keep_alive=KEEP_ALIVE_S,
    )


def raise_open_files_limit() -> int:
    """Raise the soft limit on open descriptors to the hard one; returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError) as exc:  # e.g. a sandbox that forbids it: keep going, say so
            log.warning("could not raise the open-files limit from %s to %s: %s", soft, hard, exc)
            return soft
        return hard
    return soft
