"""A session hands shared pushes to the connection directly while nothing waits in its outbox.

Subscribers rely on order: a push may skip the outbox only when the outbox is empty and the writer
idle; once anything is queued, later pushes queue behind it. Corked bytes are written once per
turn of the event loop, however many pushes were corked in it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sandex.domain.accounts.model import Environment
from sandex.transport.okx.ws.protocol import Kind
from sandex.transport.okx.ws.sessions import Broadcast, DirectWrite, Flusher, Session
from tests.support.polling import until


class _Connection:
    """The server's side of `DirectWrite`, recording what it was given and written."""

    def __init__(self) -> None:
        self.accepting = True
        self.corked: list[str] = []
        self.written: list[list[str]] = []

    def cork(self, event: dict[str, Any]) -> bool:
        if self.accepting:
            self.corked.append(event["text"])
        return self.accepting

    def uncork(self) -> None:
        if self.corked:
            self.written.append(self.corked)
            self.corked = []


def _session() -> tuple[Session, _Connection]:
    session, connection = Session("c1", Kind.PUBLIC, Environment.LIVE, "127.0.0.1"), _Connection()
    session.write_directly(DirectWrite(connection.cork, connection.uncork), Flusher())
    return session, connection


class _WebSocket:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, event: dict[str, Any]) -> None:
        self.sent.append(event["text"])

    async def send_text(self, text: str) -> None:
        self.sent.append(text)


async def test_pushes_of_one_loop_turn_are_written_together() -> None:
    session, connection = _session()
    session.send(Broadcast("trade"))
    session.send(Broadcast("book"))
    assert connection.written == []  # not before the current callback is over
    await until(lambda: connection.written == [["trade", "book"]], "one write of both pushes")
    session.send(Broadcast("next"))
    await until(lambda: connection.written == [["trade", "book"], ["next"]], "the next turn's write")


async def test_once_something_is_queued_later_pushes_queue_behind_it() -> None:
    session, connection = _session()
    websocket = _WebSocket()
    session.send("pong")  # a frame of this session only: through the outbox
    session.send(Broadcast("trade"))
    connection.accepting = False  # the peer stopped reading: the server refuses to cork
    writer = asyncio.create_task(session.write(websocket))  # type: ignore[arg-type]
    await until(lambda: websocket.sent == ["pong", "trade"], "the queued frames, in order")
    session.send(Broadcast("book"))  # refused by the connection: queued
    await until(lambda: websocket.sent == ["pong", "trade", "book"], "the refused push, queued")
    connection.accepting = True
    session.send(Broadcast("later"))  # outbox empty, writer idle: direct again
    await until(lambda: connection.written == [["later"]], "the direct write")
    assert connection.corked == []
    writer.cancel()
    await asyncio.gather(writer, return_exceptions=True)
