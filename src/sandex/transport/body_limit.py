"""Request bodies have a size limit per route family, enforced before anything reads them.

Without one, a single unauthenticated POST made the server buffer hundreds of megabytes before
authentication refused it. The limit applies before the app (and so before authentication):

* a declared `Content-Length` over the limit is refused at once, without reading a byte;
* any other body (chunked, or declared within the limit) is read here, counting bytes, and refused
  as soon as the count passes the limit; the app then gets the body from memory, as one message.

A body that trickles in is the server's business: the connection's request deadline
(`runtime/http_server.py`) covers head and body.

A refusal closes the connection (`Connection: close`), so the rest of an oversized body is never
read. OKX paths answer OKX-style (`{"code":"70413",…}`, HTTP 413: OKX publishes no code for this),
the control API its own error JSON, the console plain text. WebSocket upgrades carry no body and
pass through, as does any request without one (no length, not chunked).

Starlette's own `RequestBodyLimitMiddleware` exists only in recent versions and answers plain text
everywhere, hence this small one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandex.domain.errors import Reason, Rejected
from sandex.transport.control import PREFIX as CONTROL_PREFIX
from sandex.transport.control.errors import ControlFailure, error_response
from sandex.transport.okx.envelope import fail
from sandex.transport.okx.errors import wire_error
from sandex.transport.scope_keys import BODY_READ

KIB = 1024
OKX_LIMIT = 64 * KIB  # OKX's largest request, a 20-order batch, is a few KiB
CONTROL_LIMIT = 256 * KIB  # admin requests are small too; room for scripted bulk set-ups
CONSOLE_LIMIT = 64 * KIB  # the console's forms (sign-up, keys with 20 IPs…) stay under 4 KiB

Answer = Callable[[int], Response]  # limit in bytes -> the refusal


def _too_large(limit: int) -> Rejected:
    return Rejected.of(Reason.BODY_TOO_LARGE, field="body", limit=str(limit))


def okx_answer(limit: int) -> Response:
    return fail(_too_large(limit))


def control_answer(limit: int) -> Response:
    rejected = _too_large(limit)
    entry, message = wire_error(rejected)
    failure = ControlFailure(413, rejected.reason.value, message, code=entry.code, field="body")
    return error_response(failure)


def text_answer(limit: int) -> Response:
    return PlainTextResponse(f"Request body too large: at most {limit} bytes.", status_code=413)


@dataclass(frozen=True, slots=True)
class Family:
    prefix: str  # paths starting with it ("" matches everything)
    limit: int  # bytes
    answer: Answer


FAMILIES: tuple[Family, ...] = (
    Family("/api/v5/", OKX_LIMIT, okx_answer),
    Family(CONTROL_PREFIX + "/", CONTROL_LIMIT, control_answer),
    Family("", CONSOLE_LIMIT, text_answer),  # the console and anything else
)


class BodyLimit:
    """ASGI middleware: refuse a request body over its family's limit before the app sees it."""

    def __init__(self, app: ASGIApp, families: Sequence[Family] = FAMILIES) -> None:
        self._app = app
        self._families = tuple(families)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared, chunked = _framing(scope)
        if declared is None and not chunked:  # no body: nothing to bound
            await self._app(scope, receive, send)
            return
        family = self._family(scope["path"])
        over = declared is not None and declared > family.limit  # refused without reading a byte
        body = None if over else await _read(receive, family.limit)
        if body is None:
            await _refuse(family, scope, receive, send)
        elif isinstance(body, bytes):  # otherwise the client left: no one to answer
            scope[BODY_READ] = body  # for apps that take it from there; others get it replayed
            await self._app(scope, _replay(body, receive), send)

    def _family(self, path: str) -> Family:
        for family in self._families:
            if path.startswith(family.prefix):
                return family
        return self._families[-1]


class _Gone:
    """The client disconnected before its body was complete."""


async def _read(receive: Receive, limit: int) -> bytes | _Gone | None:
    """The whole body, None once it passes `limit` (reading stops there), `_Gone` on a disconnect."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return _Gone()
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` for the app: the body read above as one message, then the server's own."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


async def _refuse(family: Family, scope: Scope, receive: Receive, send: Send) -> None:
    response = family.answer(family.limit)
    response.headers["connection"] = "close"  # the server closes instead of draining the rest
    await response(scope, receive, send)


def _framing(scope: Scope) -> tuple[int | None, bool]:
    """(declared Content-Length or None, chunked?) from the raw headers."""
    declared: int | None = None
    chunked = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            declared = int(value) if value.isdigit() else None
            chunked = chunked or declared is None  # unreadable: count what comes
        elif name == b"transfer-encoding":
            chunked = True
    return declared, chunked
