"""The simulated market's cost and the order-book endpoint's throughput, on a real `sandex serve`.

    python bench/bench_market.py [--warmup 15] [--seconds 60] [--load-seconds 10] [--concurrency 32]

1. Market maker CPU share: two `sandex serve` processes (embedded SQLite, durable commits, rate
   limits off), one with the market on at default settings (every catalogue instrument, live and
   demo, seed 1), one with `--market off`. After `--warmup` s, each process's CPU time (user +
   system, all threads, from /proc) is sampled over `--seconds` s. The market's share of one core
   is (on - off) / wall time. Target: under 15 % of one core with at least 30 instruments.
2. `GET /api/v5/market/books` (sz=5, BTC-USDT) against the market-on server while the market
   runs, from `--concurrency` keep-alive connections for `--load-seconds`: requests/s, p50, p99.
   Also `sz=400` and `market/ticker` for comparison.

The load generator is a minimal asyncio HTTP/1.1 client in this process and shares the machine
with the server, so the request rates are lower bounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sandex.storage.catalogue_file import load_catalogue

TARGET_SHARE = 0.15
_CONTENT_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    data_dir: Path

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(market: bool) -> Iterator[Server]:
    data_dir = Path(tempfile.mkdtemp(prefix="sandex-bench-market-"))
    port = _free_port()
    env = {**os.environ, "SANDEX_MARKET": "on" if market else "off"}
    args = [
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
        "--seed",
        "1",
    ]
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = Server(port, process, data_dir)
    try:
        _wait_ready(server)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(server.process.stderr.read().decode() if server.process.stderr else "exited")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{server.port}/api/v5/public/time", timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("sandex serve did not start")


def cpu_share(server: Server, warmup: float, seconds: float) -> float:
    time.sleep(warmup)
    cpu0, wall0 = server.cpu_seconds(), time.monotonic()
    time.sleep(seconds)
    return (server.cpu_seconds() - cpu0) / (time.monotonic() - wall0)


def instruments_traded(server: Server) -> int:
    """How many instruments have traded at all (a check that the market lives)."""
    url = f"http://127.0.0.1:{server.port}/api/v5/market/tickers?instType=SPOT"
    body = json.loads(urllib.request.urlopen(url, timeout=5).read())
    return len([t for t in body["data"] if t["lastSz"]])


# --- load ----------------------------------------------------------------------------------------
@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    failures: int = 0

    def line(self) -> str:
        lat = sorted(self.latencies)
        if not lat:
            return f"{self.name}: no requests completed"
        p50, p99 = lat[len(lat) // 2] * 1000, lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        rate = len(lat) / self.seconds
        tail = f"p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   (failures {self.failures})"
        return f"{self.name}: {rate:8.0f} req/s   {tail}"


async def _connection(port: int, request: bytes, stop_at: float, result: Result) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            match = _CONTENT_LENGTH.search(head)
            body = await reader.readexactly(int(match.group(1))) if match else b""
            result.latencies.append(time.perf_counter() - started)
            if b'"code":"0"' not in body:
                result.failures += 1
    finally:
        writer.close()


async def load(name: str, port: int, path: str, seconds: float, concurrency: int) -> Result:
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    result = Result(name, seconds)
    stop_at = time.perf_counter() + seconds
    await asyncio.gather(*(_connection(port, request, stop_at, result) for _ in range(concurrency)))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--load-seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    instruments = len(load_catalogue().instruments)
    print(f"{instruments} instruments x 2 environments (live, demo); {os.cpu_count()} cores")
    with serve(market=False) as quiet:
        idle = cpu_share(quiet, args.warmup, args.seconds)
    with serve(market=True) as busy:
        active = cpu_share(busy, args.warmup, args.seconds)
        traded = instruments_traded(busy)
        share = active - idle
        verdict = "OK" if share < TARGET_SHARE else "ABOVE TARGET"
        print(f"server CPU, market off: {idle:6.1%} of one core")
        print(f"server CPU, market on : {active:6.1%} of one core ({traded} instruments traded)")
        print(f"market maker + flow   : {share:6.1%} of one core (target < {TARGET_SHARE:.0%}): {verdict}")
        for name, path in (
            ("books sz=5  ", "/api/v5/market/books?instId=BTC-USDT&sz=5"),
            ("books sz=400", "/api/v5/market/books?instId=BTC-USDT&sz=400"),
            ("ticker      ", "/api/v5/market/ticker?instId=BTC-USDT"),
        ):
            print(asyncio.run(load(name, busy.port, path, args.load_seconds, args.concurrency)).line())


if __name__ == "__main__":
    main()
