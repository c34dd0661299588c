"""How long `import sandex.app` and the `sandex` commands take to start, and what they import.

    python bench/bench_startup.py [--rounds N] [--baseline SRC_DIR]

Per round, each case runs as a fresh process (wall and CPU time) and once more under `-X importtime`
(the sum of every module's own import time, how many modules, and which heavy ones): `import
sandex.app`, `sandex --help` and a command of every group (`sandex --help` tree, `src/sandex/cli`)
against a server running on a data dir, plus `deposit` and `reset` on data dirs no server runs on
(they then apply the change themselves). `--only WORD` keeps the cases whose name holds WORD. With
`--baseline /work/main/src` every case also runs against that checkout's code (put first on
PYTHONPATH), interleaved with this one in the same rounds, so both see the same load. Prints medians
(min–max) and the load average before and after; also which of alembic/redis each `import sandex.app`
loaded.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent.parent / "src"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(src: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src), "SANDEX_RATE_LIMITS": "off"}


EMAIL, PASSWORD = "bench@example.com", "Startup-pass-1"
# Modules a command should not pay for unless it needs them: migrations, shared rate limits, the
# web stack, the exchange and its market (cut to their package names in the report).
HEAVY = (
    "alembic", "redis", "fastapi", "starlette", "uvicorn", "jinja2", "httpx", "cryptography.x509",
    "sandex.services.exchange.core", "sandex.runtime.market", "sandex.services.funding.service",
)  # fmt: skip


def cases(data_dir: Path, idle_dir: Path, empty_dir: Path) -> dict[str, list[str]]:
    """Every command group once: `data_dir` has a running server, `idle_dir` a user and no server,
    `empty_dir` is reset each time (no server)."""
    cli = ["-m", "sandex"]
    dd, idle, empty = (["--data-dir", str(where)] for where in (data_dir, idle_dir, empty_dir))
    return {
        "import sandex.app": ["-c", "import sandex.app"],
        "sandex --help": [*cli, "--help"],
        "admin-token": [*cli, "admin-token", *dd],
        "tls ca-path": [*cli, "tls", "ca-path", *dd],
        "user list": [*cli, "user", "list", *dd],
        "subaccount list": [*cli, "subaccount", "list", EMAIL, *dd],
        "mail list": [*cli, "mail", "list", EMAIL, *dd],
        "key list": [*cli, "key", "list", EMAIL, *dd],
        "user fee-tier": [*cli, "user", "fee-tier", EMAIL, "--maker", "0.0002", *dd],
        "user account-mode": [*cli, "user", "account-mode", EMAIL, "futures", *dd],
        "user position-mode": [*cli, "user", "position-mode", EMAIL, "net", *dd],
        "deposit": [*cli, "deposit", EMAIL, "USDT", "10", *dd],
        "deposit (no server)": [*cli, "deposit", EMAIL, "USDT", "10", *idle],
        "market show": [*cli, "market", "show", "BTC-USDT", *dd],
        "market widen": [*cli, "market", "widen", "BTC-USDT", "1", *dd],
        "funding-rate show": [*cli, "funding-rate", "show", *dd],
        "reset (no server)": [*cli, "reset", "--yes", *empty],
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


Run = tuple[float, float, float, int, list[str]]


def run_once(src: Path, args: list[str]) -> Run:
    """(wall s, CPU s, importtime total s, modules imported, heavy ones) of one case, from two fresh
    processes. CPU time and the module count move far less with the box's load than wall time does."""
    env = _env(src)
    t0, cpu0 = time.perf_counter(), _children_cpu()
    done = subprocess.run([sys.executable, *args], env=env, capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"{args} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    traced = subprocess.run(
        [sys.executable, "-X", "importtime", *args], env=env, check=True, capture_output=True
    )
    own_us, modules, heavy = 0, 0, []
    for line in traced.stderr.decode().splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            own_us += int(line.split("|")[0].split(":")[1])
            modules += 1
            if (name := line.split("|")[-1].strip()) in HEAVY:
                heavy.append(name.rsplit(".", 1)[-1] if name.startswith("sandex.") else name.split(".")[0])
    return wall, cpu, own_us / 1e6, modules, heavy


def _cli(data_dir: Path, *argv: str) -> None:
    cmd = [sys.executable, "-m", "sandex", *argv, "--data-dir", str(data_dir)]
    subprocess.run(cmd, env=_env(HERE), check=True, capture_output=True)


def loaded(src: Path) -> list[str]:
    probe = "import sys, sandex.app; print(' '.join(m for m in ('alembic', 'redis') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], env=_env(src), check=True, capture_output=True)
    return out.stdout.decode().split()


def _serve(data_dir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    cmd = [sys.executable, "-m", "sandex", "serve", "--data-dir", str(data_dir), "--port", str(port)]
    cmd += ["--backfill-hours", "0"]  # its start-up is not what is measured here
    proc = subprocess.Popen(cmd, env=_env(HERE), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300  # a loaded box
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited during start-up")
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v5/public/time", timeout=1)
            return proc, port
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def _summary(values: list[float]) -> str:
    return f"{statistics.median(values):6.3f} s ({min(values):.3f}–{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", type=Path, default=None, help="src/ of the code to compare with")
    parser.add_argument("--only", default="", help="only the cases whose name holds this")
    args = parser.parse_args()
    variants = {"this": HERE} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    print(f"load before: {os.getloadavg()}")
    for name, src in variants.items():
        print(f"{name}: import sandex.app loads {loaded(src) or 'neither alembic nor redis'}")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir, idle_dir, empty_dir = Path(tmp) / "data", Path(tmp) / "idle", Path(tmp) / "empty"
        server, _port = _serve(data_dir)  # creates and migrates the data dir too
        try:
            for where in (data_dir, idle_dir):
                _cli(where, "user", "add", EMAIL, "--password", PASSWORD)
            _cli(empty_dir, "user", "list")  # creates and migrates it
            chosen = {k: v for k, v in cases(data_dir, idle_dir, empty_dir).items() if args.only in k}
            runs: dict[tuple[str, str], list[Run]] = {}
            for _ in range(args.rounds):
                for case, argv in chosen.items():
                    for name, src in variants.items():  # interleaved: both see the same load
                        runs.setdefault((case, name), []).append(run_once(src, argv))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"load after: {os.getloadavg()}   rounds: {args.rounds}")
    heads = ("wall", "CPU (user+sys)", "importtime total")
    head = " ".join(f"{h + ' median (min–max)':31}" for h in heads)
    print(f"{'case':20} {'code':9} {head} modules heavy")
    for (case, name), values in runs.items():
        columns = " ".join(f"{_summary([v[i] for v in values]):31}" for i in range(3))
        print(f"{case:20} {name:9} {columns} {values[-1][3]:7} {','.join(values[-1][4]) or '-'}")


if __name__ == "__main__":
    main()
