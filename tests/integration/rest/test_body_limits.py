"""Request bodies are bounded before authentication, on the order fast lane and everywhere else."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path

from sandex.config import Settings
from sandex.testing.server import serve_in_thread
from tests.support.apps import sandbox
from tests.support.db import migrated_data_dir
from tests.support.rest import LIMIT, trader

TOO_LARGE = {"code": "70413", "msg": "Request body too large: at most 65536 bytes.", "data": []}
WAIT_S = 30.0


async def test_the_largest_legitimate_request_is_served(tmp_path: Path) -> None:
    """A 20-order batch with every text field at its longest: far below the limit."""
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "100000")
        longest = {**LIMIT, "tag": "t" * 16, "stpMode": "cancel_maker", "reduceOnly": False}
        batch = [{**longest, "clOrdId": f"c{n:031d}"} for n in range(20)]
        answer = await alice.post("trade/batch-orders", batch)
        assert answer["code"] == "0" and len(answer["data"]) == 20


async def test_an_oversized_body_is_refused_before_authentication_and_changes_nothing(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "100000")
        big = json.dumps([LIMIT] * 700)  # ~ 70 KB of valid orders
        assert len(big) > 65536
        for path in ("trade/order", "trade/batch-orders", "account/set-leverage"):
            unsigned = await box.client().post(f"/api/v5/{path}", content=big.encode())
            assert (unsigned.status_code, unsigned.json()) == (413, TOO_LARGE)
            signed = await alice.post_raw(path, big)
            assert (signed.status_code, signed.json()) == (413, TOO_LARGE)
        assert (await alice.get("trade/orders-pending"))["data"] == []


async def test_a_streamed_body_is_not_read_past_the_limit(tmp_path: Path) -> None:
    consumed = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal consumed
        while True:
            consumed += 8192
            yield b" " * 8192

    async with sandbox(tmp_path) as box:
        answer = await box.client().post("/api/v5/trade/order", content=endless())
        assert (answer.status_code, answer.json()) == (413, TOO_LARGE)
        assert consumed <= 65536 + 8192


async def test_a_real_server_answers_a_500_mb_post_at_once_and_hangs_up(tmp_path: Path) -> None:
    """Only the head and a few bytes are sent: the answer cannot have waited for the body."""
    with serve_in_thread(
        Settings(data_dir=migrated_data_dir(tmp_path / "data"), rate_limits="off")
    ) as server:
        head = (
            "POST /api/v5/trade/order HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/json\r\nContent-Length: 524288000\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT_S) as sock:
            sock.sendall(head.encode() + b"[" * 1000)
            received = b""
            while chunk := sock.recv(65536):  # until the server closes the connection
                received += chunk
        status_line, _, rest = received.partition(b"\r\n")
        assert status_line.startswith(b"HTTP/1.1 413")
        assert json.loads(rest.partition(b"\r\n\r\n")[2]) == TOO_LARGE
        with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT_S) as sock:
            sock.sendall(b"GET /api/v5/public/time HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200")  # and it still serves normal requests
