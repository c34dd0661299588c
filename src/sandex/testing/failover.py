"""Failover trials on PostgreSQL: a lease holder and a standby (`sandex serve --standby`) under a
load of signed-order clients; kill -9 or SIGSTOP the holder and see who serves, how soon, and
that nothing acknowledged was lost. Used by `tests/reliability/test_failover.py` (a few trials) and
`bench/bench_failover.py` (20 trials, and the standby in its own UTS namespace).

Every client logs each acknowledged `(clOrdId, ordId)` with the time it arrived and the port that
answered; `verify` checks each one against the `orders` table and the ledger's sums against the
deposits. A failover's time runs from the kill (or stop) to the first acknowledgement from the
standby's port.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from sandex.domain.keys import signing
from sandex.domain.keys.timestamps import format_rest_timestamp
from sandex.storage.db import create_db_engine

ORDER = "/api/v5/trade/order"
HEALTH = "/sandex/health"
PASSWORD = "Correct-Horse-9"  # noqa: S105 - a test user's
PASSPHRASE = "Sandex#2026"  # noqa: S105 - a test key's
CLIENTS = 8  # concurrent signed-order clients (half buy, half sell, around one price: many cross)
REQUEST_TIMEOUT_S = 2.0  # a client gives up on a silent server after this and tries the other port
START_TIMEOUT_S = 180.0  # a start on a loaded 2-core box can take long: readiness, never a duration


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


@contextlib.contextmanager
def scratch_database(admin_url: str, prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on `admin_url`'s server (its URL), dropped afterwards (a
    bench's: the test suite has its own fixtures)."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _cli(*args: str, data_dir: Path, database_url: str) -> str:
    """`sandex ARGS` in a process of its own, as a user runs it (this layer does not import the CLI)."""
    command = [
        sys.executable,
        "-m",
        "sandex",
        *args,
        "--data-dir",
        str(data_dir),
        "--database-url",
        database_url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - our own
    if result.returncode != 0:
        raise RuntimeError(f"sandex {' '.join(args[:2])} failed: {result.stderr or result.stdout}")
    return result.stdout


def prepare(data_dir: Path, database_url: str, clients: int = CLIENTS) -> list[dict[str, Any]]:
    """`clients` funded traders with a trading key each (even ones buy, odd ones sell)."""
    keys: list[dict[str, Any]] = []
    for n in range(clients):
        email, (ccy, amount) = f"t{n}@example.test", (("USDT", "10000000") if n % 2 == 0 else ("BTC", "1000"))
        _cli("user", "add", email, "--password", PASSWORD, data_dir=data_dir, database_url=database_url)
        created = _cli(
            "key", "add", email, "--label", "bot", "--passphrase", PASSPHRASE, "--perm", "read_only,trade",
            "--json", data_dir=data_dir, database_url=database_url,
        )  # fmt: skip
        keys.append(json.loads(created))
        _cli("deposit", email, ccy, amount, data_dir=data_dir, database_url=database_url)
    return keys


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def health(self) -> str | None:
        try:
            return str(httpx.get(self.base_url + HEALTH, timeout=1).json()["status"])
        except (httpx.TransportError, ValueError, KeyError):
            return None

    def wait_for(self, status: str, timeout_s: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.health() == status:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"server on {self.port} never said {status!r}; log:\n{self.log.read_text()}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            with_signal(self.proc.pid, signal.SIGCONT)  # a stopped process dies only once resumed
            self.proc.kill()
        self.proc.wait(timeout=30)  # reaped: a zombie's pid would still look alive to a standby


def with_signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def start_server(
    data_dir: Path,
    database_url: str,
    log: Path,
    *,
    standby: bool = False,
    hostname: str | None = None,
    extra: Sequence[str] = (),
) -> Server:
    """`sandex serve` on a free port (`hostname`: in a UTS namespace of its own, as on another
    host; needs root). Returns at once: wait with `Server.wait_for`."""
    port = free_port()
    command = [
        sys.executable, "-m", "sandex", "serve", "--port", str(port), "--data-dir", str(data_dir),
        "--database-url", database_url, "--rate-limits", "off", "--log-level", "info", "--market", "off",
        *(["--standby"] if standby else []), *extra,
    ]  # fmt: skip
    if hostname is not None:  # unshare and sh exec: the pid is the server's
        command = ["unshare", "--uts", "sh", "-c", f'hostname {hostname} && exec "$@"', "sh", *command]
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    return Server(proc, port, log)


@dataclass(frozen=True, slots=True)
class Ack:
    port: int
    cl_ord_id: str
    ord_id: str
    at: float  # time.monotonic() when the answer arrived
    sent: float = 0.0  # time.monotonic() when the request went out


@dataclass
class Load:
    """`CLIENTS` threads placing crossing limit orders, each switching port when one fails it (or,
    `spread`, using every port in turn)."""

    keys: list[dict[str, Any]]
    ports: list[int]
    tag: str  # makes the clOrdIds of one trial unique
    spread: bool = False  # client n's i-th request goes to port n + i (else: one port until it fails)
    acks: list[Ack] = field(default_factory=list)
    unknown: int = 0  # requests with no answer (the order may or may not exist)
    stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> Load:
        for n, key in enumerate(self.keys):
            thread = threading.Thread(target=self._client, args=(n, key), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def acked_on(self, port: int, after: float = 0.0) -> list[Ack]:
        with self._lock:
            return [a for a in self.acks if a.port == port and a.at > after]

    def sent_after(self, after: float) -> list[Ack]:
        """Acknowledgements of requests sent after `after` (on any port), in the order they arrived."""
        with self._lock:
            return [a for a in self.acks if a.sent > after]

    def wait_sent_after(
        self, after: float, count: int = 1, port: int | None = None, timeout_s: float = START_TIMEOUT_S
    ) -> Ack:
        """The `count`-th acknowledgement of a request sent after `after` (from `port`, or any)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            got = [a for a in self.sent_after(after) if port is None or a.port == port]
            if len(got) >= count:
                return got[count - 1]
            time.sleep(0.002)
        raise AssertionError(f"fewer than {count} acknowledgements (port {port}) of requests sent after")

    def wait_acks(self, port: int, count: int, after: float = 0.0, timeout_s: float = START_TIMEOUT_S) -> Ack:
        """The `count`-th acknowledgement from `port` arriving after `after`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            got = self.acked_on(port, after)
            if len(got) >= count:
                return got[count - 1]
            time.sleep(0.002)
        raise AssertionError(f"fewer than {count} acknowledgements from port {port}")

    def _client(self, n: int, key: dict[str, Any]) -> None:
        side, i, which = ("buy" if n % 2 == 0 else "sell"), 0, 0
        clients = {port: httpx.Client(timeout=REQUEST_TIMEOUT_S) for port in self.ports}
        try:
            while not self.stop.is_set():
                i += 1
                port = self.ports[(n + i if self.spread else which) % len(self.ports)]  # which: on failure
                cl_ord_id = f"{self.tag}c{n}n{i}"
                sent = time.monotonic()
                try:
                    reply = place_order(clients[port], port, key, side, i, cl_ord_id)
                except (httpx.TransportError, ValueError):
                    with self._lock:
                        self.unknown += 1
                    which += 1
                    time.sleep(0.01)
                    continue
                item = (reply.get("data") or [{}])[0]
                if reply.get("code") == "0" and item.get("sCode") == "0":
                    with self._lock:
                        self.acks.append(Ack(port, cl_ord_id, item["ordId"], time.monotonic(), sent))
                elif str(reply.get("code", "")).startswith("50"):  # a standby, or one that stepped down
                    which += 1
                    time.sleep(0.01)
        finally:
            for client in clients.values():
                client.close()


def signed_order(key: dict[str, Any], body: dict[str, str]) -> tuple[dict[str, str], bytes]:
    """The headers and body of `POST /api/v5/trade/order` with `body`, signed now with `key` (the
    dict `sandex key add --json` prints), as an OKX client sends it."""
    raw = json.dumps(body).encode()
    ts = format_rest_timestamp(int(time.time() * 1000))
    headers = {
        "OK-ACCESS-KEY": key["apiKey"],
        "OK-ACCESS-PASSPHRASE": key["passphrase"],
        "OK-ACCESS-TIMESTAMP": ts,
        "OK-ACCESS-SIGN": signing.sign(key["secretKey"], signing.prehash(ts, "POST", ORDER, raw)),
        "Content-Type": "application/json",
    }
    return headers, raw


def place_order(
    http: httpx.Client, port: int, key: dict[str, Any], side: str, i: int, cl_ord_id: str
) -> dict[str, Any]:
    # every bid at or above every ask: whatever rests is filled by the next order of the other side,
    # so the books stay short (an account may have 500 pending orders per instrument)
    px = 101 + i % 3 if side == "buy" else 99 - i % 3
    body = {"instId": "BTC-USDT", "tdMode": "cash", "side": side, "ordType": "limit", "px": str(px)}
    headers, raw = signed_order(key, {**body, "sz": "0.01", "clOrdId": cl_ord_id})
    reply: dict[str, Any] = http.post(f"http://127.0.0.1:{port}{ORDER}", content=raw, headers=headers).json()
    return reply


# --- the database's view -------------------------------------------------------------------------
def engine_for(database_url: str) -> Engine:
    return create_db_engine(database_url, application_name="sandex-failover-harness")


def lease(engine: Engine) -> tuple[str, int]:
    """(owner, epoch) of the sequencer lease."""
    with engine.connect() as conn:
        owner, epoch = conn.execute(text("SELECT owner, epoch FROM sequencer_lease")).one()
    return str(owner), int(epoch)


def session_states(engine: Engine, owner: str) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT state FROM pg_stat_activity WHERE application_name = :owner"), {"owner": owner}
        ).scalars()
        return [str(state) for state in rows]


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, and the lease row itself: what a process that writes nothing leaves alone."""
    with engine.connect() as conn:
        names = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        ).scalars()
        count = 'SELECT count(*) FROM "{}"'  # the catalogue's own table names
        counts = {n: int(conn.execute(text(count.format(n))).scalar_one()) for n in names}
        owner, epoch = conn.execute(text("SELECT owner, epoch FROM sequencer_lease")).one()
        counts[f"lease {owner} {epoch}"] = 1
    return counts


@dataclass(frozen=True, slots=True)
class Verified:
    acked: int
    missing: list[str]  # acknowledged clOrdIds not in `orders` with their ordId
    money_ok: bool  # every currency's balances add up to its deposits


def verify(engine: Engine, acks: Sequence[Ack]) -> Verified:
    with engine.connect() as conn:
        stored = {
            (str(c), str(o)) for c, o in conn.execute(text("SELECT cl_ord_id, ord_id FROM orders")).all()
        }
        totals: dict[str, Any] = dict(
            conn.execute(text("SELECT ccy, sum(available + frozen) FROM balances GROUP BY ccy")).all()
        )
        deposits: dict[str, Any] = dict(
            conn.execute(
                text("SELECT ccy, sum(delta_available) FROM postings WHERE reason = 'deposit' GROUP BY ccy")
            ).all()
        )
    missing = [a.cl_ord_id for a in acks if (a.cl_ord_id, a.ord_id) not in stored]
    money = defaultdict(int, {k: int(v) for k, v in totals.items()})
    return Verified(len(acks), missing, all(money[k] == int(v) for k, v in deposits.items()))


# --- trials ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Trial:
    kind: str  # "kill" | "stop"
    failover_s: float  # kill/stop -> first acknowledgement from the standby
    verified: Verified
    epochs: int  # lease takeovers during the trial: 1 unless the lease went back and forth
    old_acked_after_resume: int  # "stop": acknowledgements from the resumed old holder (must be 0)
    old_exit: int | None  # "stop": the old holder's exit status once resumed
    mid_commit: bool = True  # "stop": the holder was caught inside a transaction
    old_exit_s: float = 0.0  # "stop": SIGCONT -> the old holder's exit


@dataclass
class Pair:
    """A holder and a standby on one database; after a trial the standby holds and a new standby waits."""

    data_dir: Path
    database_url: str
    logs: Path
    keys: list[dict[str, Any]]
    other_host: bool = False  # each standby in a UTS namespace of its own
    holder: Server | None = None
    standby: Server | None = None
    started: int = 0
    servers: list[Server] = field(default_factory=list)

    def __enter__(self) -> Pair:
        self.holder = self._start(standby=False)
        self.holder.wait_for("serving")
        self.standby = self._start(standby=True)
        self.standby.wait_for("standby")
        return self

    def __exit__(self, *_exc: object) -> None:
        for server in self.servers:
            server.kill()

    def _start(self, *, standby: bool) -> Server:
        self.started += 1
        hostname = f"node{self.started}" if self.other_host and standby else None
        log = self.logs / f"server{self.started}.log"
        server = start_server(self.data_dir, self.database_url, log, standby=standby, hostname=hostname)
        self.servers.append(server)
        return server

    def _next(self) -> None:
        self.holder, self.standby = self.standby, self._start(standby=True)
        self.standby.wait_for("standby")

    def kill_trial(self, engine: Engine, warm_acks: int = 100) -> Trial:
        """kill -9 the holder under load; the standby takes over."""
        assert self.holder is not None and self.standby is not None
        old, new = self.holder, self.standby
        _, epoch = lease(engine)
        with Load(self.keys, [old.port, new.port], f"k{self.started}") as load:
            load.wait_acks(old.port, warm_acks)
            killed_at = time.monotonic()
            old.proc.kill()
            old.proc.wait(timeout=30)  # reaped, as a supervisor does
            first = load.wait_acks(new.port, 1, after=killed_at)
            load.wait_acks(new.port, 50, after=killed_at)  # it goes on serving
        took = lease(engine)[1] - epoch
        trial = Trial("kill", first.at - killed_at, verify(engine, load.acks), took, 0, None)
        self._next()
        return trial

    def stop_trial(self, engine: Engine, pause_s: float, warm_acks: int = 100) -> Trial:
        """SIGSTOP the holder inside a group commit (stopped again until PostgreSQL shows its session
        idle in transaction), keep it stopped `pause_s`, resume it: the standby took over meanwhile,
        and the old holder acknowledges nothing more and exits."""
        assert self.holder is not None and self.standby is not None
        old, new = self.holder, self.standby
        owner, epoch = lease(engine)
        with Load(self.keys, [old.port, new.port], f"s{self.started}") as load:
            load.wait_acks(old.port, warm_acks)
            stopped_at, caught = stop_mid_commit(old, engine, owner)
            first = load.wait_acks(new.port, 1, after=stopped_at)
            time.sleep(max(0.0, stopped_at + pause_s - time.monotonic()))
            resumed_at = time.monotonic()
            with_signal(old.proc.pid, signal.SIGCONT)
            code = old.proc.wait(timeout=60)
            exited_s = time.monotonic() - resumed_at
            load.wait_acks(new.port, 50, after=resumed_at)
        took = lease(engine)[1] - epoch
        late = len(load.acked_on(old.port, after=resumed_at))
        verified = verify(engine, load.acks)
        trial = Trial("stop", first.at - stopped_at, verified, took, late, code, caught, exited_s)
        self._next()
        return trial


def stop_mid_commit(server: Server, engine: Engine, owner: str, attempts: int = 400) -> tuple[float, bool]:
    """SIGSTOP `server` until its database session is caught inside a transaction; when, and
    whether it was caught so."""
    for attempt in range(attempts):
        os.kill(server.proc.pid, signal.SIGSTOP)
        stopped_at = time.monotonic()
        if "idle in transaction" in session_states(engine, owner):
            return stopped_at, True
        os.kill(server.proc.pid, signal.SIGCONT)
        time.sleep(0.001 * (attempt % 7))
    os.kill(server.proc.pid, signal.SIGSTOP)  # never caught inside: a plain pause then
    return time.monotonic(), False
