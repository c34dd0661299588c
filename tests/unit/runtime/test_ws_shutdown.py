"""A server stops cleanly while a WebSocket peer's close is being handled.

uvicorn's sans-I/O WebSocket protocol closes the transport when the peer's close frame arrives, but
the connection stays in the server's list until `connection_lost` runs on a later loop turn. A
shutdown in between sent a second close frame and websockets raised InvalidState in the server's
thread (a compat test's teardown failed on it now and then). `ClosingSafeWebSocketProtocol`, which
every sandex server uses, only drops such a connection.
"""

from __future__ import annotations

import asyncio
import base64
import os
from typing import Any

import uvicorn
from uvicorn.server import ServerState

from sandex.runtime.http_server import ClosingSafeWebSocketProtocol


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[bytes] = []
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.sent.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


async def _app(scope: Any, receive: Any, send: Any) -> None:
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    await receive()  # the peer's close


def _masked_close_frame() -> bytes:
    mask, payload = os.urandom(4), (1000).to_bytes(2, "big")
    return bytes([0x88, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def test_shutdown_right_after_the_peers_close_raises_nothing() -> None:
    config = uvicorn.Config(_app, ws=ClosingSafeWebSocketProtocol, lifespan="off", log_level="warning")
    config.load()
    protocol = ClosingSafeWebSocketProtocol(config, ServerState(), app_state={})
    transport = _Transport()
    protocol.connection_made(transport)
    key = base64.b64encode(os.urandom(16)).decode()
    protocol.data_received(
        (
            "GET /ws/v5/public HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    for _ in range(100):  # the app accepts on the loop
        if protocol.handshake_complete:
            break
        await asyncio.sleep(0.01)
    assert protocol.handshake_complete and transport.sent[0].startswith(b"HTTP/1.1 101")
    protocol.data_received(_masked_close_frame())
    assert transport.closed and not protocol.close_sent  # closing, not yet lost: the race window
    protocol.shutdown()  # uvicorn's own class raises InvalidState here
    assert transport.closed
    protocol.connection_lost(None)
