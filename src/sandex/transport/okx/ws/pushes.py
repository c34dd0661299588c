"""Handing frames to sessions, with the WebSocket faults a test may have injected.

A test asks the control API to drop, duplicate or cut pushes of one channel (or one op's reply);
`ask_ws(channel, api_key)` answers per frame and per session, so a fault can target one key. In a
cluster's API process the answer may come later (the sequencer's process decides): the frame then
waits in the session's outbox, in its place, until it is known.
"""

from __future__ import annotations

from collections.abc import Iterable

from sandex.domain.faults import FaultInjector, FaultKind
from sandex.transport.okx.ws.protocol import Close
from sandex.transport.okx.ws.sessions import Broadcast, Session


class Pusher:
    def __init__(self, faults: FaultInjector | None) -> None:
        self._faults = faults

    def send(self, session: Session, channel: str, frame: str | Broadcast) -> None:
        fault = None if self._faults is None else self._faults.ask_ws(channel, session.api_key)
        if fault is None:
            session.send(frame)
        elif not isinstance(fault, FaultKind):
            session.send_decided(fault, frame)
        elif fault is FaultKind.WS_DUPLICATE:
            session.send(frame)
            session.send(frame)
        elif fault is FaultKind.WS_DISCONNECT:
            session.close(Close.ABNORMAL)
        # FaultKind.WS_DROP: the frame is lost

    def fan_out(self, sessions: Iterable[Session], channel: str, frame: str) -> None:
        """The same frame to every session, encoded and compressed once for all of them."""
        shared = Broadcast(frame)
        for session in tuple(sessions):
            self.send(session, channel, shared)
