"""`sandex serve --workers 2` on a fresh PostgreSQL database, as a user runs it: one command, its own
nats-server, a sequencer and two API processes on one port.

What the user relies on: both API processes answer on the public port (the health answer names the
process that gave it), a signed order through that port is acknowledged and stored; after kill -9
of an API process the port goes on answering and the supervisor starts a new one; after kill -9 of
the sequencer it comes back (as a standby that takes the lease over) and orders are acknowledged
again; SIGTERM stops every process the supervisor started and it exits 0. And `--workers` refuses
SQLite in one line.

Waits are on readiness with generous timeouts, never on a duration. The tests skip when
PostgreSQL or the nats-server binary is absent (SANDEX_REQUIRE_POSTGRES / SANDEX_REQUIRE_NATS
make that a failure).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandex.testing import failover

pytestmark = pytest.mark.slow

TIMEOUT_S = 180.0  # starts on a loaded 2-core CI box: readiness, never a duration
READY = "sandex is ready"


class Workers(failover.Server):
    """The supervisor of `sandex serve --workers`, on its public port."""

    def banner_field(self, pattern: str) -> str:
        found = re.search(pattern, self.log.read_text())
        assert found is not None, f"{pattern!r} not in the banner:\n{self.log.read_text()}"
        return found.group(1)


def _until(check: Callable[[], Any], what: str, workers: Workers) -> Any:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if (found := check()) is not None and found is not False:
            return found
        assert workers.proc.poll() is None, f"the supervisor exited:\n{workers.log.read_text()}"
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; log:\n{workers.log.read_text()}")


def _health(workers: Workers) -> dict[str, Any] | None:
    """One health answer over a new connection (the kernel hands each to one API process)."""
    try:
        answer: dict[str, Any] = httpx.get(workers.base_url + failover.HEALTH, timeout=5).json()
    except (httpx.TransportError, ValueError):
        return None
    return answer


def _api_pids(workers: Workers, want: int = 2, tries: int = 400) -> set[int]:
    """The pids of the API processes that answered on the public port, over up to `tries`
    connections (stops once `want` different ones answered)."""
    seen: set[int] = set()
    for _ in range(tries):
        answer = _health(workers)
        if answer is not None and answer["status"] == "serving":
            assert answer["role"] == "api"
            seen.add(int(answer["pid"]))
        if len(seen) >= want:
            break
    return seen


def _descendants(root: int) -> set[int]:
    """Every process under `root` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@contextmanager
def _serving(url: str, data_dir: Path, log: Path, *extra: str) -> Iterator[Workers]:
    """`sandex serve --workers …` until its banner; kills whatever is left afterwards."""
    port = failover.free_port()
    command = [
        sys.executable, "-m", "sandex", "serve", "--port", str(port), "--data-dir", str(data_dir),
        "--database-url", url, "--rate-limits", "off", "--market", "off", "--log-level", "warning", *extra,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen(command, stdout=log.open("ab"), stderr=subprocess.STDOUT, env=env)
    running = Workers(proc, port, log)
    try:
        _until(lambda: READY in log.read_text(), "the banner", running)
        yield running
    finally:
        for pid in _descendants(proc.pid):  # whatever a failed test left
            failover.with_signal(pid, signal.SIGKILL)
        proc.kill()
        proc.wait(timeout=30)


@pytest.fixture
def workers(
    migrated_postgres_url: str, nats_server_binary: Path, tmp_path: Path
) -> Iterator[tuple[Workers, list[dict[str, Any]]]]:
    data_dir = tmp_path / "data"
    keys = failover.prepare(data_dir, migrated_postgres_url, clients=2)
    with _serving(migrated_postgres_url, data_dir, tmp_path / "workers.log", "--workers", "2") as running:
        yield running, keys


def _order(workers: Workers, key: dict[str, Any], side: str, n: int) -> failover.Ack | None:
    """A crossing limit order through the public port; its acknowledgement, else None."""
    cl_ord_id = f"w{side[0]}{n}"
    try:
        with httpx.Client(timeout=15) as http:
            reply = failover.place_order(http, workers.port, key, side, n, cl_ord_id)
    except (httpx.TransportError, ValueError):
        return None
    item = (reply.get("data") or [{}])[0]
    if reply.get("code") != "0" or item.get("sCode") != "0":
        return None
    return failover.Ack(workers.port, cl_ord_id, item["ordId"], time.monotonic())


def test_workers_share_the_port_survive_kills_and_stop_on_sigterm(
    workers: tuple[Workers, list[dict[str, Any]]], migrated_postgres_url: str
) -> None:
    running, keys = workers
    announced = {int(pid) for pid in running.banner_field(r"pids (\d+, \d+)").split(", ")}
    sequencer = int(running.banner_field(r"the sequencer, pid (\d+)"))
    ops = int(running.banner_field(r"ops port\s+http://127\.0\.0\.1:(\d+)"))
    assert ops != running.port
    # both API processes answer on the one public port, and only they do
    assert _api_pids(running) == announced
    sequencer_health = httpx.get(f"http://127.0.0.1:{ops}{failover.HEALTH}", timeout=5).json()
    assert (sequencer_health["role"], sequencer_health["pid"]) == ("sequencer", sequencer)

    # a signed order through the public port is acknowledged, and stored
    acks = [ack for n, key in enumerate(keys) if (ack := _order(running, key, ("buy", "sell")[n], 1))]
    assert len(acks) == 2, f"orders not acknowledged; log:\n{running.log.read_text()}"

    # kill -9 of an API process: the port goes on answering, and a new process takes its place
    victim, survivor = sorted(announced)
    os.kill(victim, signal.SIGKILL)
    _until(lambda: not _alive(victim), "the killed process to be gone", running)
    for _ in range(20):  # new connections, each answered (the survivor, or the replacement)
        answer = _health(running)
        assert answer is not None and answer["pid"] != victim
    replaced = _until(lambda: _api_pids(running) - {victim, survivor} or None, "a new API process", running)
    assert len(replaced) == 1
    assert _api_pids(running) == {survivor, *replaced}

    # kill -9 of the sequencer: it is started again (as a standby: the lease frees), orders flow again
    os.kill(sequencer, signal.SIGKILL)
    ack = _until(lambda: _order(running, keys[0], "buy", 2), "an order acknowledged again", running)
    restarted = httpx.get(f"http://127.0.0.1:{ops}{failover.HEALTH}", timeout=5).json()
    assert restarted["role"] == "sequencer" and restarted["pid"] != sequencer
    engine = failover.engine_for(migrated_postgres_url)
    try:
        assert failover.verify(engine, [*acks, ack]).missing == []
    finally:
        engine.dispose()

    # SIGTERM: every process the supervisor started stops, and it exits 0
    started = _descendants(running.proc.pid)
    assert {survivor, *replaced, restarted["pid"]} <= started
    assert len(started) == 4  # two API processes, the sequencer, the nats-server
    running.proc.send_signal(signal.SIGTERM)
    assert running.proc.wait(timeout=TIMEOUT_S) == 0
    assert [pid for pid in started if _alive(pid)] == []


def test_workers_use_the_nats_server_given(migrated_postgres_url: str, nats_url: str, tmp_path: Path) -> None:
    log = tmp_path / "workers.log"
    flags = ("--workers", "1", "--nats-url", nats_url)
    with _serving(migrated_postgres_url, tmp_path / "data", log, *flags) as running:
        assert running.banner_field(r"NATS\s+(\S+)") == nats_url
        assert "its own nats-server" not in log.read_text()
        started = _descendants(running.proc.pid)
        assert len(started) == 2  # the API process and the sequencer: no nats-server of its own
        assert _api_pids(running, want=1) == {int(running.banner_field(r"pids (\d+)"))}
        running.proc.send_signal(signal.SIGTERM)
        assert running.proc.wait(timeout=TIMEOUT_S) == 0
        assert [pid for pid in started if _alive(pid)] == []


def test_workers_refuse_sqlite_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sandex", "serve", "--workers", "2", "--data-dir", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: --workers needs a PostgreSQL --database-url (SQLite has room for one process)"
    ]
