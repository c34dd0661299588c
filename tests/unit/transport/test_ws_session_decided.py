"""A push whose WS fault another process decides (a cluster's API process asks the sequencer's)
waits in its session's outbox in its place: frames behind it are not sent before it, and the
decision acts on it as it would at push time (sent, sent twice, lost, or the connection closed)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.faults import FaultKind
from sandex.transport.okx.ws.protocol import Close, Kind
from sandex.transport.okx.ws.pushes import Pusher
from sandex.transport.okx.ws.sessions import Broadcast, Session
from tests.support.polling import until


class _WebSocket:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closed: int | None = None

    async def send(self, event: dict[str, Any]) -> None:
        self.sent.append(event["text"])

    async def send_text(self, text: str) -> None:
        self.sent.append(text)

    async def close(self, code: int, reason: str) -> None:
        self.closed = code


class _Elsewhere:
    """A fault injector whose WS decisions come later, when the test says."""

    def __init__(self) -> None:
        self.pending: list[asyncio.Future[FaultKind | None]] = []

    def ask_ws(self, channel: str, api_key: str | None) -> asyncio.Future[FaultKind | None]:
        future: asyncio.Future[FaultKind | None] = asyncio.get_running_loop().create_future()
        self.pending.append(future)
        return future


async def _written(decided: FaultKind | None) -> tuple[list[str], int | None, Session]:
    session, websocket, faults = (
        Session("c1", Kind.PRIVATE, Environment.LIVE, "127.0.0.1"),
        _WebSocket(),
        _Elsewhere(),
    )
    pusher = Pusher(faults)  # type: ignore[arg-type]
    writer = asyncio.create_task(session.write(websocket))  # type: ignore[arg-type]
    session.send("before")
    pusher.send(session, "orders", Broadcast("faulted"))
    session.send("after")
    await until(lambda: websocket.sent == ["before"], "the frame ahead of the undecided one")
    await asyncio.sleep(0.01)
    assert websocket.sent == ["before"]  # "after" waits behind the undecided push
    faults.pending[0].set_result(decided)
    if decided is FaultKind.WS_DISCONNECT:
        await asyncio.wait_for(writer, 5)
    else:
        await until(lambda: websocket.sent[-1:] == ["after"], "the frames behind it")
        writer.cancel()
        await asyncio.gather(writer, return_exceptions=True)
    return websocket.sent, websocket.closed, session


@pytest.mark.parametrize(
    ("decided", "sent"),
    [
        (None, ["before", "faulted", "after"]),
        (FaultKind.WS_DUPLICATE, ["before", "faulted", "faulted", "after"]),
        (FaultKind.WS_DROP, ["before", "after"]),
    ],
)
async def test_a_decided_push_keeps_its_place(decided: FaultKind | None, sent: list[str]) -> None:
    assert (await _written(decided))[:2] == (sent, None)


async def test_a_disconnect_decided_later_closes_where_the_push_was() -> None:
    sent, closed, session = await _written(FaultKind.WS_DISCONNECT)
    assert sent == ["before"]  # nothing queued behind the push goes out
    assert closed == Close.ABNORMAL
    assert session.closing == Close.ABNORMAL
