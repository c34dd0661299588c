"""Order placement throughput: signed POST /api/v5/trade/order over HTTP with durable commit.

    python bench/bench_orders_http.py [--seconds 10] [--concurrency 32] [--direct 20000]
    python bench/bench_orders_http.py --direct 0 --ioc --keys 10000   # cost with many keys in use
    python bench/bench_orders_http.py --routes [--rounds 3] [--seconds 8] [--baseline-src ../main/src]
    python bench/bench_orders_http.py --wrk-keys 8,1000,10000 [--rounds 2] [--baseline-src ../main/src]

Three measurements in one run, on this machine:

1. `TradingService.place` through the sequencer in-process (no HTTP): the exchange core's own
   ceiling with group commit to SQLite (WAL, synchronous=FULL).
2. A real `sandex serve` process (uvicorn, one worker, embedded SQLite, durable commit, rate
   limits off) under `--concurrency` keep-alive connections sending signed limit orders that
   alternate buy/sell across the spread (every order crosses when the other side rests, so about
   half of them trade). Target: >= 3,000 orders/s with p99 < 20 ms.
3. A bare Starlette endpoint served the same way (uvicorn, one worker) under the same load: the
   ceiling of the HTTP stack alone, to read (2) against.

The load generator is a minimal asyncio HTTP/1.1 client in this process (httpx would be the
bottleneck); it signs requests exactly as OKX clients do, re-signing each distinct request once a
second (real clients sign on their own machines; here the client shares the box with the server,
so it must stay cheap: ~25 us per request). The server checks every signature and timestamp.

Why 32 connections by default: by Little's law the mean latency is connections / throughput, so
at 64 connections 3,000 orders/s means a 21 ms *mean*, and "p99 under 20 ms" cannot hold at any
rate near the target; 32 closed-loop connections are the most load at which the target can be
met at all (mean 10.7 ms at 3,000/s). Run `--concurrency 16` or `64` to see the trade-off.

`--keys N` spreads the orders round-robin over N API keys (the 8 traders' keys and copies of them,
each with its own secret ciphertext and passphrase verifier, stored directly past the 50-per-account
limit). The server then first sees every key once ("first use": server CPU per request is the cost
of loading a key into the auth cache and checking its passphrase), then the timed run. `--ioc`
sends immediate-or-cancel orders (nothing rests, nothing grows between runs).
To measure the code before a change, run the same script with `PYTHONPATH=<old checkout>/src`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path

import httpx
from sqlalchemy import Table, insert, select

from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.keys import signing
from sandex.domain.keys.formats import format_api_key
from sandex.domain.keys.rules import CreateKeyRequest
from sandex.domain.keys.timestamps import format_rest_timestamp
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import OrderSpec
from sandex.process import Runtime, open_runtime
from sandex.runtime.crypto import Argon2Hasher, OsRandom
from sandex.services.trading.views import Trader
from sandex.storage.orm.keys import ApiKeyRow

PATH = "/api/v5/trade/order"
PASSPHRASE = "Sandex#2026"
PAIRS = 4  # buyer/seller pairs (each with its own API key)
REF_PX = Decimal("106684.2")
TICK = Decimal("0.1")
SIZE = "0.001"
TARGET_OPS, TARGET_P99_MS = 3000, 20.0
Maker = Callable[[int], "bytes | None"]  # request n of a connection; None: the connection is done
_CONTENT_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)

BARE_APP = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def order(request):
    await request.body()
    return JSONResponse({"code": "0", "msg": "", "data": [{"ordId": "1", "sCode": "0", "sMsg": ""}]})

app = Starlette(routes=[Route(sys.argv[2], order, methods=["POST"])])
# the same server options as `sandex serve` (no access log, no proxy-header rewriting)
uvicorn.run(
    app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False, proxy_headers=False
)
"""


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    ok: int = 0
    refused: int = 0
    codes: dict[str, int] = field(default_factory=dict)
    server_cpu_s: float | None = None  # CPU time the server process spent during the run (Linux)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        lat = sorted(self.latencies)
        if not lat:
            return f"{self.name}: no requests completed"
        p50 = lat[len(lat) // 2] * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        extra = (
            f", {self.ok} acknowledged / {self.refused} refused {self.codes}"
            if self.ok or self.refused
            else ""
        )
        rate = f"{self.rate:8.0f} /s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms"
        cpu = f"   server CPU {self.server_cpu_s / len(lat) * 1e6:4.0f} µs/req" if self.server_cpu_s else ""
        return f"{self.name}: {rate}{cpu}   (n={len(lat)}{extra})"

    @property
    def p99_ms(self) -> float:
        lat = sorted(self.latencies)
        return lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else float("inf")


# --- setup ---------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _fund(rt: Runtime, traders: list[Trader]) -> None:
    await rt.trading.sequencer.start()
    try:
        for i, t in enumerate(traders):
            ccy, amount = ("USDT", "100000000") if i % 2 == 0 else ("BTC", "10000")
            done = await rt.trading.service.deposit(t.user_id, t.environment, ccy, Decimal(amount))
            assert not isinstance(done, Rejected), done
    finally:
        await rt.trading.sequencer.stop()


def prepare(
    data_dir: Path, n_keys: int = 2 * PAIRS, database_url: str | None = None
) -> list[tuple[str, str]]:
    """Users with funds and API keys: (api key, secret) per trader, buyers at even positions; with
    `n_keys` above one per trader, copies of their keys (key i belongs to trader i % traders).
    `database_url`: another database than the data dir's SQLite (PostgreSQL)."""
    database = {"database_url": database_url} if database_url else {}  # else SANDEX_DATABASE_URL applies
    rt = open_runtime(Settings(data_dir=data_dir, rate_limits="off", **database), fast_hashing=True)
    traders, keys = [], []
    for i in range(2 * PAIRS):
        user = rt.accounts.register(f"bench{i}@example.test", "Correct-Horse-9")
        assert not isinstance(user, Rejected)
        created = rt.keys.keys.create(user.id, CreateKeyRequest(f"bench{i}", PASSPHRASE, "read_only,trade"))
        assert not isinstance(created, Rejected), created
        traders.append(Trader(user.id, Environment.LIVE))
        keys.append((created.info.api_key, created.secret))
    asyncio.run(_fund(rt, traders))
    keys += _more_keys(rt, keys, n_keys)
    rt.engine.dispose()
    return keys


def _verifier_maker(rt: Runtime) -> Callable[[str], str]:
    """How this checkout stores a new key's passphrase (an HMAC today, argon2 before)."""
    try:
        from sandex.services.keys.passphrases import KEY_PURPOSE, PassphraseMac
    except ImportError:  # older code: argon2, as `fast_hashing` makes it
        return Argon2Hasher(fast=True).hash
    return PassphraseMac(rt.cipher.derive_key(KEY_PURPOSE), OsRandom()).make


def _more_keys(rt: Runtime, keys: list[tuple[str, str]], n_keys: int) -> list[tuple[str, str]]:
    table: Table = ApiKeyRow.__table__  # type: ignore[assignment]
    verifier = _verifier_maker(rt)
    rows, more = [], []
    with rt.engine.begin() as conn:
        templates = [
            dict(conn.execute(select(table).where(table.c.api_key == k)).one()._mapping) for k, _ in keys
        ]
        for i in range(len(keys), n_keys):
            template, secret = templates[i % len(keys)], keys[i % len(keys)][1]
            api_key = format_api_key(os.urandom(16))
            key_id, secret_ct = rt.cipher.encrypt(secret.encode(), api_key.encode())
            fields = {"api_key": api_key, "label": f"bench-{i}", "secret_ct": secret_ct, "key_id": key_id}
            rows.append({**template, "id": None, "passphrase_hash": verifier(PASSPHRASE), **fields})
            more.append((api_key, secret))
        if rows:
            conn.execute(insert(table), rows)
    return more


# --- the load generator --------------------------------------------------------------------------
def order_request(key: tuple[str, str], side: str, n: int, ord_type: str = "limit") -> bytes:
    step = TICK * (n % 5)
    px = REF_PX + step if side == "buy" else REF_PX - step  # buys above sells: they cross
    body = json.dumps(
        {
            "instId": "BTC-USDT",
            "tdMode": "cash",
            "side": side,
            "ordType": ord_type,
            "px": str(px),
            "sz": SIZE,
        },
        separators=(",", ":"),
    ).encode()
    ts = format_rest_timestamp(int(time.time() * 1000))
    sign = signing.sign(key[1], signing.prehash(ts, "POST", PATH, body))
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"OK-ACCESS-KEY: {key[0]}\r\nOK-ACCESS-SIGN: {sign}\r\nOK-ACCESS-TIMESTAMP: {ts}\r\n"
        f"OK-ACCESS-PASSPHRASE: {PASSPHRASE}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _connection(port: int, make: Maker, stop_at: float, result: Result) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    n = 0
    try:
        while time.perf_counter() < stop_at:
            request = make(n)
            if request is None:  # this connection's share is done
                break
            n += 1
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            match = _CONTENT_LENGTH.search(head)
            body = await reader.readexactly(int(match.group(1))) if match else b""
            result.latencies.append(time.perf_counter() - started)
            _classify(body, result)
    finally:
        writer.close()


def _classify(body: bytes, result: Result) -> None:
    if b'"sCode":"0"' in body:
        result.ok += 1
        return
    result.refused += 1
    code = re.search(rb'"sCode":"(\d+)"', body) or re.search(rb'"code":"(\d+)"', body)
    text = code.group(1).decode() if code else body[:40].decode(errors="replace")
    result.codes[text] = result.codes.get(text, 0) + 1


async def load(name: str, port: int, makers: list[Maker], seconds: float) -> Result:
    result = Result(name, seconds)
    started = time.perf_counter()
    await asyncio.gather(*(_connection(port, make, started + seconds, result) for make in makers))
    result.seconds = min(seconds, time.perf_counter() - started)  # makers may finish early
    return result


class PresignedOrders:
    """Signed order requests, re-signed once a second: real clients sign on their own machines, so
    the load generator (sharing this box with the server) must not spend its core on HMAC and JSON.
    The server still checks every request's signature and timestamp in full."""

    def __init__(self, ord_type: str = "limit") -> None:
        self._cache: dict[tuple[str, str, int], tuple[float, bytes]] = {}
        self._ord_type = ord_type

    def get(self, key: tuple[str, str], side: str, n: int) -> bytes:
        slot = (key[0], side, n % 5)
        now = time.monotonic()
        hit = self._cache.get(slot)
        if hit is None or now - hit[0] > 1.0:
            hit = self._cache[slot] = (now, order_request(key, side, n, self._ord_type))
        return hit[1]


def order_makers(keys: list[tuple[str, str]], concurrency: int, ord_type: str = "limit") -> list[Maker]:
    presigned = PresignedOrders(ord_type)
    if len(keys) > 2 * PAIRS:
        return [partial(_round_robin, presigned, keys, concurrency, c) for c in range(concurrency)]
    makers: list[Maker] = []
    for c in range(concurrency):
        pair = c % PAIRS
        buyer, seller = keys[2 * pair], keys[2 * pair + 1]
        first_buys = c % 2 == 0

        def make(
            n: int,
            buyer: tuple[str, str] = buyer,
            seller: tuple[str, str] = seller,
            first_buys: bool = first_buys,
        ) -> bytes:
            buys = (n % 2 == 0) == first_buys
            return presigned.get(buyer if buys else seller, "buy" if buys else "sell", n)

        makers.append(make)
    return makers


def _round_robin(
    presigned: PresignedOrders, keys: list[tuple[str, str]], concurrency: int, c: int, n: int
) -> bytes:
    """Request n of connection c: every key in turn across all connections (buyers at even keys)."""
    i = (c + n * concurrency) % len(keys)
    return presigned.get(keys[i], "buy" if i % 2 == 0 else "sell", n)


def first_use_makers(keys: list[tuple[str, str]], concurrency: int, ord_type: str) -> list[Maker]:
    """Each key exactly once, spread over the connections: the server's first sight of every key."""

    def make(c: int, n: int) -> bytes | None:
        i = c + n * concurrency
        if i >= len(keys):
            return None
        return order_request(keys[i], "buy" if i % 2 == 0 else "sell", n, ord_type)

    return [partial(make, c) for c in range(concurrency)]


# --- servers -------------------------------------------------------------------------------------
def _wait_up(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180  # a first start migrates a new database: slow on a busy box
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited during start-up")
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far, from /proc (None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measured(pid: int, run: Callable[[], Result]) -> Result:
    before = _cpu_seconds(pid)
    result = run()
    after = _cpu_seconds(pid)
    if before is not None and after is not None:
        result.server_cpu_s = after - before
    return result


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def bench_sandex(
    data_dir: Path, keys: list[tuple[str, str]], seconds: float, concurrency: int, ord_type: str = "limit"
) -> Result:
    port = _free_port()
    proc = subprocess.Popen(
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
        # the built-in market maker off: only the benchmark's orders reach the exchange
        env={**os.environ, "PYTHONWARNINGS": "ignore", "SANDEX_MARKET": "false"},
    )
    try:
        _wait_up(port, proc)
        asyncio.run(load("warm-up", port, order_makers(keys[: 2 * PAIRS], 2 * PAIRS, ord_type), 2.0))
        if len(keys) > 2 * PAIRS:  # every other key's first request, then the cache is warm
            first = first_use_makers(keys[2 * PAIRS :], concurrency, ord_type)
            label = f"first use of {len(keys) - 2 * PAIRS} keys (server)"
            print(
                _measured(proc.pid, lambda: asyncio.run(load(label, port, first, 3600.0))).line(), flush=True
            )
        makers = order_makers(keys, concurrency, ord_type)
        name = f"sandex POST /trade/order {ord_type} ({len(keys)} keys)"
        return _measured(proc.pid, lambda: asyncio.run(load(name, port, makers, seconds)))
    finally:
        _stop(proc)


def bench_bare(seconds: float, concurrency: int) -> Result:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", BARE_APP, str(port), PATH])
    try:
        _wait_up(port, proc)
        body = b'{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"1","sz":"1"}'
        request = (
            f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        makers: list[Maker] = [lambda _n: request] * concurrency
        asyncio.run(load("warm-up", port, makers[:4], 1.0))
        return _measured(
            proc.pid, lambda: asyncio.run(load("bare Starlette endpoint (HTTP)   ", port, makers, seconds))
        )
    finally:
        _stop(proc)


async def _direct(rt: Runtime, traders: list[Trader], orders: int, concurrency: int) -> Result:
    await rt.trading.sequencer.start()
    result = Result("TradingService.place (no HTTP)  ", 0.0)
    per_worker = orders // concurrency

    async def worker(c: int) -> None:
        pair = c % PAIRS
        for n in range(per_worker):
            buys = (n + c) % 2 == 0
            trader = traders[2 * pair if buys else 2 * pair + 1]
            step = TICK * (n % 5)
            req = OrderSpec(
                "BTC-USDT",
                Side.BUY if buys else Side.SELL,
                OrdType.LIMIT,
                Decimal(SIZE),
                REF_PX + step if buys else REF_PX - step,
            )
            started = time.perf_counter()
            acks = await rt.trading.service.place(trader, [req])
            result.latencies.append(time.perf_counter() - started)
            if not isinstance(acks, Rejected) and acks[0].ok:
                result.ok += 1
            else:
                result.refused += 1

    commits = rt.trading.sequencer.commits
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker(c) for c in range(concurrency)))
    result.seconds = time.perf_counter() - started
    result.server_cpu_s = time.process_time() - cpu  # this process: the exchange core and its commits
    result.codes = {"commits": rt.trading.sequencer.commits - commits}
    await rt.trading.sequencer.stop()
    return result


def bench_direct(data_dir: Path, orders: int, concurrency: int) -> Result:
    prepare(data_dir)
    rt = open_runtime(Settings(data_dir=data_dir, rate_limits="off"), fast_hashing=True)
    traders = []
    for i in range(2 * PAIRS):
        found = rt.accounts.get_user_by_email(f"bench{i}@example.test")
        assert found is not None
        traders.append(Trader(found.id, Environment.LIVE))
    try:
        return asyncio.run(_direct(rt, traders, orders, concurrency))
    finally:
        rt.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--direct", type=int, default=20_000, help="orders for the in-process run (0: skip)")
    parser.add_argument("--keys", type=int, default=2 * PAIRS, help="API keys the orders rotate over")
    parser.add_argument("--ioc", action="store_true", help="immediate-or-cancel orders instead of limit")
    args = parser.parse_args()
    ord_type = "ioc" if args.ioc else "limit"
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; load generator in this process")
    with tempfile.TemporaryDirectory() as tmp:
        if args.direct:
            print(bench_direct(Path(tmp) / "direct", args.direct, args.concurrency).line(), flush=True)
        keys = prepare(Path(tmp) / "http", max(args.keys, 2 * PAIRS))
        sandex = bench_sandex(Path(tmp) / "http", keys, args.seconds, args.concurrency, ord_type)
        print(sandex.line(), flush=True)
    bare = bench_bare(args.seconds, args.concurrency)
    print(bare.line())
    met = sandex.rate >= TARGET_OPS and sandex.p99_ms < TARGET_P99_MS
    verdict = "met" if met else "NOT met"
    print(f"target >= {TARGET_OPS} orders/s with p99 < {TARGET_P99_MS:.0f} ms over HTTP: {verdict}")
    if bare.rate:
        print(f"sandex serves {sandex.rate / bare.rate:.0%} of the bare Starlette endpoint's request rate")


# --- routes: every kind of OKX route against a bare Starlette endpoint (wrk) ----------------------
# `--routes`: one `sandex serve` (rate limits and the market off) and one bare Starlette app, both
# up for the whole run; per round `wrk` loads, in turn, GET public/time, a signed GET account/balance
# and a signed IOC order (buy far below any ask: acknowledged, then canceled, durably), then the
# bare app's GET and POST. `--baseline-src` adds a second sandex served from another checkout's
# `src` (e.g. main) in the same rounds: before/after in one sitting. Needs wrk (apt-get install wrk).
BARE_ROUTES_APP = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def time_(request):
    return JSONResponse({"code": "0", "msg": "", "data": [{"ts": "1700000000000"}]})

async def order(request):
    await request.body()
    return JSONResponse({"code": "0", "msg": "", "data": [{"ordId": "1", "sCode": "0", "sMsg": ""}]})

routes = [Route(sys.argv[2], time_, methods=["GET"]), Route(sys.argv[3], order, methods=["POST"])]
app = Starlette(routes=routes)
uvicorn.run(
    app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False, proxy_headers=False
)
"""
TIME_PATH, BALANCE_PATH = "/api/v5/public/time", "/api/v5/account/balance"
IOC_BODY = b'{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"ioc","px":"1000","sz":"0.001"}'


@dataclass
class WrkRun:
    rate: float
    p99_ms: float
    cpu_us: float | None  # server CPU per request
    errors: int  # non-2xx answers and socket errors


def _signed_headers(key: tuple[str, str], method: str, path: str, body: bytes) -> dict[str, str]:
    ts = format_rest_timestamp(int(time.time() * 1000))  # valid 30 s: scripts are signed per run
    return {
        "OK-ACCESS-KEY": key[0],
        "OK-ACCESS-SIGN": signing.sign(key[1], signing.prehash(ts, method, path, body)),
        "OK-ACCESS-TIMESTAMP": ts,
        "OK-ACCESS-PASSPHRASE": PASSPHRASE,
    }


def _wrk_script(method: str, body: bytes, headers: dict[str, str]) -> str:
    lines = [f'wrk.method = "{method}"', f"wrk.body = {json.dumps(body.decode())}"]
    lines += [f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()]
    if body:
        lines.append('wrk.headers["Content-Type"] = "application/json"')
    return "\n".join(lines) + "\n"


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(port: int, pid: int, path: str, script: str, seconds: float, conns: int) -> WrkRun:
    return _wrk_out(port, pid, path, script, seconds, conns)[0]


def _wrk_out(port: int, pid: int, path: str, script: str, seconds: float, conns: int) -> tuple[WrkRun, str]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        before = _cpu_seconds(pid)
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{conns}",
                f"-d{round(seconds)}s",
                "--latency",
                "-s",
                file.name,
                f"http://127.0.0.1:{port}{path}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        after = _cpu_seconds(pid)
    finally:
        os.unlink(file.name)
    done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    cpu = (after - before) / done * 1e6 if before is not None and after is not None and done else None
    run = WrkRun(
        rate=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p99_ms=_ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1)),  # type: ignore[union-attr]
        cpu_us=cpu,
        errors=errors,
    )
    return run, out


def _serve(data_dir: Path, src: str | None) -> tuple[int, subprocess.Popen[bytes]]:
    port = _free_port()
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "SANDEX_MARKET": "false"}
    if src is not None:
        env["PYTHONPATH"] = src  # another checkout's code, same interpreter and dependencies
    args = [
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--rate-limits",
        "off",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandex", "serve", *args], env=env, stdout=subprocess.DEVNULL
    )
    _wait_up(port, proc)
    return port, proc


def _check_answers(port: int, key: tuple[str, str]) -> None:
    """Each measured request is answered with code 0 (a refusal would be cheaper than the real work)."""
    base = f"http://127.0.0.1:{port}"
    assert httpx.get(base + TIME_PATH).json()["code"] == "0"
    balance = httpx.get(base + BALANCE_PATH, headers=_signed_headers(key, "GET", BALANCE_PATH, b""))
    assert balance.json()["code"] == "0", balance.text
    headers = {**_signed_headers(key, "POST", PATH, IOC_BODY), "Content-Type": "application/json"}
    order = httpx.post(base + PATH, content=IOC_BODY, headers=headers)
    assert order.json()["data"][0]["sCode"] == "0", order.text


def bench_routes(rounds: int, seconds: float, conns: int, baseline_src: str | None) -> None:
    print(f"routes: wrk -t1 -c{conns} -d{seconds:g}s, {rounds} rounds; load average {os.getloadavg()}")
    results: dict[str, list[WrkRun]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        keys = prepare(Path(tmp) / "tpl")
        key = keys[0]  # a buyer: USDT to spend, so the IOC buy is accepted
        servers: dict[str, tuple[int, subprocess.Popen[bytes]]] = {}
        port = _free_port()
        bare_proc = subprocess.Popen([sys.executable, "-c", BARE_ROUTES_APP, str(port), TIME_PATH, PATH])
        try:
            _wait_up(port, bare_proc)
            servers["bare"] = (port, bare_proc)
            for name, src in (("sandex", None), ("baseline", baseline_src)):
                if name == "baseline" and src is None:
                    continue
                data_dir = Path(tmp) / name
                subprocess.run(["cp", "-a", str(Path(tmp) / "tpl"), str(data_dir)], check=True)
                servers[name] = _serve(data_dir, src)
                _check_answers(servers[name][0], key)
            for _ in range(rounds):
                for name, (port, proc) in servers.items():
                    plans: list[tuple[str, str, str, bytes, dict[str, str] | None]]
                    if name == "bare":
                        plans = [
                            ("bare GET", TIME_PATH, "GET", b"", {}),
                            ("bare POST", PATH, "POST", IOC_BODY, {}),
                        ]
                    else:
                        plans = [
                            (f"{name} GET public/time", TIME_PATH, "GET", b"", {}),
                            (f"{name} GET account/balance", BALANCE_PATH, "GET", b"", None),
                            (f"{name} POST IOC order", PATH, "POST", IOC_BODY, None),
                        ]
                    for label, path, method, body, headers in plans:
                        signed = _signed_headers(key, method, path, body) if headers is None else headers
                        run = wrk(port, proc.pid, path, _wrk_script(method, body, signed), seconds, conns)
                        results.setdefault(label, []).append(run)
                        line = f"{run.rate:9.0f} /s  p99 {run.p99_ms:6.2f} ms  errors {run.errors}"
                        print(f"  {label:34} {line}", flush=True)
        finally:
            for _, proc in servers.values():
                _stop(proc)
    _report(results)
    print(f"load average after: {os.getloadavg()}")


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def _report(results: dict[str, list[WrkRun]]) -> None:
    print("medians:")
    for label, runs in results.items():
        cpu = [r.cpu_us for r in runs if r.cpu_us is not None]
        cpu_text = f"  server CPU {_median(cpu):5.0f} µs/req" if cpu else ""
        rate, p99 = _median([r.rate for r in runs]), _median([r.p99_ms for r in runs])
        print(f"  {label:34} {rate:9.0f} /s  p99 {p99:6.2f} ms{cpu_text}")
    targets = {"GET public/time": ("bare GET", 0.60), "GET account/balance": ("bare GET", None)}
    targets["POST IOC order"] = ("bare POST", 0.20)
    for label, runs in results.items():
        for suffix, (bare, target) in targets.items():
            if label.endswith(suffix) and bare in results:
                ratios = [r.rate / b.rate for r, b in zip(runs, results[bare], strict=False) if b.rate]
                goal = f" (target >= {target:.0%})" if target else ""
                print(f"  {label} / {bare}: median {_median(ratios):.0%} per round{goal}")


def routes_main() -> None:
    parser = argparse.ArgumentParser(description="every kind of OKX route against a bare Starlette endpoint")
    parser.add_argument("--routes", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--baseline-src", help="also serve this checkout's src (../main/src) in the run")
    args = parser.parse_args()
    bench_routes(args.rounds, args.seconds, args.concurrency, args.baseline_src)


# --- many keys through wrk: signed IOC orders rotating over N keys --------------------------------
# `--wrk-keys 8,1000,10000`: per key count, one data dir with that many keys (`prepare`), a bare
# Starlette app and `sandex serve` (and `--baseline-src`'s) on copies of it. Per server: a warm-up on
# the 8 traders' keys, the first-use pass (each other key once, Python client as in `--keys`), then
# `--rounds` timed runs taking turns with the other servers: one request pre-signed per key right
# before each run (OKX accepts a timestamp within 30 s; a run is far shorter) and wrk's Lua
# `request()` handing them out in turn, so every key is used once per N requests while the load
# generator stays C (one wrk thread). IOC orders that never fill: buys (even keys: USDT) far below,
# sells (odd keys: BTC) far above any price. Every answer is checked for sCode 0 ("refused").
IOC_SELL_BODY = IOC_BODY.replace(b'"buy"', b'"sell"').replace(b'"1000"', b'"1000000"')
WRK_ROTATION = """
bad = 0  -- global: done() reads it from the thread
local count, i = #requests, 0
request = function()
  i = i % count + 1
  return requests[i]
end
response = function(status, headers, body)
  if status ~= 200 or not string.find(body, '"sCode":"0"', 1, true) then bad = bad + 1 end
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  local refused = 0
  for _, thread in ipairs(threads) do refused = refused + thread:get("bad") end
  io.write(string.format("refused %d\\n", refused))
end
"""


def ioc_request(key: tuple[str, str], buys: bool) -> bytes:
    """A signed IOC order that never fills, ready to send (the timestamp is now)."""
    body = IOC_BODY if buys else IOC_SELL_BODY
    headers = _signed_headers(key, "POST", PATH, body)
    head = f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def rotation_script(keys: list[tuple[str, str]]) -> str:
    """A wrk script sending one pre-signed IOC order per key, every key in turn."""
    lines = ["requests = {}"]  # one statement per request: no table constructor with N constants
    for i, key in enumerate(keys):
        lines.append(f"requests[{i + 1}] = {json.dumps(ioc_request(key, i % 2 == 0).decode())}")
    return "\n".join(lines) + WRK_ROTATION


def wrk_refused(port: int, pid: int, script: str, seconds: float, conns: int) -> tuple[WrkRun, int]:
    """`wrk` with a rotation script: the run, and how many answers were not an acknowledged order."""
    run, out = _wrk_out(port, pid, PATH, script, seconds, conns)
    refused = re.search(r"^refused (\d+)", out, re.MULTILINE)
    return run, int(refused.group(1)) if refused else -1


def _py_spy(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    """py-spy on the server for the timed run (GIL samples, raw folded stacks), if installed."""
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists():
        print("py-spy not found next to the interpreter: no profile")
        return None
    args = [str(spy), "record", "--gil", "--nonblocking", "-f", "raw", "-r", "200", "-d", str(round(seconds))]
    args += ["-p", str(pid), "-o", str(out)]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def bench_wrk_keys(
    counts: list[int],
    seconds: float,
    conns: int,
    baseline_src: str | None,
    profile_dir: Path | None,
    rounds: int = 1,
) -> None:
    print(
        f"wrk keys: wrk -t1 -c{conns} -d{seconds:g}s, IOC orders, {rounds} round(s); load {os.getloadavg()}"
    )
    summary: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        bare_port = _free_port()
        bare = subprocess.Popen([sys.executable, "-c", BARE_ROUTES_APP, str(bare_port), TIME_PATH, PATH])
        try:
            _wait_up(bare_port, bare)
            for count in counts:
                summary += _keys_count(
                    Path(tmp), count, (bare_port, bare), seconds, conns, baseline_src, profile_dir, rounds
                )
        finally:
            _stop(bare)
    print("summary (medians over the rounds):")
    print("\n".join(summary))
    print(f"load average after: {os.getloadavg()}")


def _keys_count(
    tmp: Path,
    count: int,
    bare: tuple[int, subprocess.Popen[bytes]],
    seconds: float,
    conns: int,
    baseline_src: str | None,
    profile_dir: Path | None,
    rounds: int,
) -> list[str]:
    """One key count: the servers up side by side, each key's first use on each, then `rounds`
    timed runs taking turns (bare, sandex, baseline), so noise from the shared box hits all alike."""
    template = tmp / f"tpl{count}"
    keys = prepare(template, max(count, 2 * PAIRS))
    servers: dict[str, tuple[int, subprocess.Popen[bytes]]] = {}
    firsts: dict[str, str] = {}
    runs: dict[str, list[tuple[WrkRun, int]]] = {}
    try:
        for name, src in (("sandex", None), ("baseline", baseline_src)):
            if name == "baseline" and src is None:
                continue
            data_dir = tmp / f"{name}{count}"
            subprocess.run(["cp", "-a", str(template), str(data_dir)], check=True)
            servers[name] = _serve(data_dir, src)
            firsts[name] = _first_use(*servers[name], keys, conns)
        for r in range(rounds):
            bare_run = wrk(bare[0], bare[1].pid, PATH, _wrk_script("POST", IOC_BODY, {}), seconds, conns)
            runs.setdefault("bare POST", []).append((bare_run, 0))
            print(f"  {count:6} keys  {'bare POST':10}  {_wrk_line(bare_run)}  load {os.getloadavg()[0]:.2f}")
            for name, (port, proc) in servers.items():
                spy = None
                if profile_dir is not None and r == 0:
                    profile_dir.mkdir(parents=True, exist_ok=True)
                    spy = _py_spy(proc.pid, seconds, profile_dir / f"{name}-{len(keys)}keys.txt")
                run, refused = wrk_refused(
                    port, proc.pid, rotation_script(keys), seconds, conns
                )  # signed now
                if spy is not None:
                    spy.wait(timeout=60)
                runs.setdefault(name, []).append((run, refused))
                line = f"{_wrk_line(run)}  refused {refused}  load {os.getloadavg()[0]:.2f}"
                print(f"  {count:6} keys  {name:10}  {line}", flush=True)
    finally:
        for _, proc in servers.values():
            _stop(proc)
    rows = []
    for name, measured in runs.items():
        rate = _median([run.rate for run, _ in measured])
        p99 = _median([run.p99_ms for run, _ in measured])
        cpu = _median([run.cpu_us or 0.0 for run, _ in measured])
        refused = sum(n for _, n in measured)
        share = ""
        if name != "bare POST" and runs.get("bare POST"):
            ratios = [a.rate / b.rate for (a, _), (b, _) in zip(measured, runs["bare POST"], strict=False)]
            share = f"  {_median(ratios):4.0%} of bare"
        line = f"{rate:7.0f} /s  p99 {p99:6.2f} ms  {cpu:5.0f} µs CPU/req{share}"
        rows.append(f"  {count:6} keys  {name:10}  {line}  refused {refused}{firsts.get(name, '')}")
    return rows


def _first_use(port: int, proc: subprocess.Popen[bytes], keys: list[tuple[str, str]], conns: int) -> str:
    """A warm-up on the traders' keys, then every other key's first request (the Python client, as
    `--keys`): server CPU per key, the order included."""
    wrk_refused(port, proc.pid, rotation_script(keys[: 2 * PAIRS]), 2.0, conns)
    if len(keys) <= 2 * PAIRS:
        return ""
    makers = first_use_makers(keys[2 * PAIRS :], conns, "ioc")
    used = _measured(proc.pid, lambda: asyncio.run(load("first use", port, makers, 3600.0)))
    per_key = (used.server_cpu_s or 0.0) / (len(keys) - 2 * PAIRS) * 1e6
    return f"   first use {per_key:5.0f} µs CPU/key ({used.refused} refused)"


def _wrk_line(run: WrkRun) -> str:
    cpu = f"{run.cpu_us:5.0f} µs CPU/req" if run.cpu_us is not None else "CPU n/a"
    return f"{run.rate:7.0f} /s  p99 {run.p99_ms:6.2f} ms  {cpu}  errors {run.errors}"


def wrk_keys_main() -> None:
    parser = argparse.ArgumentParser(description="signed IOC orders over many keys, through wrk")
    parser.add_argument("--wrk-keys", default="8,1000,10000", help="key counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--baseline-src", help="also serve this checkout's src (../main/src) in the run")
    parser.add_argument("--rounds", type=int, default=1, help="timed runs per server and key count")
    parser.add_argument("--profile", type=Path, help="py-spy --gil raw profiles of the first round here")
    args = parser.parse_args()
    counts = [int(n) for n in args.wrk_keys.split(",")]
    bench_wrk_keys(counts, args.seconds, args.concurrency, args.baseline_src, args.profile, args.rounds)


if __name__ == "__main__":
    if "--routes" in sys.argv:
        routes_main()
    elif any(arg.startswith("--wrk-keys") for arg in sys.argv):
        wrk_keys_main()
    else:
        main()
