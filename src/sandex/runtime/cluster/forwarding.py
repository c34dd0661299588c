"""What only the sequencer's process can serve, an API process hands over NATS to it, which serves
it with its own app and sends the response back:

* the control API (`/sandex/v1/…`): a test's `advance_clock`, `set_funding_rate`, fault or reset
  through the public port (`--workers`: any API process) acts on the one exchange, as with one
  process;
* Convert (`/api/v5/asset/convert/…`): a firm quote lives in the memory of the process that gave
  it (seconds), so quotes and trades are all served by one process.

The request goes as it came, with the client's address (allow-lists, rate limits and signatures
are checked again there, on the same database).

    app.forward(FORWARDED, Forwarder(lambda: follower.nats, subjects.control))  # an API process
    serve = ForwardedServer(app)                                                # the sequencer's
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("sandex.cluster")

FORWARDED = ("/sandex/v1", "/api/v5/asset/convert/")
TIMEOUT_S = 120.0  # a restore of a large snapshot takes long
MAX_BODY = 64 * 1024 * 1024


class Forwarder:
    """An API process's ASGI handler for the `FORWARDED` paths."""

    def __init__(self, nats: Callable[[], Any], subject: str) -> None:
        self._nats = nats
        self._subject = subject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _body(receive)
        request = {
            "m": scope["method"],
            "p": scope["path"],
            "q": scope.get("query_string", b"").decode("latin-1"),
            "h": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
            "b": base64.b64encode(body).decode(),
            "c": list(scope.get("client") or ("127.0.0.1", 0)),
        }
        try:
            nats = self._nats()
            reply = await nats.request(self._subject, json.dumps(request).encode(), timeout=TIMEOUT_S)
            answer = json.loads(reply.data)
        except Exception as exc:  # no sequencer right now
            log.warning("forwarding a control request failed: %r", exc)
            await _respond(send, 503, [[b"content-type", b"application/json"]], _UNAVAILABLE)
            return
        headers = [[k.encode("latin-1"), v.encode("latin-1")] for k, v in answer["h"]]
        await _respond(send, int(answer["s"]), headers, base64.b64decode(answer["b"]))


class ForwardedServer:
    """The sequencer's side: serve a forwarded request with the process's own app."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def serve(self, data: bytes) -> bytes:
        request = json.loads(data)
        body = base64.b64decode(request["b"])
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request["m"],
            "scheme": "http",
            "path": request["p"],
            "raw_path": request["p"].encode("latin-1"),
            "query_string": request["q"].encode("latin-1"),
            "root_path": "",
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in request["h"]],
            "client": (str(request["c"][0]), int(request["c"][1])),  # as the API process got it
            "server": ("127.0.0.1", 0),
        }
        sent = False
        status, headers, chunks = 500, [], []

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self._app(scope, receive, capture)
        answer = {"s": status, "h": headers, "b": base64.b64encode(b"".join(chunks)).decode()}
        return json.dumps(answer).encode()


_UNAVAILABLE = json.dumps(
    {"error": {"reason": "unavailable", "message": "the cluster's sequencer did not answer; try again"}}
).encode()


async def _body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            break
        parts.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(parts)


async def _respond(send: Send, status: int, headers: list[list[bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
