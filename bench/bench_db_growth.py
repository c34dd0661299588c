"""How fast an idle `sandex serve` with the simulated market on grows its SQLite database.

    python bench/bench_db_growth.py [--minutes 10] [--interval 30] [--warmup 60] [--src PATH] [--clock-days 0]

Starts `sandex serve` on a fresh temporary data dir (market on, default settings, seed 1, rate
limits off) and nobody trading but the market maker and its taker flow. Every `--interval` s it
samples the size of `sandex.db` + `-wal` and the row count of every table. At the end it prints
MB/hour and rows/min per table over the run (from the first sample, taken `--warmup` s after the
server answers, so the start-up's deposits and first quotes do not count, to the last).

`--src PATH` runs the sandex source tree at PATH (e.g. a `git worktree` of an older commit) instead
of the installed one, with this interpreter, to compare before/after on the same machine.

Retention is driven by the sandbox clock, so a real-time run of N minutes only shows what happens
in the first N minutes. `--clock-days D` moves the sandbox clock forward by D days halfway through
the run (control API `POST /sandex/v1/clock/advance`), which makes every window the retention keeps expire
and shows the steady state: the size after the jump is what a server settles at.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024


@dataclass
class Sample:
    at: float  # seconds since the first sample
    size: int  # bytes: sandex.db + sandex.db-wal
    rows: dict[str, int]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(data_dir: Path, port: int, src: Path | None) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src / "src")
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
        "--market",
        "on",
    ]
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode() if process.stderr else "exited")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v5/public/time", timeout=2).read()
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("sandex serve did not start")


def sample(data_dir: Path, started: float) -> Sample:
    db = data_dir / "sandex.db"
    size = sum(p.stat().st_size for p in (db, data_dir / "sandex.db-wal") if p.exists())
    # read-only, so the sampler never takes the writer's lock
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}  # noqa: S608
    conn.close()
    return Sample(time.monotonic() - started, size, rows)


def jump_clock(data_dir: Path, port: int, days: float) -> None:
    token = (data_dir / "admin-token").read_text().strip()
    url = f"http://127.0.0.1:{port}/sandex/v1/clock/advance"
    body = json.dumps({"days": days}).encode()
    urllib.request.urlopen(_request(url, token, body), timeout=30).read()  # noqa: S310 - our own http URL


def _request(url: str, token: str, body: bytes | None = None) -> urllib.request.Request:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return urllib.request.Request(url, data=body, headers=headers, method="POST" if body else "GET")  # noqa: S310


def report(samples: list[Sample]) -> None:
    first, last = samples[0], samples[-1]
    hours = (last.at - first.at) / 3600
    grown = (last.size - first.size) / MB
    print(f"\n{len(samples)} samples over {last.at - first.at:.0f} s")
    print(f"size: {first.size / MB:.1f} MB -> {last.size / MB:.1f} MB (db + wal)")
    print(f"growth: {grown / hours:.1f} MB/hour  (~{grown / hours * 24 / 1024:.2f} GB/day)")
    minutes = hours * 60
    growth = {t: (last.rows.get(t, 0) - first.rows.get(t, 0)) / minutes for t in last.rows}
    print("\nrows/min by table (largest first), rows at end:")
    for table, per_min in sorted(growth.items(), key=lambda item: -abs(item[1])):
        if per_min or last.rows[table] > 100:
            print(f"  {table:28} {per_min:10.1f}/min  {last.rows[table]:10d}")


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--interval", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=60, help="seconds before the first sample")
    parser.add_argument("--src", type=Path, default=None, help="sandex source tree to run instead")
    parser.add_argument("--clock-days", type=float, default=0, help="move the clock by D days midway")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="sandex-bench-growth-"))
    port = _free_port()
    process = start(data_dir, port, args.src)
    try:
        wait_ready(process, port)
        time.sleep(args.warmup)
        started = time.monotonic()
        samples = [sample(data_dir, started)]
        jumped = not args.clock_days
        while samples[-1].at < args.minutes * 60:
            time.sleep(args.interval)
            if not jumped and samples[-1].at >= args.minutes * 30:
                jump_clock(data_dir, port, args.clock_days)
                jumped = True
                print("clock moved forward", args.clock_days, "days", flush=True)
            samples.append(sample(data_dir, started))
            s = samples[-1]
            print(f"{s.at:7.0f} s  {s.size / MB:8.2f} MB  {sum(s.rows.values()):10d} rows", flush=True)
        report(samples)
    finally:
        process.terminate()
        process.wait(timeout=60)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
