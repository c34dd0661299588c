"""A served sandex for the WebSocket compat tests (imported by module name): two funded traders,
their keys, and optionally TLS (`wss://`, certificates from the data dir's local CA)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from compat_support import PASSPHRASE, Creds

from sandex.app import Runtime, create_app, open_runtime
from sandex.client.control import AsyncControlClient
from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.keys.rules import CreateKeyRequest
from sandex.runtime.http_server import server_config
from sandex.runtime.tls import ensure_tls
from sandex.services.keys.views import CreatedKey


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


@contextmanager
def ws_world(data_dir: Path, *, tls: bool = False) -> Iterator[WsWorld]:
    values: dict[str, Any] = {"data_dir": data_dir, "rate_limits": "off"}
    if "market" in Settings.model_fields:
        values["market"] = False  # the tests make their own trades
    settings = Settings(**values)
    runtime = open_runtime(settings, fast_hashing=True)
    files = ensure_tls(data_dir) if tls else None
    app = create_app(settings, runtime)
    ssl: dict[str, Any] = (
        {} if files is None else {"ssl_certfile": str(files.cert), "ssl_keyfile": str(files.key)}
    )
    config = server_config(app, settings, host="127.0.0.1", port=0, log_level="warning", **ssl)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="sandex-ws-compat", daemon=True)
    thread.start()
    try:
        port = _port(server, thread)
        alice, alice_demo, bob = _people(runtime)
        world = WsWorld(
            port, tls, runtime, app, alice, alice_demo, bob, None if files is None else files.ca_cert
        )
        _run(_fund(world))
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
    accounts, keys = runtime.accounts, runtime.keys.keys

    def key(email: str, env: Environment = Environment.LIVE) -> Creds:
        user = accounts.get_user_by_email(email) or accounts.register(email, "Correct-Horse-9")
        assert not isinstance(user, Rejected), user
        wanted = CreateKeyRequest(f"{env.value}ws", PASSPHRASE, "read_only,trade", "127.0.0.1")
        created = keys.create(user.id, wanted, environment=env)
        assert isinstance(created, CreatedKey), created
        return Creds.of(created)

    return key("alice@example.test"), key("alice@example.test", Environment.DEMO), key("bob@example.test")


async def _fund(world: WsWorld) -> None:
    import ssl

    import httpx

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


def _run(coroutine: Any) -> None:
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result(timeout=30)
