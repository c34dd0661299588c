"""WebSocket fan-out: N clients on `books` + `trades` of one instrument, messages/s and delivery lag.

    python bench/bench_ws.py [--clients 100] [--seconds 30] [--inst BTC-USDT] [--takers 0] [--procs 1]
                             [--compare /path/to/other/checkout/src --rounds 3]

Starts `sandex serve` in its own process (a fresh data dir, the built-in market on: "default market
activity"), connects `--clients` WebSocket clients (permessage-deflate, as ccxt.pro and
python-okx negotiate it), each subscribed to `books` and `trades` of `--inst`, and
counts every frame for `--seconds`. Lag, on the same machine's clock:

* trades: from the match (the trade's `ts`, the sequencer's time of the command) to delivery;
* books: from the push's `ts` (the commit being published) to delivery.

`--takers R` adds R crossing orders per second of our own (two funded users trading with each
other through the WS `order` op) on top of the simulated market. Target: p99 trade lag < 50 ms.

The clients are cheap on purpose, so that the lag measures the server and not the clients
fighting it for the same cores: they run in `--procs` processes of their own, each a plain epoll
loop over raw sockets that only keeps every chunk with its arrival time, stamped by the kernel
(SO_TIMESTAMPNS: when the bytes reached the socket, not when this process got round to reading
them, which on a loaded box can be much later; a read that returns several frames stamps them
all with the newest one's time, so a late reader can only overstate the lag). Each
client still negotiates permessage-deflate as `websockets` (ccxt.pro, python-okx) does; frames are
parsed, inflated and JSON-decoded after the window, every one of them (a frame's arrival is the
arrival of its last byte). The receiving loop's CPU is printed beside the server's. Per books
update and per trade, the first client's lag is the server's time before the fan-out (for a
trade: matching and the commit) and the spread to the last client is the fan-out itself.

`--compare SRC` runs the same measurement on a second server importing sandex from SRC (another
checkout's `src`, e.g. the code before a change), alternating the two for `--rounds` rounds in one
sitting, and prints the medians side by side with the load average: the box is shared and noisy,
so only comparisons made in the same run mean anything.

`--server-nice -10` runs the server at a higher scheduling priority (root only): on a box shared
with other work, the lag then shows the server's own latency rather than its waits for a core
(the arrival times are the kernel's, so the clients' priority does not matter). Say so beside any
figure measured with it.

`--send-path` measures only the server's send path, in this process, on no sockets: the CPU time
to hand one push to `--clients` connections (uvicorn's protocol on fake transports, every client
having negotiated permessage-deflate), with uvicorn's own protocol (each connection compresses the
frame) and with sandex's (`ClosingSafeWebSocketProtocol`: one shared encoding). CPU time, so
it is steady on a busy box.

The issue's figure: `python bench/bench_ws.py --clients 500 --takers 40 --seconds 15 --rounds 3
--compare <checkout of the old code>/src`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import concurrent.futures
import json
import os
import select
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

from sandex.client.control import AsyncControlClient
from sandex.domain.keys import signing

TARGET_P99_MS = 50.0
SO_TIMESTAMPNS = 35  # Linux; not in the socket module: arrival times stamped by the kernel
ANCILLARY_SIZE = socket.CMSG_SPACE(16)  # one struct timespec


@dataclass
class Stats:
    frames: int = 0
    books: int = 0
    trades: int = 0
    gaps: int = 0
    trade_lag_ms: list[float] = field(default_factory=list)
    book_lag_ms: list[float] = field(default_factory=list)
    window: tuple[float, float] = (0.0, 0.0)  # wall-clock start and end of the counted seconds
    server_cpu_s: float = float("nan")  # the server process's CPU time over the window
    client_cpu_s: float = 0.0  # the client processes' CPU time receiving (decoding after the run excluded)
    # per `books` update (seqId): its ts, and the first and last arrival over all clients (ms)
    book_spread: dict[int, tuple[int, float, float]] = field(default_factory=dict)
    trade_spread: dict[int, tuple[int, float, float]] = field(default_factory=dict)  # per tradeId, the same


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(data_dir: Path, port: int, src: str | None = None, nice: int = 0) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if src is not None:  # the other checkout's sandex first on the path
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandex",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--rate-limits",
            "off",
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        preexec_fn=(lambda: os.setpriority(os.PRIO_PROCESS, 0, nice)) if nice else None,
    )


async def wait_ready(base: str) -> None:
    deadline = time.monotonic() + 90  # a loaded box starts slowly
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            try:
                if (await http.get(f"{base}/api/v5/public/time", timeout=1)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("sandex did not start")


class RawConnection:
    """A minimal WebSocket client: the handshake (permessage-deflate offered as the `websockets`
    library, which ccxt.pro and python-okx use, offers it), one masked subscribe frame, then only
    `recv` with the arrival time of every chunk. Frames are parsed, inflated and decoded after the
    run (`frames`), so the measuring side costs a system call per wake-up, not a JSON decode per frame."""

    def __init__(self, port: int, inst_id: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET /ws/v5/public HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            more = self.sock.recv(65536)
            if not more:
                raise ConnectionError("closed during the handshake")
            head += more
        head, rest = head.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.decode(errors="replace"))
        extensions = [
            line.split(b":", 1)[1].strip().lower()
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-extensions:")
        ]
        self.deflate = any(e.startswith(b"permessage-deflate") for e in extensions)
        self.fresh_context = any(b"server_no_context_takeover" in e for e in extensions)
        self.chunks: list[tuple[float, bytes]] = [(time.time(), rest)] if rest else []
        topics = [{"channel": "books", "instId": inst_id}, {"channel": "trades", "instId": inst_id}]
        self.sock.sendall(_masked_text(json.dumps({"op": "subscribe", "args": topics}).encode()))
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.setblocking(False)

    def frames(self) -> Iterator[tuple[float, str]]:
        """Every text message received, with the arrival time of its last byte."""
        buf, at = bytearray(), 0
        inflate = zlib.decompressobj(-15)
        parts: list[bytes] = []
        compressed = False
        for arrived, data in self.chunks:
            buf += data
            while True:
                header = _frame_header(buf, at)
                if header is None:
                    break
                start, length, first, fin = header
                payload, at = bytes(buf[start : start + length]), start + length
                opcode = first & 0x0F
                if opcode in (0x1, 0x2):
                    compressed, parts = bool(first & 0x40) and self.deflate, [payload]
                elif opcode == 0x0:
                    parts.append(payload)
                else:
                    continue  # ping, pong, close: not a push
                if not fin:
                    continue
                message = b"".join(parts)
                if compressed:
                    if self.fresh_context:
                        inflate = zlib.decompressobj(-15)
                    message = inflate.decompress(message + b"\x00\x00\xff\xff")
                yield arrived, message.decode()
            del buf[:at]
            at = 0


def kernel_time(ancillary: list[tuple[int, int, bytes]], fallback: float) -> float:
    """When the kernel received the newest byte a `recvmsg` returned (SO_TIMESTAMPNS), so the
    arrival time does not depend on when this process got the CPU to read it."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
            seconds, nanoseconds = struct.unpack("qq", data[:16])
            return float(seconds + nanoseconds / 1e9)
    return fallback


def _arrived(
    spread: dict[int, tuple[int, float, float]], seq: int, ts: int, first: float, last: float = 0
) -> None:
    known = spread.get(seq)
    last = last or first
    spread[seq] = (ts, first, last) if known is None else (ts, min(known[1], first), max(known[2], last))


def _masked_text(payload: bytes) -> bytes:
    assert len(payload) < 126
    mask = os.urandom(4)
    return bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _frame_header(buf: bytearray, at: int) -> tuple[int, int, int, bool] | None:
    """(payload start, payload length, first byte, FIN) of the frame at `at`, or None if incomplete."""
    if len(buf) - at < 2:
        return None
    first, length, start = buf[at], buf[at + 1] & 0x7F, at + 2
    if length == 126:
        if len(buf) - at < 4:
            return None
        length, start = int.from_bytes(buf[at + 2 : at + 4], "big"), at + 4
    elif length == 127:
        if len(buf) - at < 10:
            return None
        length, start = int.from_bytes(buf[at + 2 : at + 10], "big"), at + 10
    if len(buf) < start + length:
        return None
    return start, length, first, bool(first & 0x80)


def tally(stats: Stats, connection: RawConnection, window: tuple[float, float]) -> None:
    """Count one connection's messages that arrived within the window; seqId gaps over its whole stream."""
    last_seq = None
    for arrived, raw in connection.frames():
        counted = window[0] <= arrived <= window[1]
        now_ms = arrived * 1000
        stats.frames += counted
        message = json.loads(raw)
        if "data" not in message:
            continue
        channel = message.get("arg", {}).get("channel")
        item = message["data"][0]
        if channel == "trades" and counted:
            stats.trades += 1
            stats.trade_lag_ms.append(now_ms - int(item["ts"]))
            _arrived(stats.trade_spread, int(item["tradeId"]), int(item["ts"]), now_ms)
        elif channel == "books":
            stats.books += counted
            if message.get("action") == "update":
                if counted:
                    stats.book_lag_ms.append(now_ms - int(item["ts"]))
                    _arrived(stats.book_spread, item["seqId"], int(item["ts"]), now_ms)
                stats.gaps += last_seq is not None and item["prevSeqId"] != last_seq
            last_seq = item["seqId"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def sample_cpu(pid: int, samples: list[tuple[float, float]], stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append((time.time(), cpu_seconds(pid)))
        await asyncio.sleep(0.2)


def cpu_between(samples: list[tuple[float, float]], start: float, end: float) -> float:
    """CPU seconds spent between two wall-clock instants (linear between samples)."""

    def at(t: float) -> float:
        before = [s for s in samples if s[0] <= t] or samples[:1]
        after = [s for s in samples if s[0] >= t] or samples[-1:]
        (t0, c0), (t1, c1) = before[-1], after[0]
        return c0 if t1 == t0 else c0 + (c1 - c0) * (t - t0) / (t1 - t0)

    return at(end) - at(start) if samples else float("nan")


async def takers(base: str, data_dir: Path, inst_id: str, rate: float, stop: asyncio.Event) -> None:
    """Two funded users crossing each other at `rate` orders per second (WS `order` op)."""
    token = AsyncControlClient.token_from(data_dir)
    async with AsyncControlClient(base, token) as control:
        people = []
        for name in ("taker-a", "taker-b"):
            user = await control.create_user(f"{name}@example.test")
            key = await control.create_key(user.uid, perm="read_only,trade", ip="127.0.0.1")
            await control.deposit(user.uid, "USDT", "10000000")
            await control.deposit(user.uid, inst_id.split("-")[0], "1000")
            people.append(key)
    ws_url = base.replace("http", "ws") + "/ws/v5/private"
    async with connect(ws_url, max_queue=None) as a, connect(ws_url, max_queue=None) as b:
        for ws, key in ((a, people[0]), (b, people[1])):
            stamp = str(int(time.time()))
            sign = signing.sign(key.secret_key or "", signing.ws_login_prehash(stamp))
            login = {"apiKey": key.api_key, "passphrase": key.passphrase, "timestamp": stamp, "sign": sign}
            await ws.send(json.dumps({"op": "login", "args": [login]}))
        px = await _mid(base, inst_id)
        n = 0
        while not stop.is_set():
            maker, taker = (a, b) if n % 2 == 0 else (b, a)
            for ws, side in ((maker, "buy"), (taker, "sell")):
                order = {
                    "instId": inst_id,
                    "tdMode": "cash",
                    "side": side,
                    "ordType": "limit",
                    "px": px,
                    "sz": "0.001",
                }
                await ws.send(json.dumps({"id": f"o{n}{side}", "op": "order", "args": [order]}))
            n += 1
            await asyncio.sleep(1 / rate)


async def _mid(base: str, inst_id: str) -> str:
    async with httpx.AsyncClient() as http:
        ticker = (await http.get(f"{base}/api/v5/market/ticker", params={"instId": inst_id})).json()["data"][
            0
        ]
    return str(ticker["last"] or "100")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(args: argparse.Namespace, src: str | None = None) -> Stats:
    """One round on a fresh server (sandex from `src` when given, else this checkout's)."""
    with tempfile.TemporaryDirectory() as tmp:
        data_dir, port = Path(tmp) / "data", _free_port()
        server = start_server(data_dir, port, src, args.server_nice)
        base = f"http://127.0.0.1:{port}"
        try:
            await wait_ready(base)
            print(f"server pid {server.pid} (for py-spy)", flush=True)
            stop, samples = asyncio.Event(), list[tuple[float, float]]()
            feed = [asyncio.create_task(sample_cpu(server.pid, samples, stop))]
            if args.takers:
                feed.append(asyncio.create_task(takers(base, data_dir, args.inst, args.takers, stop)))
            shares = [args.clients // args.procs + (i < args.clients % args.procs) for i in range(args.procs)]
            loop = asyncio.get_running_loop()
            with concurrent.futures.ProcessPoolExecutor(args.procs) as pool:
                jobs = [
                    loop.run_in_executor(pool, client_process, port, args.inst, n, args.seconds)
                    for n in shares
                ]
                results = await asyncio.gather(*jobs)
            stop.set()
            await asyncio.gather(*feed, return_exceptions=True)
            stats = Stats()
            for part in results:
                for name in ("frames", "books", "trades", "gaps"):
                    setattr(stats, name, getattr(stats, name) + getattr(part, name))
                stats.client_cpu_s += part.client_cpu_s
                stats.trade_lag_ms += part.trade_lag_ms
                stats.book_lag_ms += part.book_lag_ms
                for merged, found in (
                    (stats.book_spread, part.book_spread),
                    (stats.trade_spread, part.trade_spread),
                ):
                    for key, (ts, first, last) in found.items():
                        _arrived(merged, key, ts, first, last)
            stats.window = (max(p.window[0] for p in results), min(p.window[1] for p in results))
            stats.server_cpu_s = cpu_between(samples, *stats.window)
            report(args, stats, args.seconds)
            return stats
        finally:
            server.terminate()
            server.wait(timeout=20)


def client_process(port: int, inst_id: str, clients: int, seconds: float) -> Stats:
    """One process's share of the clients: connect, warm up 1 s, then count for `seconds`.

    The receiving loop only stores what arrives with the kernel's arrival time (epoll, one `recvmsg`
    per ready socket);
    parsing, inflating and decoding happen once the window is over."""
    connections = [RawConnection(port, inst_id) for _ in range(clients)]
    by_fd = {c.sock.fileno(): c for c in connections}
    poller = select.epoll()
    for fd in by_fd:
        poller.register(fd, select.EPOLLIN)
    buffer = memoryview(bytearray(1 << 20))  # recv(1 MiB) would allocate a mapping per call and keep it
    start = time.time() + 1.0  # snapshots and ramp-up are not measured
    end = start + seconds
    now, cpu_at_start = time.time(), None
    while now < end:
        ready = poller.poll(0.5)
        now = time.time()
        if cpu_at_start is None and now >= start:
            cpu_at_start = time.process_time()
        for fd, _ in ready:
            connection = by_fd[fd]
            try:
                size, ancillary, _, _ = connection.sock.recvmsg_into([buffer], ANCILLARY_SIZE)
            except BlockingIOError:
                continue
            if not size:
                poller.unregister(fd)
                continue
            connection.chunks.append((kernel_time(ancillary, now), bytes(buffer[:size])))
    receiving_cpu_s = time.process_time() - (cpu_at_start or 0.0)
    poller.close()
    for connection in connections:
        connection.sock.close()
    stats = Stats(window=(start, end), client_cpu_s=receiving_cpu_s)
    for connection in connections:
        tally(stats, connection, stats.window)
    return stats


def cpu_percent(stats: Stats, elapsed: float) -> float:
    return 100 * stats.server_cpu_s / elapsed


def cpu_per_frame_us(stats: Stats) -> float:
    """Server CPU per delivered frame (everything the server did in the window, orders included)."""
    return 1e6 * stats.server_cpu_s / stats.frames if stats.frames else float("nan")


def report(args: argparse.Namespace, stats: Stats, elapsed: float) -> None:
    print(f"{args.clients} clients on books+trades {args.inst}, {elapsed:.1f} s, takers {args.takers}/s")
    print(f"  frames delivered: {stats.frames} ({stats.frames / elapsed:,.0f}/s over all clients)")
    print(f"  books pushes: {stats.books} ({stats.books / elapsed:,.1f}/s), seqId gaps: {stats.gaps}")
    print(f"  trades pushes: {stats.trades} ({stats.trades / elapsed:,.1f}/s)")
    print(
        f"  server CPU: {cpu_percent(stats, elapsed):.0f} % of a core, {cpu_per_frame_us(stats):.1f} µs/frame"
    )
    print(f"  clients' CPU receiving: {100 * stats.client_cpu_s / elapsed:.0f} % of a core")
    for name, lags in (
        ("trade lag (match -> delivery)", stats.trade_lag_ms),
        ("book lag (commit -> delivery)", stats.book_lag_ms),
    ):
        if lags:
            print(
                f"  {name}: p50 {pct(lags, 0.5):.1f} ms, p99 {pct(lags, 0.99):.1f} ms, "
                f"max {max(lags):.1f} ms, mean {statistics.fmean(lags):.1f} ms"
            )
    # the first client's lag is the server's time before the fan-out (for a trade: the commit),
    # the spread from the first to the last client is the fan-out itself
    for name, spread in (
        ("per books update: commit", stats.book_spread),
        ("per trade: match", stats.trade_spread),
    ):
        if spread:
            firsts = [first - ts for ts, first, _ in spread.values()]
            spreads = [last - first for _, first, last in spread.values()]
            print(
                f"  {name} -> first client p50 {pct(firsts, 0.5):.1f} ms, p99 {pct(firsts, 0.99):.1f} ms; "
                f"first -> last client p50 {pct(spreads, 0.5):.1f} ms, p99 {pct(spreads, 0.99):.1f} ms"
            )
    p99 = pct(stats.trade_lag_ms, 0.99)
    verdict = "OK" if p99 < TARGET_P99_MS else ("no trades" if p99 != p99 else "ABOVE TARGET")
    print(f"  target p99 trade lag < {TARGET_P99_MS:.0f} ms: {verdict}")


async def compare(args: argparse.Namespace) -> None:
    """Rounds alternating this checkout and `--compare`, then the medians side by side."""
    rows: dict[str, list[tuple[float, ...]]] = {"this checkout": [], args.compare: []}
    load = os.getloadavg()[0]
    for n in range(args.rounds):
        for name, src in (("this checkout", None), (args.compare, args.compare)):
            print(f"--- round {n + 1}, {name}")
            stats = await run(args, src)
            frames_s = stats.frames / args.seconds
            rows[name].append(
                (
                    pct(stats.trade_lag_ms, 0.5),
                    pct(stats.trade_lag_ms, 0.99),
                    frames_s,
                    cpu_percent(stats, args.seconds),
                    cpu_per_frame_us(stats),
                )
            )
    print(f"\nmedians of {args.rounds} rounds (load average {load:.2f} -> {os.getloadavg()[0]:.2f}):")
    print(
        f"  {'server':<32} {'trade p50 ms':>13} {'p99 ms':>9} {'frames/s':>10} {'CPU %':>6} {'µs/frame':>9}"
    )
    for name, values in rows.items():
        p50, p99, fps, cpu, us = (statistics.median(v[i] for v in values) for i in range(5))
        print(f"  {name[-32:]:<32} {p50:>13.1f} {p99:>9.1f} {fps:>10,.0f} {cpu:>6.0f} {us:>9.1f}")


def send_path(clients: int, rounds: int) -> None:
    """CPU µs to send one push to `clients` deflate connections: uvicorn's protocol vs sandex's."""
    asyncio.run(_send_path(clients, rounds))


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.bytes = 0
        self.writes = 0

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.bytes += len(data)
        self.writes += 1

    def close(self) -> None:
        pass

    def is_closing(self) -> bool:
        return False


async def _connections(protocol: type, clients: int) -> list[tuple[object, _Transport, object]]:
    import base64

    import uvicorn
    from uvicorn.server import ServerState

    sends: list[object] = []

    async def app(scope: object, receive: object, send: object) -> None:
        await receive()  # type: ignore[operator]
        await send({"type": "websocket.accept"})  # type: ignore[operator]
        sends.append(send)
        await receive()  # type: ignore[operator]  # the disconnect `_close` causes

    config = uvicorn.Config(app, ws=protocol, interface="asgi3", lifespan="off", log_level="warning")
    config.load()
    transports = []
    for _ in range(clients):
        conn, transport = protocol(config, ServerState(), app_state={}), _Transport()
        conn.connection_made(transport)
        key = base64.b64encode(os.urandom(16)).decode()
        conn.data_received(
            (
                "GET /ws/v5/public HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
            ).encode()
        )
        transports.append((transport, conn))
    while len(sends) < clients:
        await asyncio.sleep(0.01)
    return [(send, transport, conn) for send, (transport, conn) in zip(sends, transports, strict=True)]


async def _close(conns: list[tuple[object, _Transport, object]]) -> None:
    for _, _, conn in conns:
        conn.connection_lost(None)  # type: ignore[attr-defined]
    await asyncio.sleep(0.1)  # the apps see their disconnect and return


async def _send_path(clients: int, rounds: int) -> None:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

    from sandex.runtime.http_server import ClosingSafeWebSocketProtocol
    from sandex.runtime.ws_shared import SHARED_FRAME

    trade: dict[str, object] = {
        "instId": "BTC-USDT",
        "tradeId": "1234567",
        "px": "43210.1",
        "sz": "0.001",
        "side": "sell",
    }
    trade |= {"ts": str(int(time.time() * 1000)), "count": "1", "source": "0", "seqId": 123456}
    levels = [[f"4321{i}.1", f"0.{i}25", "0", "1"] for i in range(5)]
    book = {"asks": levels, "bids": levels, "ts": trade["ts"], "checksum": -123456789, "seqId": 123456}
    texts = {
        "trade": {"arg": {"channel": "trades", "instId": "BTC-USDT"}, "data": [trade]},
        "books update, 5+5 levels": {"arg": {"channel": "books", "instId": "BTC-USDT"}, "data": [book]},
    }
    uvicorns = await _connections(WebSocketsSansIOProtocol, clients)
    sandexes = await _connections(ClosingSafeWebSocketProtocol, clients)
    pushes = 200
    for label, payload in texts.items():
        text = json.dumps(payload, separators=(",", ":"))
        results: dict[str, list[float]] = {"uvicorn (per-connection deflate)": [], "sandex (shared)": []}
        written = [0, 0]
        for _ in range(rounds):
            for i, (name, conns) in enumerate(zip(results, (uvicorns, sandexes), strict=True)):
                before = sum(t.bytes for _, t, _ in conns)
                start = time.process_time()
                for n in range(pushes):
                    message: dict[str, object] = {
                        "type": "websocket.send",
                        "text": text.replace("123456", str(100000 + n)),
                    }
                    if conns is sandexes:
                        message[SHARED_FRAME] = {}
                    for send, _, _ in conns:
                        await send(message)  # type: ignore[operator]
                results[name].append(1e6 * (time.process_time() - start) / pushes)
                written[i] = (sum(t.bytes for _, t, _ in conns) - before) // (pushes * clients)
        print(
            f"{label}: one {len(text)}-byte push to {clients} deflate connections, CPU (median of {rounds})"
        )
        for (name, values), size in zip(results.items(), written, strict=True):
            per_push = statistics.median(values)
            print(
                f"  {name:<34} {per_push:>8,.0f} µs/push {per_push / clients:>6.2f} µs/conn {size:>5} B/frame"
            )
    await _fan_out_path(sandexes, texts["trade"], rounds)
    await _close(uvicorns)
    await _close(sandexes)


def _sessions(conns: list[tuple[object, _Transport, object]]) -> tuple[list[Any], list[Any], Any]:
    """Sessions on the connections: one set writing through outboxes, one set corking directly."""
    from starlette.websockets import WebSocket, WebSocketState

    from sandex.domain.accounts.model import Environment
    from sandex.transport.okx.ws.protocol import Kind
    from sandex.transport.okx.ws.sessions import DirectWrite, Flusher, Session

    def accepted(protocol: Any) -> WebSocket:
        websocket = WebSocket(protocol.scope, protocol.receive, protocol.send)
        websocket.client_state = websocket.application_state = WebSocketState.CONNECTED
        return websocket

    protocols: list[Any] = [conn for _, _, conn in conns]
    queued = [Session(f"q{n}", Kind.PUBLIC, Environment.LIVE, "127.0.0.1") for n in range(len(conns))]
    writers = [asyncio.create_task(s.write(accepted(p))) for s, p in zip(queued, protocols, strict=True)]
    direct, flusher = (
        [Session(f"d{n}", Kind.PUBLIC, Environment.LIVE, "127.0.0.1") for n in range(len(conns))],
        Flusher(),
    )
    for s, p in zip(direct, protocols, strict=True):
        offered = DirectWrite.offered(p.scope)
        assert offered is not None  # sandex's protocol always offers it
        s.write_directly(offered, flusher)
    return [(queued, None), (direct, flusher)], writers, flusher


async def _written(transports: list[_Transport], at_least: int) -> None:
    """Let the writer tasks run until every transport has had `at_least` writes."""
    for _ in range(10_000):
        if min(t.writes for t in transports) >= at_least:
            return
        await asyncio.sleep(0)
    raise RuntimeError("the pushes were not written")


async def _fan_out_path(conns: list[tuple[object, _Transport, object]], payload: object, rounds: int) -> None:
    """The app's side too: `Pusher.fan_out` of a trade and a book push per commit to every session,
    through each session's outbox and writer task (before) or corked and flushed (after)."""
    from sandex.runtime.clock import SystemClock
    from sandex.runtime.faults import FaultRegistry
    from sandex.transport.okx.ws.pushes import Pusher

    kinds, writers, _ = _sessions(conns)
    pusher = Pusher(FaultRegistry(SystemClock()))  # as the server has one, no fault armed
    text = json.dumps(payload, separators=(",", ":"))
    transports = [t for _, t, _ in conns]
    results: dict[str, list[float]] = {"outbox + writer task per session": [], "corked, one flush": []}
    pushes = 100
    for _ in range(rounds):
        for name, (sessions, flusher) in zip(results, kinds, strict=True):
            start = time.process_time()
            for n in range(pushes):
                writes = min(t.writes for t in transports)
                for channel in ("trades", "books"):
                    pusher.fan_out(sessions, channel, text.replace("123456", str(200000 + n)))
                if flusher is not None:
                    flusher.flush()
                await _written(transports, writes + 1)
            results[name].append(1e6 * (time.process_time() - start) / pushes)
    print(f"a commit's trade + book push to {len(conns)} sessions (Pusher.fan_out to the socket), median CPU")
    for name, values in results.items():
        per_commit = statistics.median(values)
        print(f"  {name:<34} {per_commit:>8,.0f} µs/commit {per_commit / len(conns):>6.2f} µs/session")
    for writer in writers:
        writer.cancel()
    await asyncio.gather(*writers, return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--inst", default="BTC-USDT")
    parser.add_argument("--takers", type=float, default=0.0, help="extra crossing orders per second")
    parser.add_argument("--procs", type=int, default=1, help="client processes")
    parser.add_argument("--compare", help="another checkout's src dir, measured alternately in the same run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each server with --compare")
    parser.add_argument(
        "--server-nice",
        type=int,
        default=0,
        help="the server's priority (e.g. -10, as root): its latency on a box busy with other work",
    )
    parser.add_argument("--send-path", action="store_true", help="only the server's send path, CPU time")
    args = parser.parse_args()
    if args.send_path:
        send_path(args.clients, args.rounds)
    else:
        asyncio.run(compare(args) if args.compare else run(args))


if __name__ == "__main__":
    main()
