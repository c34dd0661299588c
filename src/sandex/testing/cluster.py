"""Cluster trials on PostgreSQL and NATS: one `sandex serve --role sequencer` (the database's one
writer), one `--role sequencer --standby` and API processes (`--role api`) that forward commands to
the sequencer and keep replicas. Used by `tests/reliability/test_cluster.py` (a few trials) and
`bench/bench_cluster_failover.py` (20 trials).

The signed-order clients of `sandex.testing.failover.Load` talk to the API processes only, each
client to each port in turn (a port that fails a request is simply left until its next turn). A
failover's time runs from the kill (or stop) of the sequencer to the first acknowledgement, through
any API port, of a request sent after it: an answer to a request sent earlier may still have come
from the old sequencer.
"""

from __future__ import annotations

import re
import signal
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine

from sandex.domain.keys import signing
from sandex.domain.keys.timestamps import format_rest_timestamp
from sandex.testing.failover import (
    START_TIMEOUT_S,
    Load,
    Server,
    Trial,
    lease,
    place_order,
    start_server,
    stop_mid_commit,
    verify,
    with_signal,
)

NATS_URL = "nats://127.0.0.1:4222"
API_PROCESSES = 3
BALANCE = "/api/v5/account/balance"
_CLIENT = re.compile(r"c(\d+)n\d+$")  # the client's number in a Load's clOrdId


def nats_reachable(url: str = NATS_URL, timeout_s: float = 2.0) -> bool:
    """Whether a NATS server answers at `url`: it greets every new connection with its INFO line."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 4222), timeout_s) as sock:
            sock.settimeout(timeout_s)
            return sock.recv(5) == b"INFO "
    except OSError:
        return False


@dataclass(frozen=True, slots=True)
class ClusterTrial(Trial):
    every_port_s: float = 0.0  # kill/stop -> every API port has acknowledged a request sent after it
    unanswered: int = 0  # requests the clients gave up on (no answer in 2 s, or a refused connection)
    unanswered_after_takeover: int = 0  # "stop": of those, between every port's first ack and the resume


@dataclass(frozen=True, slots=True)
class ApiKill:
    survivors_acked: dict[int, int]  # API port -> acknowledgements of requests sent after the kill
    clients_acked: int  # clients with an acknowledgement of a request sent after the kill
    verified: Any  # failover.Verified


@dataclass
class Cluster:
    """A sequencer, a standby and `apis` API processes on one database and one NATS server; after a
    sequencer failover the standby is the sequencer and a new standby waits."""

    data_dir: Path
    database_url: str
    logs: Path
    keys: list[dict[str, Any]]
    nats_url: str = NATS_URL
    apis: int = API_PROCESSES
    other_host: bool = False  # each standby in a UTS namespace of its own (another hostname; root)
    sequencer: Server | None = None
    standby: Server | None = None
    api: list[Server] = field(default_factory=list)
    started: int = 0
    servers: list[Server] = field(default_factory=list)

    def __enter__(self) -> Cluster:
        try:
            self.sequencer = self._start("sequencer")
            self.sequencer.wait_for("serving")  # holds the lease before a standby could take it
            self.standby = self._start("sequencer", standby=True)
            self.api = [self._start("api") for _ in range(self.apis)]
            self.standby.wait_for("standby")
            for server in self.api:
                server.wait_for("serving")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        for server in self.servers:
            server.kill()

    @property
    def api_ports(self) -> list[int]:
        return [server.port for server in self.api]

    def _start(self, role: str, *, standby: bool = False) -> Server:
        self.started += 1
        log = self.logs / f"{role}{'-standby' if standby else ''}{self.started}.log"
        extra = ["--role", role, "--nats-url", self.nats_url]
        hostname = f"standby-{self.started}" if standby and self.other_host else None
        server = start_server(
            self.data_dir, self.database_url, log, standby=standby, hostname=hostname, extra=extra
        )
        self.servers.append(server)
        return server

    def _next(self) -> None:
        self.sequencer, self.standby = self.standby, self._start("sequencer", standby=True)
        self.standby.wait_for("standby")

    def _load(self, tag: str, warm_acks: int) -> Load:
        """The clients, started and acknowledged `warm_acks` times on every API port."""
        load = Load(self.keys, self.api_ports, f"{tag}{self.started}", spread=True).__enter__()
        try:
            for port in self.api_ports:
                load.wait_acks(port, warm_acks)
        except BaseException:
            load.__exit__()
            raise
        return load

    def _every_port(self, load: Load, after: float) -> float:
        """When the last API port acknowledged its first request sent after `after`."""
        return max(load.wait_sent_after(after, 1, port).at for port in self.api_ports)

    # --- trials ------------------------------------------------------------------------------------
    def kill_trial(self, engine: Engine, warm_acks: int = 30) -> ClusterTrial:
        """kill -9 the sequencer under load: the standby takes over, the API processes' replicas
        reload on its start and their clients are acknowledged again."""
        assert self.sequencer is not None and self.standby is not None
        old = self.sequencer
        _, epoch = lease(engine)
        with self._load("k", warm_acks) as load:
            killed_at = time.monotonic()
            old.proc.kill()
            old.proc.wait(timeout=30)  # reaped, as a supervisor does
            first = load.wait_sent_after(killed_at)
            every = self._every_port(load, killed_at)
            load.wait_sent_after(killed_at, 50)  # they go on being served
        took = lease(engine)[1] - epoch
        verified = verify(engine, load.acks)
        trial = ClusterTrial(
            "kill", first.at - killed_at, verified, took, 0, None, every_port_s=every - killed_at,
            unanswered=load.unknown,
        )  # fmt: skip
        self._next()
        return trial

    def stop_trial(self, engine: Engine, pause_s: float, warm_acks: int = 30) -> ClusterTrial:
        """SIGSTOP the sequencer inside a group commit for `pause_s`: the standby takes over; once
        resumed the old one acknowledges nothing (through its own port: probed until it exits)."""
        assert self.sequencer is not None and self.standby is not None
        old = self.sequencer
        owner, epoch = lease(engine)
        with self._load("s", warm_acks) as load:
            stopped_at, caught = stop_mid_commit(old, engine, owner)
            first = load.wait_sent_after(stopped_at)
            every = self._every_port(load, stopped_at)
            taken_over = load.unknown
            time.sleep(max(0.0, stopped_at + pause_s - time.monotonic()))
            resumed_at, stalled = time.monotonic(), load.unknown - taken_over
            with_signal(old.proc.pid, signal.SIGCONT)
            late = _acks_until_exit(old, self.keys[0])
            code = old.proc.wait(timeout=60)
            exited_s = time.monotonic() - resumed_at
            load.wait_sent_after(resumed_at, 50)
        took = lease(engine)[1] - epoch
        verified = verify(engine, load.acks)
        trial = ClusterTrial(
            "stop", first.at - stopped_at, verified, took, late, code, caught, exited_s, every - stopped_at,
            load.unknown, stalled,
        )  # fmt: skip
        self._next()
        return trial

    def kill_api(self, engine: Engine, index: int, warm_acks: int = 30, after_acks: int = 50) -> ApiKill:
        """kill -9 one API process under load: the others go on acknowledging (its clients move to
        them). A new API process takes its place afterwards."""
        victim = self.api[index]
        survivors = [p for p in self.api_ports if p != victim.port]
        with self._load("a", warm_acks) as load:
            killed_at = time.monotonic()
            victim.proc.kill()
            victim.proc.wait(timeout=30)
            for port in survivors:
                load.wait_sent_after(killed_at, after_acks, port)
            clients: set[int] = set()  # every client is acknowledged again (its first port or the next)
            deadline = time.monotonic() + START_TIMEOUT_S
            while time.monotonic() < deadline:
                clients = {_client_of(a.cl_ord_id) for a in load.sent_after(killed_at)}
                if len(clients) == len(self.keys):
                    break
                time.sleep(0.01)
        after = load.sent_after(killed_at)
        acked = {port: sum(1 for a in after if a.port == port) for port in survivors}
        verified = verify(engine, load.acks)
        replacement = self._start("api")
        replacement.wait_for("serving")
        self.api[index] = replacement
        return ApiKill(acked, len(clients), verified)

    # --- replicas ----------------------------------------------------------------------------------
    def balances_differ(self, timeout_s: float = 30.0) -> list[str]:
        """Every trader's balances as each API process's replica shows them, against the
        sequencer's; waits up to `timeout_s` for replicas to catch up. The differences left."""
        assert self.sequencer is not None
        differences: list[str] = []
        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=10) as http:
            while True:
                differences = []
                for n, key in enumerate(self.keys):
                    truth = balances(http, self.sequencer.port, key)
                    for port in self.api_ports:
                        seen = balances(http, port, key)
                        if seen != truth:
                            differences.append(f"trader {n} on API port {port}: {seen} != {truth}")
                if not differences or time.monotonic() > deadline:
                    return differences
                time.sleep(0.2)


def _client_of(cl_ord_id: str) -> int:
    found = _CLIENT.search(cl_ord_id)
    assert found is not None, cl_ord_id
    return int(found.group(1))


def _acks_until_exit(server: Server, key: dict[str, Any]) -> int:
    """Orders `server` acknowledges until its process exits."""
    acked, i = 0, 0
    with httpx.Client(timeout=2.0) as http:
        while server.proc.poll() is None:
            i += 1
            try:
                reply = place_order(http, server.port, key, "buy", i, f"late{server.port}n{i}")
            except (httpx.TransportError, ValueError):
                time.sleep(0.05)
                continue
            item = (reply.get("data") or [{}])[0]
            acked += reply.get("code") == "0" and item.get("sCode") == "0"
            time.sleep(0.05)
    return acked


def signed_get(key: dict[str, Any], target: str) -> dict[str, str]:
    """OK-ACCESS-* headers of `GET target` (path and query), signed now with `key`."""
    ts = format_rest_timestamp(int(time.time() * 1000))
    return {
        "OK-ACCESS-KEY": key["apiKey"],
        "OK-ACCESS-PASSPHRASE": key["passphrase"],
        "OK-ACCESS-TIMESTAMP": ts,
        "OK-ACCESS-SIGN": signing.sign(key["secretKey"], signing.prehash(ts, "GET", target, b"")),
    }


def balances(http: httpx.Client, port: int, key: dict[str, Any]) -> Sequence[tuple[str, str, str, str]]:
    """(ccy, cashBal, availBal, frozenBal) of the trading account, as `port` answers."""
    reply = http.get(f"http://127.0.0.1:{port}{BALANCE}", headers=signed_get(key, BALANCE)).json()
    details = reply["data"][0]["details"]
    return sorted((d["ccy"], d["cashBal"], d["availBal"], d["frozenBal"]) for d in details)
