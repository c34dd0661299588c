"""What the cluster tests share: signed requests to a served process, waiting on a condition
(never a duration: a loaded CI box), and running a coroutine to its result from sync code."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Coroutine
from typing import Any

import httpx

from sandex.testing.server import RunningServer
from tests.support.okx import Creds, headers_for
from tests.support.ws import run_to_end

ORDER = "/api/v5/trade/order"
TRANSFER = "/api/v5/asset/transfer"
SETTLE_S = 30.0  # generous: a loaded CI box


def signed_post(server: RunningServer, creds: Creds, path: str, body: dict[str, Any]) -> dict[str, Any]:
    raw = json.dumps(body)
    headers = headers_for(_created(creds), "POST", path, raw, now_ms=int(time.time() * 1000))
    reply: dict[str, Any] = httpx.post(
        server.base_url + path, content=raw, headers={**headers, "Content-Type": "application/json"}
    ).json()
    return reply


def signed_get(server: RunningServer, creds: Creds, target: str) -> dict[str, Any]:
    headers = headers_for(_created(creds), "GET", target, b"", now_ms=int(time.time() * 1000))
    reply: dict[str, Any] = httpx.get(server.base_url + target, headers=headers).json()
    return reply


class _Created:
    """The shape `headers_for` reads of a created key."""

    def __init__(self, creds: Creds) -> None:
        self.secret, self.passphrase = creds.secret, creds.passphrase
        self.info = type("Info", (), {"api_key": creds.api_key, "environment": None})()


def _created(creds: Creds) -> Any:
    return _Created(creds)


def wait_until(condition: Callable[[], Any], what: str = "not reached") -> None:
    deadline = time.monotonic() + SETTLE_S
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def run_to_end_with(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """`run_to_end`, keeping the coroutine's result."""
    box: list[Any] = []

    async def keep() -> None:
        box.append(await coroutine)

    run_to_end(keep())
    return box[0]
