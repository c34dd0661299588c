"""A push sent to many connections is encoded, and compressed, once for all of them.

The server protocol every sandex server uses negotiates permessage-deflate with
`server_no_context_takeover`, so a compressed message does not depend on what the connection was
sent before; the bytes of a shared push (`SHARED_FRAME` in the ASGI event) are then built by the
first connection of each kind and written as they are by the others. Each connection here is the
real protocol on a fake transport; its frames are parsed and inflated as a client would.

The app may also hand a shared push to the connection directly (`DIRECT_WRITE`): `cork` buffers
it, `uncork` writes all that is buffered in one write, and anything sent later comes after it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import zlib
from collections.abc import Hashable
from typing import Any

import uvicorn
from uvicorn.server import ServerState

from sandex.runtime.http_server import ClosingSafeWebSocketProtocol
from sandex.runtime.ws_shared import DIRECT_WRITE, SHARED_FRAME
from tests.support.polling import until

PUSH = json.dumps(
    {"arg": {"channel": "trades", "instId": "BTC-USDT"}, "data": [{"px": "40000"} for _ in range(20)]}
)
DEFLATE = "permessage-deflate; client_max_window_bits"


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[bytes] = []

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.sent.append(bytes(data))

    def close(self) -> None:
        pass

    def is_closing(self) -> bool:
        return False


class _Peer:
    """One connection: the server protocol, its transport, and the app's `send` once accepted."""

    def __init__(self, offer: str | None) -> None:
        self.send: Any = None
        self.scope: Any = None
        config = uvicorn.Config(
            self._app, ws=ClosingSafeWebSocketProtocol, interface="asgi3", lifespan="off", log_level="warning"
        )
        config.load()
        self.protocol = ClosingSafeWebSocketProtocol(config, ServerState(), app_state={})
        self.transport = _Transport()
        self.protocol.connection_made(self.transport)
        key = base64.b64encode(os.urandom(16)).decode()
        extension = "" if offer is None else f"Sec-WebSocket-Extensions: {offer}\r\n"
        self.protocol.data_received(
            (
                "GET /ws/v5/public HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{extension}\r\n"
            ).encode()
        )

    async def _app(self, scope: Any, receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        self.scope, self.send = scope, send
        await receive()  # held open until the test ends

    @property
    def handshake(self) -> str:
        return self.transport.sent[0].decode("latin-1")

    def frames(self) -> list[tuple[bool, str]]:
        """(compressed, text) of every frame sent after the handshake, inflated as a client does."""
        found = []
        stream = b"".join(self.transport.sent[1:])  # one write may carry several frames
        while stream:
            rsv1, length, start = bool(stream[0] & 0x40), stream[1] & 0x7F, 2
            if length == 126:
                length, start = int.from_bytes(stream[2:4], "big"), 4
            payload = stream[start : start + length]
            assert stream[0] & 0x0F == 1 and stream[0] & 0x80 and not stream[1] & 0x80  # text, FIN, unmasked
            if rsv1:
                payload = zlib.decompressobj(wbits=-15).decompress(payload + b"\x00\x00\xff\xff")
            found.append((rsv1, payload.decode()))
            stream = stream[start + length :]
        return found


async def _peers(*offers: str | None) -> list[_Peer]:
    peers = [_Peer(offer) for offer in offers]
    await until(lambda: all(p.send is not None for p in peers), "every connection accepted")
    return peers


def _shared() -> tuple[dict[str, Any], dict[Hashable, bytes]]:
    cache: dict[Hashable, bytes] = {}
    return {"type": "websocket.send", "text": PUSH, SHARED_FRAME: cache}, cache


async def test_the_server_declares_no_context_takeover_to_a_client_that_did_not_ask() -> None:
    (peer,) = await _peers(DEFLATE)
    assert "permessage-deflate; server_no_context_takeover" in peer.handshake


async def test_one_shared_push_is_compressed_once_for_every_deflate_connection() -> None:
    peers = await _peers(DEFLATE, DEFLATE, DEFLATE)
    event, cache = _shared()
    for peer in peers:
        await peer.send(event)
    assert len(cache) == 1  # one encoding, written to all three
    assert peers[0].transport.sent[1] == peers[1].transport.sent[1] == peers[2].transport.sent[1]
    assert all(peer.frames() == [(True, PUSH)] for peer in peers)


async def test_each_encoding_is_built_once_plain_and_other_windows_included() -> None:
    plain, small_window, default = await _peers(
        None, "permessage-deflate; server_max_window_bits=10", DEFLATE
    )
    event, cache = _shared()
    for peer in (plain, small_window, default, plain, small_window, default):
        await peer.send(event)
    assert len(cache) == 3
    assert "server_max_window_bits=10" in small_window.handshake
    assert plain.frames() == [(False, PUSH)] * 2
    assert small_window.frames() == default.frames() == [(True, PUSH)] * 2


async def test_frames_sent_in_between_do_not_break_the_shared_ones() -> None:
    """Frames of one connection only (acks, private pushes) go through its own encoder; without
    context takeover they leave nothing behind that a shared frame could depend on."""
    one, two = await _peers(DEFLATE, DEFLATE)
    await one.send({"type": "websocket.send", "text": '{"event":"subscribe"}' * 20})
    event, _cache = _shared()
    await one.send(event)
    await two.send(event)
    stream = zlib.decompressobj(wbits=-15)  # one inflater for the whole connection, as clients keep it
    texts = [stream.decompress(frame[2:] + b"\x00\x00\xff\xff").decode() for frame in one.transport.sent[1:]]
    assert texts == ['{"event":"subscribe"}' * 20, PUSH]
    assert one.transport.sent[-1] == two.transport.sent[-1]


async def test_small_messages_go_uncompressed_on_a_deflate_connection() -> None:
    (peer,) = await _peers(DEFLATE)
    small = '{"event":"subscribe","arg":{"channel":"trades","instId":"BTC-USDT"},"connId":"a4d3ae55"}'
    event, _cache = _shared()
    await peer.send({"type": "websocket.send", "text": small})
    await peer.send({"type": "websocket.send", "text": small, SHARED_FRAME: {}})
    await peer.send(event)
    assert peer.frames() == [(False, small), (False, small), (True, PUSH)]


async def test_corked_pushes_go_out_in_one_write_before_anything_sent_later() -> None:
    peer, other = await _peers(DEFLATE, DEFLATE)
    direct = peer.scope["extensions"][DIRECT_WRITE]
    first, cache = _shared()
    second = {**first, "text": PUSH.replace("40000", "40001"), SHARED_FRAME: {}}
    assert direct["cork"](first) and direct["cork"](second)
    assert len(peer.transport.sent) == 1  # only the handshake: nothing written before uncork
    direct["uncork"]()
    assert len(peer.transport.sent) == 2  # both frames in one write
    assert direct["cork"](first)
    await peer.send({"type": "websocket.send", "text": "pong"})  # a frame of its own comes after
    await other.send(first)
    assert other.transport.sent[1] in peer.transport.sent[1]  # the same shared bytes
    assert len(cache) == 1
    assert peer.frames() == [(True, PUSH), (True, second["text"]), (True, PUSH), (False, "pong")]


async def test_a_connection_that_cannot_take_more_refuses_to_cork() -> None:
    """The peer is not reading (the transport asked to pause): the app keeps the push in its own
    outbox, whose limit closes a client that never catches up."""
    (peer,) = await _peers(DEFLATE)
    direct = peer.scope["extensions"][DIRECT_WRITE]
    peer.protocol.pause_writing()
    event, _cache = _shared()
    assert not direct["cork"](event)
    peer.protocol.resume_writing()
    assert direct["cork"](event)
    assert not direct["cork"]({"type": "websocket.send", "text": PUSH})  # not a shared push
