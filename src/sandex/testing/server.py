"""A real sandex server (uvicorn, real sockets) in a background thread, for tests and notebooks.

    with serve_in_thread(Settings(data_dir=tmp_path)) as server:
        exchange = ccxt.okx({...}); exchange.urls["api"]["rest"] = server.base_url

It listens on 127.0.0.1 on a free port and stops (lifespan shutdown included) when the block ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from sandex.app import create_app
from sandex.config import Settings
from sandex.process import Runtime, open_runtime
from sandex.runtime.http_server import server_config

START_TIMEOUT_S = 20.0


@dataclass(frozen=True, slots=True)
class RunningServer:
    base_url: str  # e.g. http://127.0.0.1:53187 (no trailing slash)
    port: int
    app: FastAPI
    runtime: Runtime


@contextmanager
def serve_in_thread(
    settings: Settings,
    *,
    runtime: Runtime | None = None,
    fast_hashing: bool = True,
    standby: bool = False,
) -> Iterator[RunningServer]:
    """Serve `settings` (host and port are ignored: 127.0.0.1, a free port) until the block ends.

    `fast_hashing` lowers the argon2 cost, as test suites want. `standby`: as `sandex serve
    --standby` (it serves once it holds the sequencer lease)."""
    rt = runtime or open_runtime(settings, fast_hashing=fast_hashing)
    app = create_app(settings, rt, standby=standby)
    config = server_config(app, settings, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="sandex-test-server", daemon=True)
    thread.start()
    try:
        port = _wait_for_port(server, thread)
        yield RunningServer(f"http://127.0.0.1:{port}", port, app, rt)
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT_S)


def _wait_for_port(server: uvicorn.Server, thread: threading.Thread) -> int:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("sandex test server failed to start (see its log)")
        if time.monotonic() > deadline:
            raise TimeoutError("sandex test server did not start in time")
        time.sleep(0.01)
    sockets = [sock for listener in server.servers for sock in listener.sockets]
    port: int = sockets[0].getsockname()[1]
    return port
