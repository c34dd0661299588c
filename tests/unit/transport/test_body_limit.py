"""The body limit refuses before the app runs and stops reading an oversized body early."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from starlette.types import Message, Receive, Scope, Send

from sandex.transport.body_limit import BodyLimit

OKX_LIMIT = 64 * 1024
MIB = 1024 * 1024


class Inner:
    """The app behind the limit: records what it received."""

    def __init__(self) -> None:
        self.calls = 0
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        if scope["type"] == "http" and scope["method"] == "POST":
            message = await receive()
            self.bodies.append(message["body"])
            assert not message["more_body"]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


class Endless:
    """A client streaming `chunk`-sized pieces for ever; counts what the server took."""

    def __init__(self, chunk: int = MIB) -> None:
        self.chunk = b"x" * chunk
        self.consumed = 0

    async def __call__(self) -> Message:
        self.consumed += len(self.chunk)
        return {"type": "http.request", "body": self.chunk, "more_body": True}


def scope_for(path: str, headers: dict[str, str], method: str = "POST", kind: str = "http") -> Scope:
    raw = [(name.encode(), value.encode()) for name, value in headers.items()]
    return {"type": kind, "method": method, "path": path, "headers": raw}


async def run(app: BodyLimit, scope: Scope, receive: Receive) -> tuple[int, dict[bytes, bytes], bytes]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    body = b"".join(message.get("body", b"") for message in sent[1:])
    return start["status"], dict(start["headers"]), body


def whole(size: int) -> Receive:
    async def receive() -> Message:
        return {"type": "http.request", "body": b"x" * size, "more_body": False}

    return receive


async def never_read() -> Message:
    raise AssertionError("the body was read")


async def test_a_declared_length_over_the_limit_is_refused_without_reading_or_calling_the_app() -> None:
    inner = Inner()
    scope = scope_for("/api/v5/trade/order", {"content-length": str(500 * MIB)})
    status, headers, body = await run(BodyLimit(inner), scope, never_read)
    assert status == 413
    assert orjson.loads(body) == {
        "code": "70413",
        "msg": "Request body too large: at most 65536 bytes.",
        "data": [],
    }
    assert headers[b"connection"] == b"close"  # the server does not drain the rest
    assert inner.calls == 0


async def test_a_streamed_body_is_read_only_up_to_the_limit() -> None:
    inner, client = Inner(), Endless(chunk=16 * 1024)
    scope = scope_for("/api/v5/account/set-leverage", {"transfer-encoding": "chunked"})
    status, _, body = await run(BodyLimit(inner), scope, client)
    assert status == 413 and orjson.loads(body)["code"] == "70413"
    assert client.consumed <= OKX_LIMIT + 16 * 1024
    assert inner.calls == 0


async def test_a_body_within_the_limit_reaches_the_app_whole() -> None:
    inner = Inner()
    pieces: list[Message] = [
        {"type": "http.request", "body": b"a" * 40_000, "more_body": True},
        {"type": "http.request", "body": b"b" * 25_536, "more_body": False},
    ]

    async def receive() -> Message:
        return pieces.pop(0)

    scope = scope_for("/api/v5/trade/batch-orders", {"transfer-encoding": "chunked"})
    status, _, _ = await run(BodyLimit(inner), scope, receive)
    assert status == 200
    assert inner.bodies == [b"a" * 40_000 + b"b" * 25_536]  # exactly the limit is allowed


@pytest.mark.parametrize(
    ("path", "limit", "check"),
    [
        (
            "/sandex/v1/users",
            256 * 1024,
            lambda body: (
                orjson.loads(body)["error"]
                == {
                    "reason": "body_too_large",
                    "message": "Request body too large: at most 262144 bytes.",
                    "code": "70413",
                    "field": "body",
                }
            ),
        ),
        ("/login", 64 * 1024, lambda body: body == b"Request body too large: at most 65536 bytes."),
    ],
)
async def test_control_api_and_console_answer_in_their_own_format(path: str, limit: int, check: Any) -> None:
    inner = Inner()
    within, over = (scope_for(path, {"content-length": str(size)}) for size in (limit, limit + 1))
    status, _, _ = await run(BodyLimit(inner), within, whole(limit))
    assert status == 200  # the family's limit, not OKX's
    status, _, body = await run(BodyLimit(inner), over, never_read)
    assert status == 413 and check(body)


async def test_requests_without_a_body_and_websockets_pass_untouched() -> None:
    inner = Inner()
    app = BodyLimit(inner)
    status, _, _ = await run(app, scope_for("/api/v5/public/time", {}, method="GET"), never_read)
    assert status == 200
    upgrade = scope_for("/ws/v5/private", {"content-length": str(MIB)}, kind="websocket")

    async def send(_message: Message) -> None:
        return None

    async def ws_inner(scope: Scope, receive: Receive, send: Send) -> None:
        inner.calls += 1

    await BodyLimit(ws_inner)(upgrade, never_read, send)
    assert inner.calls == 2


async def test_a_client_that_leaves_mid_body_gets_no_answer_and_the_app_is_not_called() -> None:
    inner = Inner()
    messages: list[Message] = [
        {"type": "http.request", "body": b"{", "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> Message:
        return messages.pop(0)

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await BodyLimit(inner)(scope_for("/api/v5/trade/order", {"content-length": "100"}), receive, send)
    assert (inner.calls, sent) == (0, [])
