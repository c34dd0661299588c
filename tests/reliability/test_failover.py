"""Two servers on one PostgreSQL database: the lease holder and a standby (`sandex serve --standby`).

What a user running a standby relies on: after kill -9 of the holder under 8 signed-order clients
the standby serves, and every acknowledged clOrdId is in the database with its ordId, the ledger's
sums unchanged; a holder frozen inside its commit is taken over, and once resumed acknowledges
nothing more and exits (status 75) without taking the lease back; a standby writes nothing before
it holds the lease; a process whose master key cannot read the database's secrets refuses to start.

Times are printed, never asserted (`bench/bench_failover.py` measures them over 20 trials); waits
are on readiness with generous timeouts. PostgreSQL only: the tests skip when it is absent.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from sandex.testing import failover
from sandex.testing.failover import Pair
from tests.support.db import PostgresDatabases

pytestmark = pytest.mark.slow

LEASE_LOST_EXIT = 75
PAUSE_S = 6.0  # the frozen holder's pause: longer than the lease's 3 s, short for CI (the bench: 12 s)


@dataclass(frozen=True)
class Rig:
    data_dir: Path
    url: str
    keys: list[dict[str, Any]]
    engine: Engine


@pytest.fixture(scope="module")
def rig(postgres_databases: PostgresDatabases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """One database with 8 funded traders, shared by this module's tests (each checks what it adds)."""
    url = postgres_databases.create_migrated()
    data_dir = tmp_path_factory.mktemp("failover") / "data"
    engine = failover.engine_for(url)
    try:
        yield Rig(data_dir, url, failover.prepare(data_dir, url), engine)
    finally:
        engine.dispose()
        postgres_databases.drop(url)


def _checked(trial: failover.Trial) -> None:
    print(f"{trial.kind}: standby serving {trial.failover_s:.2f} s after, {trial.verified.acked} acked")
    assert trial.verified.missing == [], "acknowledged orders missing from the database"
    assert trial.verified.money_ok, "the ledger's sums moved"
    assert trial.epochs == 1, "the lease changed hands more than once (ping-pong)"


def test_kill_9_of_the_holder_under_load_the_standby_serves_and_loses_nothing(
    rig: Rig, tmp_path: Path
) -> None:
    with Pair(rig.data_dir, rig.url, tmp_path, rig.keys) as pair:
        for _ in range(2):
            _checked(pair.kill_trial(rig.engine))


def test_a_holder_frozen_mid_commit_is_taken_over_and_once_resumed_acknowledges_nothing_and_exits(
    rig: Rig, tmp_path: Path
) -> None:
    with Pair(rig.data_dir, rig.url, tmp_path, rig.keys) as pair:
        trial = pair.stop_trial(rig.engine, PAUSE_S)
        assert pair.holder is not None
        holder = pair.holder
        time.sleep(2)  # time for a ping-pong, had there been one
        owner, _ = failover.lease(rig.engine)
        assert holder.health() == "serving" and f":{holder.proc.pid}:" in owner
    _checked(trial)
    assert trial.mid_commit, "the holder was never caught inside a transaction"
    assert trial.old_acked_after_resume == 0
    assert trial.old_exit == LEASE_LOST_EXIT


def _signed_order(server: failover.Server, key: dict[str, Any]) -> dict[str, Any]:
    with httpx.Client(timeout=10) as http:
        return failover.place_order(http, server.port, key, "buy", 1, f"probe{time.monotonic_ns() % 10**9}")


def test_a_standby_writes_nothing_and_serves_nothing_until_it_holds_the_lease(
    rig: Rig, tmp_path: Path
) -> None:
    holder = failover.start_server(rig.data_dir, rig.url, tmp_path / "holder.log")
    # Every transaction of the standby's sessions is read-only: any write before it holds the lease
    # (the market's backfill of two hours of candles, key upkeep, the lease itself) would fail it.
    read_only = f"{rig.url}?options=-c%20default_transaction_read_only%3Don"
    market = ["--market", "on", "--backfill-hours", "2"]
    log = tmp_path / "standby.log"
    standby: failover.Server | None = None
    try:
        holder.wait_for("serving")  # the lease is the holder's: a standby has nothing to take
        standby = failover.start_server(rig.data_dir, read_only, log, standby=True, extra=market)
        standby.wait_for("standby")
        refused = _signed_order(standby, rig.keys[0])
        assert refused["code"] == "50001" and "standby" in refused["msg"]
        with httpx.Client(timeout=10) as http:  # nothing else either: reads, the control API
            assert http.get(standby.base_url + "/api/v5/public/time").status_code == 503
            assert http.get(standby.base_url + "/sandex/v1/clock").status_code == 503
        time.sleep(3)  # a lease refresh and more: still waiting, and nothing it did failed
        assert standby.health() == "standby" and standby.proc.poll() is None
        assert "read-only" not in log.read_text() and "Traceback" not in log.read_text()
        assert holder.health() == "serving"
        # without --standby a second server gives the holder the usual wait, then says why it stops
        command = [
            sys.executable, "-m", "sandex", "serve", "--port", "0", "--data-dir", str(rig.data_dir),
            "--database-url", rig.url,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode != 0 and "Traceback" not in done.stdout + done.stderr
        [line] = done.stderr.strip().splitlines()
        assert "holds this database's sequencer lease" in line and "--standby" in line
    finally:
        holder.kill()
        if standby is not None:
            standby.kill()


def test_a_process_whose_master_key_cannot_read_the_secrets_refuses_to_start_and_writes_nothing(
    rig: Rig, tmp_path: Path
) -> None:
    holder = failover.start_server(rig.data_dir, rig.url, tmp_path / "holder.log")
    try:
        holder.wait_for("serving")
        # frozen meanwhile: nothing of the holder's own (candles, key use) moves the counts, and
        # after 3 s a process that did not refuse would find its lease stale and take it over
        holder.proc.send_signal(signal.SIGSTOP)
        before = failover.table_counts(rig.engine)
        for standby in (False, True):  # its own data dir: a new master key, as on another machine
            command = [
                sys.executable, "-m", "sandex", "serve", "--port", "0", "--data-dir",
                str(tmp_path / f"other{standby}"), "--database-url", rig.url, "--market", "on",
                *(["--standby"] if standby else []),
            ]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
            assert done.returncode != 0
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1 and "master key" in lines[0], done.stderr
            assert "Traceback" not in done.stdout + done.stderr
        assert failover.table_counts(rig.engine) == before
        holder.proc.send_signal(signal.SIGCONT)
        holder.wait_for("serving")
        assert holder.health() == "serving"
    finally:
        holder.kill()
