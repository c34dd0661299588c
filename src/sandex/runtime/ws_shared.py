"""One push, many connections: a frame the app sends to every subscriber is encoded once.

A public push (a trade, a book update) goes to every connection subscribed to its channel. The app
marks such a message by adding `SHARED_FRAME` to its ASGI `websocket.send` event: a dict, one per
push, that the server fills with the push's wire bytes (frame header + payload, compressed or not),
one entry per way of encoding it. The first connection of each kind encodes, the others write the
same bytes. A server that does not know the key ignores it and sends the text as usual.

Compressed bytes can only be shared because every connection negotiates permessage-deflate with
`server_no_context_takeover` (RFC 7692 §7.1.1.1: the server may declare it even when the client did
not ask): each message is then compressed on its own, independently of what that connection was
sent before, so one compressed payload is valid for every connection with the same window size.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from websockets.extensions.base import Extension
from websockets.extensions.permessage_deflate import PerMessageDeflate, ServerPerMessageDeflateFactory
from websockets.frames import Frame, Opcode

SHARED_FRAME = "sandex.shared_frame"  # the ASGI event key (the app side: transport/okx/ws/sessions.py)
PLAIN: Hashable = "plain"


def deflate_factory() -> ServerPerMessageDeflateFactory:
    """uvicorn's permessage-deflate settings, plus `server_no_context_takeover`."""
    return ServerPerMessageDeflateFactory(
        server_no_context_takeover=True,
        server_max_window_bits=12,
        client_max_window_bits=12,
        compress_settings={"memLevel": 5},
    )


def wire_key(extensions: Sequence[Extension]) -> Hashable | None:
    """What a connection's frames depend on, or None when its frames cannot be shared."""
    if not extensions:
        return PLAIN
    deflate = extensions[0]
    if len(extensions) == 1 and isinstance(deflate, PerMessageDeflate) and deflate.local_no_context_takeover:
        return (deflate.local_max_window_bits, tuple(sorted(deflate.compress_settings.items())))
    return None  # a compression context of its own: this connection encodes its frames itself


def wire_frame(text: str, extensions: Sequence[Extension]) -> bytes:
    """A server's (unmasked) text frame, encoded by the connection's own extensions: with no
    context takeover, deflate starts afresh for each message, so the result is the same for every
    connection with the same `wire_key`."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=extensions)
