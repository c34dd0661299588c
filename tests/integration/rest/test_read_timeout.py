"""Slow clients cannot hold connections: a whole request (head and body) must arrive in time.

The server under test uses a short timeout; every wait below is on a condition (the server closing
the socket, an answer arriving) with a generous limit; the one sleep paces a client that asks
well within the timeout.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.client import connect

from sandex.config import Settings
from sandex.domain.faults import FaultKind, FaultSpec
from sandex.testing.server import RunningServer, serve_in_thread
from tests.support.db import migrated_data_dir

READ_TIMEOUT_S = 0.3
WAIT_S = 30.0  # far beyond the timeout: a connection still open by then is held for ever
TIME = b"GET /api/v5/public/time HTTP/1.1\r\nHost: 127.0.0.1\r\n"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    settings = Settings(
        data_dir=migrated_data_dir(tmp_path / "data"), rate_limits="off", header_timeout=READ_TIMEOUT_S
    )
    with serve_in_thread(settings) as running:
        yield running


def open_socket(server: RunningServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=WAIT_S)


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a timeout fails the test)."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def ask_time(server: RunningServer) -> bytes:
    with open_socket(server) as sock:
        sock.sendall(TIME + b"Connection: close\r\n\r\n")
        return read_until_closed(sock)


def test_a_connection_that_never_finishes_its_head_is_closed_while_others_are_served(
    server: RunningServer,
) -> None:
    with open_socket(server) as slow, open_socket(server) as silent:
        slow.sendall(TIME + b"X-Slow: 1\r\n")  # no blank line: the head never ends
        assert ask_time(server).startswith(b"HTTP/1.1 200")
        assert read_until_closed(slow) == b""
        assert read_until_closed(silent) == b""  # opened and never sent a byte


def test_the_next_head_on_a_kept_alive_connection_has_its_own_deadline(server: RunningServer) -> None:
    with open_socket(server) as sock:
        sock.sendall(TIME + b"\r\n")
        first = b""
        while b'"data"' not in first:  # the whole first answer (small: one read or two)
            first += sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        sock.sendall(TIME)  # the second head, unfinished
        assert read_until_closed(sock) == b""


def test_a_kept_alive_connection_asking_steadily_is_not_closed_by_an_earlier_deadline(
    server: RunningServer,
) -> None:
    """Each request's deadline counts from the previous answer, not from when the connection's
    timer was first set (it outlives several requests and must then wait for the rest)."""
    with open_socket(server) as sock:
        for _ in range(8):  # 8 x 0.1 s: past the timer set when the connection opened
            sock.sendall(TIME + b"\r\n")
            answer = b""
            while b'"data"' not in answer:
                chunk = sock.recv(65536)
                assert chunk, "closed while requests kept coming within the read timeout"
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200")
            time.sleep(READ_TIMEOUT_S / 3)
        sock.sendall(TIME)  # then an unfinished head: closed after its own deadline
        assert read_until_closed(sock) == b""


def test_a_slow_answer_and_a_websocket_outlive_the_read_timeout(server: RunningServer) -> None:
    fault = FaultSpec(FaultKind.LATENCY, route="/api/v5/public/time", latency_ms=int(READ_TIMEOUT_S * 5000))
    server.runtime.faults.add(fault)
    ws_url = server.base_url.replace("http://", "ws://") + "/ws/v5/public"
    with connect(ws_url, open_timeout=WAIT_S) as ws:
        assert ask_time(server).startswith(b"HTTP/1.1 200")  # served after 5 read timeouts
        ws.send("ping")
        assert ws.recv(timeout=WAIT_S) == "pong"


def test_a_connection_whose_body_trickles_in_is_closed(server: RunningServer) -> None:
    with open_socket(server) as sock:
        sock.sendall(
            b"POST /api/v5/trade/order HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n["  # 1 of 100 bytes, and no more
        )
        assert read_until_closed(sock) == b""
    assert ask_time(server).startswith(b"HTTP/1.1 200")
