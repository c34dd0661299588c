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

    python bench/bench_market.py --per-request [--baseline-src /path/to/old/src] [--rounds 3]

3. Server CPU per request of `books?sz=400` on a real 400-level book (one user's 400 bids and 400
   asks on BTC-USDT, live), `tickers?instType=SPOT` (every instrument), `ticker` and `public/time`
   (the framework's floor), against bare Starlette endpoints in the same run (`public/time`, and
   the same bodies sandex answered served as fixed bytes: the cost of the HTTP stack alone); with
   `--baseline-src` the same data dir is also served by that source tree (e.g. the main checkout's
   `src`), so before and after are measured side by side. Rounds interleave every server and
   endpoint; the idle CPU of each server (measured just before its round) is subtracted. Target:
   books sz=400 and tickers <= 100 µs of server CPU per request. `--market on` adds the market
   maker (its quotes then sit inside the 400 levels and change the book every few hundred ms).
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
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import OrderSpec
from sandex.process import open_runtime
from sandex.services.trading.views import Trader
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
def serve(market: bool, data_dir: Path | None = None, src: str | None = None) -> Iterator[Server]:
    """`sandex serve` on a fresh data dir (or a copy of `data_dir`), from this tree or from `src`."""
    fresh = Path(tempfile.mkdtemp(prefix="sandex-bench-market-"))
    if data_dir is not None:
        shutil.copytree(data_dir, fresh, dirs_exist_ok=True)
    data_dir = fresh
    port = _free_port()
    env = {**os.environ, "SANDEX_MARKET": "on" if market else "off"}
    if src is not None:
        env["PYTHONPATH"] = src
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


# --- server CPU per request on a deep book -------------------------------------------------------
DEEP_LEVELS = 400
DEEP_REF = Decimal("106684.2")  # BTC-USDT's reference price in the catalogue
TARGET_US = 100.0
D137, STEP = Decimal("0.0137"), Decimal("1.3")
ENDPOINTS = (
    ("books sz=400", "/api/v5/market/books?instId=BTC-USDT&sz=400"),
    ("tickers     ", "/api/v5/market/tickers?instType=SPOT"),
    ("ticker      ", "/api/v5/market/ticker?instId=BTC-USDT"),
    ("public/time ", "/api/v5/public/time"),
)
BARE_APP = """
import json, sys, time, uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

async def now(request):
    return JSONResponse({"code": "0", "msg": "", "data": [{"ts": str(int(time.time() * 1000))}]})

def fixed(body):
    async def answer(request):
        return Response(body, media_type="application/json")
    return answer

bodies = json.loads(sys.argv[2])  # path -> the body sandex answered (same size on the wire)
routes = [Route(path, fixed(body.encode())) for path, body in bodies.items()]
app = Starlette(routes=[Route("/api/v5/public/time", now), *routes])
uvicorn.run(
    app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False, proxy_headers=False
)
"""


def deep_book(data_dir: Path) -> None:
    """A data dir whose BTC-USDT live book has 400 bid and 400 ask levels (one resting order each,
    from two users: OKX allows 500 pending orders per instrument), 10 % away from the reference
    price so the market maker (`--market on`) never crosses them."""
    rt = open_runtime(Settings(data_dir=data_dir, rate_limits="off", market=False), fast_hashing=True)

    async def fill() -> None:
        service = rt.trading.service
        await rt.trading.sequencer.start()
        try:
            for side, top, sign in ((Side.BUY, Decimal("0.9"), -1), (Side.SELL, Decimal("1.1"), 1)):
                user = rt.accounts.register(f"deep-{side.value}@example.test", "Correct-Horse-9")
                assert not isinstance(user, Rejected)
                for ccy, amount in (("USDT", "1000000000"), ("BTC", "100000")):
                    done = await service.deposit(user.id, Environment.LIVE, ccy, Decimal(amount))
                    assert not isinstance(done, Rejected), done
                best = _ticks(DEEP_REF * top)
                specs = [  # sizes with several decimals, like a real book
                    OrderSpec("BTC-USDT", side, OrdType.LIMIT, D137 * (1 + i % 7), best + sign * STEP * i)
                    for i in range(DEEP_LEVELS)
                ]
                for start in range(0, len(specs), 20):
                    placed = await service.place(Trader(user.id, Environment.LIVE), specs[start : start + 20])
                    assert isinstance(placed, list) and all(a.ok for a in placed), placed
        finally:
            await rt.trading.sequencer.stop()

    asyncio.run(fill())
    rt.engine.dispose()


def _ticks(px: Decimal) -> Decimal:
    return px.quantize(Decimal("0.1"))  # BTC-USDT's tick size


@contextmanager
def serve_bare(bodies: dict[str, str]) -> Iterator[Server]:
    """Bare Starlette: `public/time`, and each of `bodies` (path -> body) served as fixed bytes."""
    port = _free_port()
    args = [sys.executable, "-c", BARE_APP, str(port), json.dumps(bodies)]
    process = subprocess.Popen(args, stderr=subprocess.PIPE)
    server = Server(port, process, Path("."))
    try:
        _wait_ready(server)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def per_request(args: argparse.Namespace) -> None:
    load_avg = Path("/proc/loadavg").read_text().split()[:3]
    print(
        f"server CPU per request, {args.rounds} rounds x {args.load_seconds:g} s, {args.concurrency} conns; "
        f"market {'on' if args.market else 'off'}; load average {' '.join(load_avg)}"
    )
    with tempfile.TemporaryDirectory(prefix="sandex-bench-deep-") as tmp:
        deep_book(Path(tmp))
        variants = [("this tree", None)] + ([("baseline", args.baseline_src)] if args.baseline_src else [])
        with ExitStack() as stack:
            servers = {
                name: stack.enter_context(serve(args.market, Path(tmp), src)) for name, src in variants
            }
            levels = _levels(servers["this tree"])
            bodies = {path.split("?")[0]: _body(servers["this tree"], path) for _, path in ENDPOINTS[:3]}
            servers["bare Starlette"] = stack.enter_context(serve_bare(bodies))
            print(f"books sz=400 answers {levels[0]} asks + {levels[1]} bids")
            time.sleep(args.warmup_requests)
            results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
            for _ in range(args.rounds):
                for name, server in servers.items():
                    idle = cpu_share(server, 0.0, 2.0)  # share of a core while nobody asks
                    for label, path in ENDPOINTS:
                        asyncio.run(load("warm-up", server.port, path, 0.5, 4))
                        cpu0, wall0 = server.cpu_seconds(), time.monotonic()
                        done = asyncio.run(
                            load(label, server.port, path, args.load_seconds, args.concurrency)
                        )
                        cpu, wall = server.cpu_seconds() - cpu0, time.monotonic() - wall0
                        n = max(1, len(done.latencies))
                        results.setdefault((name, label), []).append(
                            (cpu / n * 1e6, (cpu - idle * wall) / n * 1e6, n / args.load_seconds)
                        )
                        if done.failures:
                            print(f"  {name} {label}: {done.failures} answers without code 0")
    print(
        f"{'server':15} {'endpoint':13} {'req/s (med)':>11} {'CPU µs/req min/med/max':>24}"
        f" {'minus idle (med)':>17}"
    )
    for (name, label), rows in results.items():
        cpus = [r[0] for r in rows]
        net = _median([r[1] for r in rows])
        rate = _median([r[2] for r in rows])
        spread = f"{min(cpus):6.0f} /{_median(cpus):5.0f} /{max(cpus):5.0f}"
        mark = ""
        if name == "this tree" and label.strip() in ("books sz=400", "tickers"):
            mark = "  OK" if net <= TARGET_US else f"  above {TARGET_US:.0f} µs"
        print(f"{name:15} {label:13} {rate:11.0f} {spread:>24} {net:17.0f}{mark}")


def _body(server: Server, path: str) -> str:
    return urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=5).read().decode()


def _levels(server: Server) -> tuple[int, int]:
    url = f"http://127.0.0.1:{server.port}/api/v5/market/books?instId=BTC-USDT&sz=400"
    book = json.loads(urllib.request.urlopen(url, timeout=5).read())["data"][0]
    return len(book["asks"]), len(book["bids"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--load-seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--per-request", action="store_true", help="only section 3 (server CPU per request)")
    parser.add_argument("--baseline-src", help="section 3: also serve the data dir from this source tree")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--market", choices=("on", "off"), default="off", help="section 3: the market maker")
    parser.add_argument("--warmup-requests", type=float, default=3.0, help="section 3: seconds after start")
    args = parser.parse_args()
    if args.per_request:
        args.market = args.market == "on"
        per_request(args)
        return
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
