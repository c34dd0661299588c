"""Memory and latency of a real `sandex serve` under two resource attacks (run by hand).

    python bench/bench_resources.py [--body-mb 500] [--threads 32] [--seconds 10] [--slow 2000]
                                    [--only 1,2a,2b,2c,3] [--src DIR]

Each scenario starts a fresh `sandex serve` process (SQLite in a temp dir, market off, rate limits
off, argon2 at its real cost) and reads its resident memory from /proc (Linux): `VmRSS` once it is
warm, `VmHWM` (the peak) after the attack.

1. Oversized body: one unauthenticated POST /api/v5/trade/order declaring `--body-mb` MB, streamed
   in 1 MiB pieces over a raw socket. Reports the answer, how much the client managed to send, the
   peak RSS.
2. Wrong-passphrase flood: `--threads` threads send signed GETs with wrong passphrases on user A's
   key for `--seconds`, while user B places orders one after another on its own key; B's latency is
   measured alone first, then during the flood. Two attackers: one without A's secret (any
   signature: the campaign's case), one with it (valid signatures, a new wrong passphrase each time).
   For reference, the same threads flooding GET /api/v5/public/time: what any cheap request flood
   costs the trader on this machine (the client and the server share its cores).

3. Slowloris: `--slow` connections each send an unfinished request head and keep quiet; then one
   normal request is timed, and the bench waits (up to 60 s) for the server to close the slow ones.

Every server starts with a soft open-files limit of 1,024 (a common default; sandex now raises it to
the hard limit itself).

`--src DIR` runs the server from another source tree (e.g. a `git worktree` of an older commit: its
`src`), to compare before and after on the same machine. The client stays this tree's code.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import resource
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.keys import signing
from sandex.domain.keys.rules import CreateKeyRequest
from sandex.domain.keys.timestamps import format_rest_timestamp
from sandex.process import open_runtime

PASSPHRASE = "Sandex#2026"
ORDER = b'{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"ioc","px":"1000","sz":"0.001"}'
MIB = 1024 * 1024


@dataclass(frozen=True)
class Key:
    api_key: str
    secret: str


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int

    def memory_mib(self, field_name: str) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"no {field_name} in /proc")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


# --- setup ---------------------------------------------------------------------------------------
def prepare(data_dir: Path) -> tuple[Key, Key]:
    """User A (the attacked key) and user B (a trader with USDT), keys hashed at argon2's real cost."""
    rt = open_runtime(Settings(data_dir=data_dir, rate_limits="off"))
    keys = []
    for name in ("victim", "trader"):
        user = rt.accounts.register(f"{name}@example.test", "Correct-Horse-9")
        assert not isinstance(user, Rejected), user
        created = rt.keys.keys.create(user.id, CreateKeyRequest(name, PASSPHRASE, "read_only,trade"))
        assert not isinstance(created, Rejected), created
        keys.append((user.id, Key(created.info.api_key, created.secret)))

    async def fund() -> None:
        await rt.trading.sequencer.start()
        try:
            done = await rt.trading.service.deposit(keys[1][0], Environment.LIVE, "USDT", Decimal(10**9))
            assert not isinstance(done, Rejected), done
        finally:
            await rt.trading.sequencer.stop()

    asyncio.run(fund())
    rt.engine.dispose()
    return keys[0][1], keys[1][1]


def start_server(data_dir: Path, src: Path | None) -> Server:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    command = [
        sys.executable,
        "-m",
        "sandex",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--market",
        "off",
        "--rate-limits",
        "off",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(command, env=env, preexec_fn=_default_open_files_limit)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                server = Server(proc, port)
                get(server, "/api/v5/public/time")
                return server
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def _default_open_files_limit() -> None:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))


# --- requests ------------------------------------------------------------------------------------
def signed_headers(
    key: Key, method: str, target: str, body: bytes, passphrase: str, sign: str | None = None
) -> dict[str, str]:
    ts = format_rest_timestamp(int(time.time() * 1000))
    return {
        "OK-ACCESS-KEY": key.api_key,
        "OK-ACCESS-SIGN": sign or signing.sign(key.secret, signing.prehash(ts, method, target, body)),
        "OK-ACCESS-TIMESTAMP": ts,
        "OK-ACCESS-PASSPHRASE": passphrase,
        "Content-Type": "application/json",
    }


def get(server: Server, target: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        conn.request("GET", target, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def code_of(body: bytes) -> str:
    try:
        return str(json.loads(body).get("code"))
    except ValueError:
        return body[:30].decode(errors="replace")


# --- scenario 1: one huge unauthenticated body ---------------------------------------------------
def oversized_body(server: Server, megabytes: int) -> None:
    warm = server.memory_mib("VmRSS")
    size, sent = megabytes * MIB, 0
    head = (
        f"POST /api/v5/trade/order HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {size}\r\n\r\n"
    ).encode()
    chunk = b" " * MIB
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", server.port), timeout=300) as sock:
        sock.sendall(head)
        try:
            while sent < size:
                sock.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the server hung up: what it answered is still readable, or lost with the reset
        answer = b""
        try:
            while part := sock.recv(65536):
                answer += part
        except OSError:
            pass
    took = time.perf_counter() - started
    status = answer.split(b"\r\n", 1)[0].decode(errors="replace") or "(connection reset, no answer)"
    body = answer.partition(b"\r\n\r\n")[2][:120].decode(errors="replace")
    print(f"  answer: {status} {body}")
    print(f"  client sent {sent / MIB:.0f} of {megabytes} MiB in {took:.2f} s")
    print(f"  server RSS: {warm:.0f} MiB warm -> peak {server.memory_mib('VmHWM'):.0f} MiB")


# --- scenario 2: wrong passphrases beside a trader -----------------------------------------------
@dataclass
class Flood:
    codes: Counter[str] = field(default_factory=Counter)
    stop: threading.Event = field(default_factory=threading.Event)


def attacker(server: Server, victim: Key | None, with_secret: bool, flood: Flood, n: int) -> None:
    """Wrong passphrases on `victim`'s key; with no victim, plain public requests."""
    target = "/api/v5/account/balance" if victim else "/api/v5/public/time"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    guess = 0
    while not flood.stop.is_set():
        guess += 1
        passphrase = f"Guess#{n}-{guess}"
        sign = None if with_secret else "A" * 44
        headers = signed_headers(victim, "GET", target, b"", passphrase, sign) if victim else {}
        try:
            conn.request("GET", target, headers=headers)
            response = conn.getresponse()
            flood.codes[code_of(response.read())] += 1
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    conn.close()


def order_latencies(server: Server, trader: Key, seconds: float) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    path, latencies = "/api/v5/trade/order", []
    stop_at = time.perf_counter() + seconds
    while time.perf_counter() < stop_at:
        headers = signed_headers(trader, "POST", path, ORDER, PASSPHRASE)
        started = time.perf_counter()
        conn.request("POST", path, body=ORDER, headers=headers)
        body = conn.getresponse().read()
        latencies.append(time.perf_counter() - started)
        assert b'"sCode":"0"' in body, body
    conn.close()
    return latencies


def summary(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {statistics.median(ordered) * 1000:7.2f} ms  p99 {p99 * 1000:7.2f} ms  (n={len(ordered)})"


def passphrase_flood(
    server: Server, victim: Key | None, trader: Key, threads: int, seconds: float, with_secret: bool
) -> None:
    order_latencies(server, trader, 1.0)  # warm: the trader's key is cached, argon2 paid once
    warm = server.memory_mib("VmRSS")
    print(f"  trader alone:        {summary(order_latencies(server, trader, seconds))}")
    flood = Flood()
    attack = (server, victim, with_secret, flood)
    workers = [threading.Thread(target=attacker, args=(*attack, n)) for n in range(threads)]
    for worker in workers:
        worker.start()
    try:
        print(f"  trader during flood: {summary(order_latencies(server, trader, seconds))}")
    finally:
        flood.stop.set()
        for worker in workers:
            worker.join(300)
    total = sum(flood.codes.values())
    print(f"  attacker: {total} requests ({total / seconds:.0f}/s), answers {dict(flood.codes)}")
    print(f"  server RSS: {warm:.0f} MiB warm -> peak {server.memory_mib('VmHWM'):.0f} MiB")


# --- scenario 3: slow request heads --------------------------------------------------------------
def slowloris(server: Server, connections: int) -> None:
    head = b"GET /api/v5/public/time HTTP/1.1\r\nHost: 127.0.0.1\r\n"  # no blank line: never ends
    slow = []
    for _ in range(connections):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        sock.sendall(head)
        slow.append(sock)
    opened = time.monotonic()
    started = time.perf_counter()
    try:
        status, body = get_with_timeout(server, "/api/v5/public/time", 10.0)
        normal = f"HTTP {status} {body[:40]!r}"
    except OSError as exc:
        normal = f"failed: {exc!r}"
    print(
        f"  with {connections} slow connections open, a normal request: {normal} "
        f"after {(time.perf_counter() - started) * 1000:.0f} ms"
    )
    still_open = set(slow)
    with selectors.DefaultSelector() as selector:  # epoll: select() stops at descriptor 1,023
        for sock in slow:
            selector.register(sock, selectors.EVENT_READ)
        while still_open and time.monotonic() - opened < 60:
            for ready, _ in selector.select(timeout=1.0):
                sock = ready.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    closed = sock.recv(1) == b""
                except OSError:
                    closed = True
                if closed:
                    selector.unregister(sock)
                    still_open.discard(sock)
    waited = time.monotonic() - opened
    print(
        f"  slow connections closed by the server: {connections - len(still_open)} of {connections} "
        f"within {waited:.1f} s; still open: {len(still_open)}"
    )
    for sock in slow:
        sock.close()


def get_with_timeout(server: Server, target: str, timeout: float) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request("GET", target)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--body-mb", type=int, default=500)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--slow", type=int, default=2000, help="slow connections in scenario 3")
    parser.add_argument("--only", default="", help="scenarios to run, e.g. 1,3 (default: all)")
    parser.add_argument("--src", type=Path, default=None, help="run the server from this source tree")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sandex-bench-res-") as tmp:
        data_dir = Path(tmp) / "data"
        victim, trader = prepare(data_dir)
        print(f"server code: {args.src or 'this tree'}")
        scenarios = [
            (
                f"1. unauthenticated POST declaring {args.body_mb} MiB",
                lambda s: oversized_body(s, args.body_mb),
            ),
            (
                f"2a. {args.threads} threads, wrong passphrases, no secret (any signature)",
                lambda s: passphrase_flood(s, victim, trader, args.threads, args.seconds, with_secret=False),
            ),
            (
                f"2b. {args.threads} threads, wrong passphrases, valid signatures (the secret leaked)",
                lambda s: passphrase_flood(s, victim, trader, args.threads, args.seconds, with_secret=True),
            ),
            (
                f"2c. reference: {args.threads} threads of GET /api/v5/public/time",
                lambda s: passphrase_flood(s, None, trader, args.threads, args.seconds, with_secret=False),
            ),
            (
                f"3. {args.slow} connections sending an unfinished request head",
                lambda s: slowloris(s, args.slow),
            ),
        ]
        wanted = {part.strip() for part in args.only.split(",") if part.strip()}
        for title, run in scenarios:
            if wanted and title.split(".")[0] not in wanted:
                continue
            print(title)
            server = start_server(data_dir, args.src)
            try:
                run(server)
            finally:
                server.stop()


if __name__ == "__main__":
    main()
