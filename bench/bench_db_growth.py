"""How fast an idle `sandex serve` with the simulated market on grows its SQLite database.

    python bench/bench_db_growth.py [--minutes 10] [--interval 30] [--warmup 60] [--src PATH] [--clock-days 0]

Starts `sandex serve` on a fresh temporary data dir (market on, default settings, seed 1, rate
limits off) and nobody trading but the market maker and its taker flow. Every `--interval` s it
samples the size of `sandex.db` + `-wal` and the row count of every table. At the end it prints
MB/hour and rows/min per table over the run (from the first sample, taken `--warmup` s after the
server answers, so the start-up's deposits and first quotes do not count, to the last).

`--src PATH` runs the sandex source tree at PATH (e.g. a `git worktree` of an older commit) instead
of the installed one, with this interpreter, to compare before/after on the same machine.

Two more measurements of the database under load (each tree given runs in turn, in one sitting:
`--compare DIR` adds an older tree, e.g. `git archive main src | tar -x -C DIR`, to read against):

    python bench/bench_db_growth.py --orders [--minutes 5] [--interval 5] [--concurrency 32] [--compare DIR]
    python bench/bench_db_growth.py --restart-history 1000000 [--rounds 3] [--history-dir DIR] [--compare DIR]
        [--folded]

`--orders`: `sandex serve` (market off) under signed crossing limit orders from
`bench_orders_http.py`'s load generator for `--minutes`; every `--interval` s the highest size of
`sandex.db-wal` seen since the last report (looked at every 0.2 s: the write-ahead log must stay
bounded while commits never stop); then the highest, orders/s and p99. `--restart-history N`: N
orders through the exchange in-process (`bench_orders_http.py`'s direct mode: market data never
runs, so no trade is folded into candles, as after a crash before the first candle write), kept in
`--history-dir` for later runs and copied once per tree into `<history-dir>-<tree>` with that
tree's migrations applied (untimed); then per round a fresh copy of that is started and timed to
its first `public/time` answer (and the server's CPU seconds by then). That is the worst case: every
trade of the history is folded into candles on the way up. `--folded` first starts and cleanly
stops each tree once on its copy, so the stored candles cover the history, as after a crash of a
server whose candle writer (every second) had kept up.

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
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024
WAL_POLL_S = 0.2  # how often `--orders` looks at the size of the write-ahead log


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


# --- the write-ahead log under sustained order load, and a crash restart with a long history -------
def _tree_env(src: Path | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "SANDEX_MARKET": "false", "PYTHONDONTWRITEBYTECODE": "1"}
    if src is not None:
        env["PYTHONPATH"] = str(src / "src")
    return env


def _serve(data_dir: Path, port: int, src: Path | None) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "sandex", "serve", "--port", str(port), "--data-dir", str(data_dir)]
    args += ["--rate-limits", "off", "--log-level", "warning"]
    return subprocess.Popen(args, env=_tree_env(src), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wal_mb(data_dir: Path) -> float:
    wal = data_dir / "sandex.db-wal"
    return wal.stat().st_size / MB if wal.exists() else 0.0


def wal_under_orders(name: str, src: Path | None, minutes: float, interval: float, concurrency: int) -> None:
    import asyncio
    import threading

    import bench_orders_http as orders  # this directory (the script's own) is on sys.path

    data_dir = Path(tempfile.mkdtemp(prefix="sandex-bench-wal-"))
    try:
        keys = orders.prepare(data_dir)
        port = _free_port()
        process = _serve(data_dir, port, src)
        try:
            wait_ready(process, port)
            sizes: list[tuple[float, float]] = []
            done = threading.Event()

            def sampler() -> None:
                # the file is looked at every 0.2 s (a catch-up can empty it between two reports),
                # and every `interval` s the highest size seen since the last report is printed
                started = reported = time.monotonic()
                peak = 0.0
                while not done.wait(WAL_POLL_S):
                    peak = max(peak, _wal_mb(data_dir))
                    if time.monotonic() - reported >= interval:
                        reported = time.monotonic()
                        sizes.append((reported - started, peak))
                        print(f"  {name}: {sizes[-1][0]:6.0f} s  WAL at most {peak:8.1f} MB", flush=True)
                        peak = 0.0

            thread = threading.Thread(target=sampler, daemon=True)
            thread.start()
            makers = orders.order_makers(keys, concurrency)
            result = asyncio.run(orders.load(f"{name} orders", port, makers, minutes * 60))
            done.set()
            thread.join()
            time.sleep(interval)  # the load has stopped: does the file shrink?
            after = _wal_mb(data_dir)
            highest = max((mb for _, mb in sizes), default=0.0)
            last = sizes[-1][1] if sizes else 0.0
            db_mb = (data_dir / "sandex.db").stat().st_size / MB
            print(f"{name}: WAL highest {highest:.1f} MB, highest in the last interval {last:.1f} MB,")
            print(f"  {interval:.0f} s after the load {after:.1f} MB, db {db_mb:.0f} MB")
            print(f"  {result.line()}", flush=True)
        finally:
            process.terminate()
            process.wait(timeout=120)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def build_history(history: Path, orders_n: int) -> None:
    import bench_orders_http as orders

    if (history / "sandex.db").exists():
        print(f"history: reusing {history}", flush=True)
        return
    started = time.monotonic()
    result = orders.bench_direct(history, orders_n, 32)
    print(f"history: {orders_n} orders in {time.monotonic() - started:.0f} s; {result.line()}", flush=True)
    with sqlite3.connect(f"file:{history / 'sandex.db'}?mode=ro", uri=True) as conn:
        trades = conn.execute("SELECT count(*) FROM trades").fetchone()[0]
        marks = conn.execute("SELECT environment, last_trade_id FROM market_candle_marks").fetchall()
    conn.close()
    print(f"history: {trades} trades, candle marks {marks} (nothing folded yet)", flush=True)


def _wait_answer(process: subprocess.Popen[bytes], port: int) -> None:
    """Like `wait_ready`, to the 50 ms: a port bound before the app answers is waited on, not retried."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode() if process.stderr else "exited")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v5/public/time", timeout=120).read()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("sandex serve did not start")


def migrated_history(name: str, src: Path | None, history: Path, *, folded: bool) -> Path:
    """A copy of `history` brought to the schema of the tree at `src` (untimed, once per tree): a
    tree with a newer migration would otherwise pay it in every timed round, where a restart after
    a crash finds its own schema in place (kept beside `history`: delete it when that tree's
    migrations change). `folded`: then started once and stopped cleanly, so its candle writer
    has folded every trade into the stored candles, as a running server's writer does every
    second: what a crash leaves to replay is the last second, not the whole history."""
    copy = history.parent / f"{history.name}-{name}{'-folded' if folded else ''}"
    if not copy.exists():
        shutil.copytree(history, copy)
        url = f"sqlite:///{copy / 'sandex.db'}"
        code = "import sys; from sandex.storage import db; db.migrate(db.create_db_engine(sys.argv[1]))"
        subprocess.run([sys.executable, "-c", code, url], env=_tree_env(src), check=True)
        if folded:
            port = _free_port()
            process = _serve(copy, port, src)
            _wait_answer(process, port)
            process.terminate()  # a clean stop: the candle writer writes what it folded
            process.wait(timeout=300)
            print(f"history: {name} folded into candles", flush=True)
    return copy


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux): less moved by a busy box than wall time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def restart_time(name: str, src: Path | None, history: Path) -> tuple[float, float]:
    """Seconds from `sandex serve` on a fresh copy of `history` to its first `public/time` answer,
    and the CPU seconds the server had used by then."""
    copy = Path(tempfile.mkdtemp(prefix="sandex-bench-restart-")) / "data"
    try:
        shutil.copytree(history, copy)
        # untimed: written back before the clock starts, or the server's first fsync waits for a
        # gigabyte of the copy's dirty pages (wall times of 10+ s for ~2.7 s of CPU)
        os.sync()
        port = _free_port()
        started = time.monotonic()
        process = _serve(copy, port, src)
        try:
            _wait_answer(process, port)
            return time.monotonic() - started, _cpu_s(process.pid)
        finally:
            process.kill()  # a crash: nothing is written on the way out either
            process.wait(timeout=60)
    finally:
        shutil.rmtree(copy.parent, ignore_errors=True)


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--interval", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=60, help="seconds before the first sample")
    parser.add_argument("--src", type=Path, default=None, help="sandex source tree to run instead")
    parser.add_argument("--clock-days", type=float, default=0, help="move the clock by D days midway")
    parser.add_argument("--orders", action="store_true", help="the WAL under sustained order load")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--restart-history", type=int, default=0, help="crash restarts after N orders")
    parser.add_argument("--history-dir", type=Path, default=None, help="keep (or reuse) that history here")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compare", type=Path, default=None, help="another sandex tree, run in turn")
    parser.add_argument(
        "--folded", action="store_true", help="restart after the candle writer caught up (not the worst case)"
    )
    args = parser.parse_args()
    trees: list[tuple[str, Path | None]] = [("this", args.src)]
    if args.compare is not None:
        trees.insert(0, ("compare", args.compare))
    print(f"load average {os.getloadavg()}", flush=True)
    if args.orders:
        for name, src in trees:
            wal_under_orders(name, src, args.minutes, args.interval, args.concurrency)
        print(f"load average {os.getloadavg()}")
        return
    if args.restart_history:
        history = args.history_dir or Path(tempfile.mkdtemp(prefix="sandex-bench-history-")) / "data"
        build_history(history, args.restart_history)
        times: dict[str, list[float]] = {name: [] for name, _ in trees}
        cpus: dict[str, list[float]] = {name: [] for name, _ in trees}
        migrated = {name: migrated_history(name, src, history, folded=args.folded) for name, src in trees}
        for n in range(args.rounds):
            for name, src in trees:
                wall, cpu = restart_time(name, src, migrated[name])
                times[name].append(wall)
                cpus[name].append(cpu)
                print(f"round {n + 1}: {name} ready after {wall:.2f} s ({cpu:.2f} s CPU)", flush=True)
        for name, taken in times.items():
            low, mid, high = min(taken), statistics.median(taken), max(taken)
            cpu_low, cpu_mid, cpu_high = min(cpus[name]), statistics.median(cpus[name]), max(cpus[name])
            print(f"{name}: restart (min / median / max) {low:.2f} / {mid:.2f} / {high:.2f} s,")
            print(f"  CPU {cpu_low:.2f} / {cpu_mid:.2f} / {cpu_high:.2f} s")
        print(f"load average {os.getloadavg()}")
        return
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
