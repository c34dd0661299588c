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

Without context takeover each compressed message needs a fresh compressor (~10 µs to set up), and a
small message gains little from compression anyway: messages under `MIN_COMPRESSED` bytes (pongs,
acks, small order replies) are sent uncompressed, which RFC 7692 allows message by message (RSV1
clear); clients decode both kinds on the same connection.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from websockets.extensions.base import Extension
from websockets.extensions.permessage_deflate import PerMessageDeflate, ServerPerMessageDeflateFactory
from websockets.frames import CONT, Frame, Opcode
from websockets.typing import ExtensionParameter

MIN_COMPRESSED = 256  # bytes of payload below which a message is sent as it is
SHARED_FRAME = "sandex.shared_frame"  # the ASGI event key (the app side: transport/okx/ws/sessions.py)
DIRECT_WRITE = "sandex.direct_write"  # the scope extension with the connection's `cork` and `uncork`
PLAIN: Hashable = "plain"


class SmallPlainDeflate(PerMessageDeflate):
    """permessage-deflate that leaves small whole messages uncompressed."""

    def encode(self, frame: Frame) -> Frame:
        if frame.fin and frame.opcode is not CONT and len(frame.data) < MIN_COMPRESSED:
            return frame
        return super().encode(frame)


class _Factory(ServerPerMessageDeflateFactory):
    def process_request_params(
        self, params: Sequence[ExtensionParameter], accepted_extensions: Sequence[Extension]
    ) -> tuple[list[ExtensionParameter], PerMessageDeflate]:
        response, made = super().process_request_params(params, accepted_extensions)
        return response, SmallPlainDeflate(
            made.remote_no_context_takeover,
            made.local_no_context_takeover,
            made.remote_max_window_bits,
            made.local_max_window_bits,
            made.compress_settings,
        )


def deflate_factory() -> ServerPerMessageDeflateFactory:
    """uvicorn's permessage-deflate settings, plus `server_no_context_takeover` (and small messages
    left uncompressed)."""
    return _Factory(
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
