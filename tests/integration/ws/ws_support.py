"""What the WebSocket tests share (imported by module name): a served world and a small WS client."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from sandex.client.control import AsyncControlClient
from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.keys import signing
from sandex.domain.keys.rules import CreateKeyRequest
from sandex.services.keys.views import CreatedKey
from sandex.testing.server import RunningServer, serve_in_thread

PASSPHRASE = "Sandex#2026"
Message = Any  # a decoded JSON frame, or the bare text "pong"


def ws_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Test settings: no rate limits and no simulated market unless asked (deterministic books)."""
    values: dict[str, Any] = {"data_dir": data_dir, "rate_limits": "off"}
    if "market" in Settings.model_fields:
        values["market"] = False
    values.update(overrides)
    return Settings(**values)


@dataclass(frozen=True)
class Creds:
    api_key: str
    secret: str
    passphrase: str
    uid: str = ""

    @classmethod
    def of(cls, created: CreatedKey, uid: str = "") -> Creds:
        return cls(created.info.api_key, created.secret, created.passphrase, uid)


@dataclass(frozen=True)
class World:
    server: RunningServer
    alice: Creds  # live, read + trade, bound to 127.0.0.1; 100,000 USDT
    alice_demo: Creds  # the same user's demo key; 50,000 demo USDT
    alice_read: Creds  # live, read only
    alice_elsewhere: Creds  # live, bound to an address the tests never come from
    bob: Creds  # live, read + trade; 10 BTC, 10,000 XRP, 1,000 USDT
    alice_id: int
    bob_id: int

    def url(self, kind: str, *, demo: bool = False, query: str = "") -> str:
        prefix = "/demo/ws/v5" if demo else "/ws/v5"
        return f"ws://127.0.0.1:{self.server.port}{prefix}/{kind}{query}"

    @property
    def gateway(self) -> Any:
        return self.server.app.state.ws


@contextmanager
def served_world(data_dir: Path, **settings: Any) -> Iterator[World]:
    with serve_in_thread(ws_settings(data_dir, **settings)) as server:
        accounts, keys = server.runtime.accounts, server.runtime.keys.keys

        def user(email: str) -> Any:
            found = accounts.register(email, "Correct-Horse-9")
            assert not isinstance(found, Rejected), found
            return found

        def key(
            owner: Any,
            label: str,
            perm: str = "read_only,trade",
            ip: str = "127.0.0.1",
            env: Environment = Environment.LIVE,
        ) -> Creds:
            created = keys.create(owner.id, CreateKeyRequest(label, PASSPHRASE, perm, ip), environment=env)
            assert isinstance(created, CreatedKey), created
            return Creds.of(created, owner.uid)

        alice, bob = user("alice@example.test"), user("bob@example.test")
        world = World(
            server=server,
            alice=key(alice, "live"),
            alice_demo=key(alice, "demo", env=Environment.DEMO),
            alice_read=key(alice, "read", perm="read_only"),
            alice_elsewhere=key(alice, "elsewhere", ip="198.51.100.7"),
            bob=key(bob, "bob"),
            alice_id=alice.id,
            bob_id=bob.id,
        )
        _run_soon(_fund(server, alice.uid, bob.uid))
        yield world


def _run_soon(coroutine: Any) -> None:
    """Run a coroutine to the end from sync code, even when the caller's thread runs a loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result(timeout=30)


async def _fund(server: RunningServer, alice: str, bob: str) -> None:
    async with AsyncControlClient(server.base_url, server.runtime.admin_token) as control:
        await control.deposit(alice, "USDT", "100000")
        await control.deposit(alice, "USDT", "50000", demo=True)
        await control.deposit(bob, "BTC", "10")
        await control.deposit(bob, "USDT", "1000")
        await control.deposit(bob, "XRP", "10000")


# --- the client ----------------------------------------------------------------------------------
def login_args(creds: Creds, timestamp: str | int | None = None, **override: Any) -> dict[str, Any]:
    stamp = str(int(time.time())) if timestamp is None else timestamp
    arg = {
        "apiKey": creds.api_key,
        "passphrase": creds.passphrase,
        "timestamp": stamp,
        "sign": signing.sign(creds.secret, signing.ws_login_prehash(str(stamp))),
    }
    arg.update(override)
    return arg


class Conn:
    """A raw OKX WebSocket connection: JSON in and out. Waits pick the frame they want and keep the
    others, in order, for later waits (nothing is lost between two `expect`s)."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.backlog: list[Message] = []

    async def send(self, payload: dict[str, Any] | str) -> None:
        await self.ws.send(payload if isinstance(payload, str) else json.dumps(payload))

    async def recv(self, timeout: float = 5.0) -> Message:
        if self.backlog:
            return self.backlog.pop(0)
        return _decode(await self.recv_raw(timeout))

    async def recv_raw(self, timeout: float = 5.0) -> str:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        return raw if isinstance(raw, str) else raw.decode()

    async def expect(self, wanted: Callable[[Message], bool], timeout: float = 5.0) -> Message:
        """The first frame `wanted` accepts; fails after `timeout` seconds."""
        for i, message in enumerate(self.backlog):
            if wanted(message):
                return self.backlog.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the expected frame did not arrive")
            message = _decode(await self.recv_raw(remaining))
            if wanted(message):
                return message
            self.backlog.append(message)

    async def quiet(self, wanted: Callable[[Message], bool], seconds: float = 0.5) -> None:
        """Assert no frame `wanted` accepts arrives within `seconds` from now (earlier ones are dropped)."""
        self.backlog = [message for message in self.backlog if not wanted(message)]
        try:
            found = await self.expect(wanted, seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected frame: {found}")

    async def login(self, creds: Creds, **override: Any) -> Message:
        await self.send({"op": "login", "args": [login_args(creds, **override)]})
        return await self.expect(lambda m: isinstance(m, dict) and m.get("event") in ("login", "error"))

    async def subscribe(self, *args: dict[str, str], request_id: str | None = None) -> list[Message]:
        """Subscribe; returns the acks or errors, one per arg."""
        request: dict[str, Any] = {"op": "subscribe", "args": list(args)}
        if request_id is not None:
            request["id"] = request_id
        await self.send(request)
        replies = []
        for _ in args:
            replies.append(await self.expect(lambda m: isinstance(m, dict) and m.get("event") in EVENTS))
        return replies

    async def op(self, op: str, args: list[dict[str, Any]], request_id: str = "1", **extra: Any) -> Message:
        await self.send({"id": request_id, "op": op, "args": args, **extra})
        return await self.expect(lambda m: isinstance(m, dict) and m.get("id") == request_id)


EVENTS = ("subscribe", "unsubscribe", "error", "channel-conn-count-error")


def _decode(text: str) -> Message:
    return text if text == "pong" else json.loads(text)


@asynccontextmanager
async def open_ws(url: str, **kwargs: Any) -> AsyncIterator[Conn]:
    async with connect(url, open_timeout=5, **kwargs) as ws:
        yield Conn(ws)


def is_push(channel: str, **arg: str) -> Callable[[Message], bool]:
    def wanted(message: Message) -> bool:
        if not isinstance(message, dict) or "data" not in message or "arg" not in message:
            return False
        got = message["arg"]
        return bool(got.get("channel") == channel and all(got.get(k) == v for k, v in arg.items()))

    return wanted


def limit(side: str, px: str, sz: str, inst_id: str = "BTC-USDT", **extra: str) -> dict[str, str]:
    return {
        "instId": inst_id,
        "tdMode": "cash",
        "side": side,
        "ordType": "limit",
        "px": px,
        "sz": sz,
        **extra,
    }
