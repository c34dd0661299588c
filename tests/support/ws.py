"""WebSocket tests: served worlds (real uvicorn, real sockets) with funded users, and a small raw OKX
WebSocket client whose waits keep the frames they skip.

* `served_world` - `serve_in_thread` with alice and bob and their keys (the integration WS tests).
* `ws_world` - uvicorn started here, optionally with TLS (`wss://`, the data dir's local CA), for the
  ccxt.pro and python-okx WebSocket tests.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import ssl
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from sandex.app import create_app
from sandex.client.control import AsyncControlClient
from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.process import Runtime, open_runtime
from sandex.runtime.http_server import server_config
from sandex.runtime.tls import ensure_tls
from sandex.services.accounts.views import UserView
from sandex.testing.server import RunningServer, serve_in_thread
from tests.support.db import migrated_data_dir
from tests.support.factories import ELSEWHERE, api_key, register, registered
from tests.support.okx import Creds, login_args

Message = Any  # a decoded JSON frame, or the bare text "pong"


def ws_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Test settings: no rate limits and no simulated market unless asked (deterministic books)."""
    values: dict[str, Any] = {"data_dir": migrated_data_dir(data_dir), "rate_limits": "off", "market": False}
    values.update(overrides)
    return Settings(**values)


def run_to_end(coroutine: Coroutine[Any, Any, Any]) -> None:
    """Run a coroutine to the end from sync code, even when the caller's thread runs a loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result(timeout=30)


def key_creds(
    runtime: Runtime,
    owner: UserView,
    label: str,
    perm: str = "read_only,trade",
    ip: str = "127.0.0.1",
    env: Environment = Environment.LIVE,
) -> Creds:
    return Creds.of(api_key(runtime.keys.keys, owner.id, label, perm, ip, env), owner.uid)


def subscriptions(gateway: Any, channel: str) -> int:
    """Sessions of `gateway` subscribed to `channel` (read from the test's thread: a snapshot)."""
    sessions = list(gateway.registry.sessions.values())
    return sum(1 for s in sessions if any(t.channel == channel for t in list(s.topics.values())))


# --- served_world: the integration WS tests ----------------------------------------------------------
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
        rt = server.runtime
        alice, bob = register(rt.accounts, "alice@example.test"), register(rt.accounts, "bob@example.test")
        world = World(
            server=server,
            alice=key_creds(rt, alice, "live"),
            alice_demo=key_creds(rt, alice, "demo", env=Environment.DEMO),
            alice_read=key_creds(rt, alice, "read", perm="read_only"),
            alice_elsewhere=key_creds(rt, alice, "elsewhere", ip=ELSEWHERE),
            bob=key_creds(rt, bob, "bob"),
            alice_id=alice.id,
            bob_id=bob.id,
        )
        run_to_end(_fund_served(server, alice.uid, bob.uid))
        yield world


async def _fund_served(server: RunningServer, alice: str, bob: str) -> None:
    async with AsyncControlClient(server.base_url, server.runtime.admin_token) as control:
        await control.deposit(alice, "USDT", "100000")
        await control.deposit(alice, "USDT", "50000", demo=True)
        await control.deposit(bob, "BTC", "10")
        await control.deposit(bob, "USDT", "1000")
        await control.deposit(bob, "XRP", "10000")


# --- ws_world: the WebSocket compat tests (optionally TLS) -------------------------------------------
@dataclass(frozen=True)
class WsWorld:
    port: int
    tls: bool
    runtime: Runtime
    app: Any
    alice: Creds  # live, read + trade: 100,000 USDT
    alice_demo: Creds  # demo: 50,000 demo USDT
    bob: Creds  # live, read + trade: 10 BTC
    ca_path: Path | None

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def ws_base(self, *, demo: bool = False) -> str:
        return f"{'wss' if self.tls else 'ws'}://127.0.0.1:{self.port}{'/demo' if demo else ''}/ws/v5"

    def subscriptions(self, channel: str) -> int:
        """How many connections the server has subscribed to `channel` (a logged-in one, for private
        channels): the server's own record, the real signal that a client is ready for pushes."""
        return subscriptions(self.app.state.ws, channel)


@contextmanager
def ws_world(data_dir: Path, *, tls: bool = False) -> Iterator[WsWorld]:
    settings = ws_settings(data_dir)  # the tests make their own trades: no simulated market
    runtime = open_runtime(settings, fast_hashing=True)
    files = ensure_tls(data_dir) if tls else None
    app = create_app(settings, runtime)
    certs: dict[str, Any] = (
        {} if files is None else {"ssl_certfile": str(files.cert), "ssl_keyfile": str(files.key)}
    )
    config = server_config(app, settings, host="127.0.0.1", port=0, log_level="warning", **certs)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="sandex-ws-compat", daemon=True)
    thread.start()
    try:
        port = _port(server, thread)
        alice, alice_demo, bob = _people(runtime)
        world = WsWorld(
            port, tls, runtime, app, alice, alice_demo, bob, None if files is None else files.ca_cert
        )
        run_to_end(_fund_ws(world))
        yield world
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def _port(server: uvicorn.Server, thread: threading.Thread) -> int:
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    port: int = server.servers[0].sockets[0].getsockname()[1]
    return port


def _people(runtime: Runtime) -> tuple[Creds, Creds, Creds]:
    alice, bob = (
        registered(runtime.accounts, "alice@example.test"),
        registered(runtime.accounts, "bob@example.test"),
    )
    return (
        Creds.of(api_key(runtime.keys.keys, alice.id, "livews")),
        Creds.of(api_key(runtime.keys.keys, alice.id, "demows", environment=Environment.DEMO)),
        Creds.of(api_key(runtime.keys.keys, bob.id, "livews")),
    )


async def _fund_ws(world: WsWorld) -> None:
    accounts = world.runtime.accounts
    alice, bob = (
        accounts.get_user_by_email("alice@example.test"),
        accounts.get_user_by_email("bob@example.test"),
    )
    assert alice is not None and bob is not None
    verify: Any = ssl.create_default_context(cafile=str(world.ca_path)) if world.ca_path else True
    transport = httpx.AsyncHTTPTransport(verify=verify)
    async with AsyncControlClient(world.base_url, world.runtime.admin_token, transport=transport) as control:
        await control.deposit(alice.uid, "USDT", "100000")
        await control.deposit(alice.uid, "USDT", "50000", demo=True)
        await control.deposit(bob.uid, "BTC", "10")


# --- the client ----------------------------------------------------------------------------------
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
