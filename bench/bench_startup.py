"""How long `import sandex.app` and the `sandex` commands take to start, and what they import.

    python bench/bench_startup.py [--rounds N] [--baseline SRC_DIR]

Per round, each case runs as a fresh process (wall and CPU time) and once more under `-X importtime`
(the sum of every module's own import time, and how many modules): `import sandex.app`;
`sandex --help`; `sandex user list` (a DB command on a data dir); `sandex market show` against a
server running on that data dir. With
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


def cases(data_dir: Path) -> dict[str, list[str]]:
    cli = ["-m", "sandex"]
    dd = ["--data-dir", str(data_dir)]
    return {
        "import sandex.app": ["-c", "import sandex.app"],
        "sandex --help": [*cli, "--help"],
        "sandex user list": [*cli, "user", "list", *dd],
        "sandex market show": [*cli, "market", "show", "BTC-USDT", *dd],
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(src: Path, args: list[str]) -> tuple[float, float, float, int]:
    """(wall s, CPU s, importtime total s, modules imported) of one case, from two fresh processes.
    CPU time and the module count move far less with the box's load than wall time does."""
    env = _env(src)
    t0, cpu0 = time.perf_counter(), _children_cpu()
    subprocess.run([sys.executable, *args], env=env, check=True, capture_output=True)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    traced = subprocess.run(
        [sys.executable, "-X", "importtime", *args], env=env, check=True, capture_output=True
    )
    own_us, modules = 0, 0
    for line in traced.stderr.decode().splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            own_us += int(line.split("|")[0].split(":")[1])
            modules += 1
    return wall, cpu, own_us / 1e6, modules


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
    args = parser.parse_args()
    variants = {"this": HERE} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    print(f"load before: {os.getloadavg()}")
    for name, src in variants.items():
        print(f"{name}: import sandex.app loads {loaded(src) or 'neither alembic nor redis'}")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        server, _port = _serve(data_dir)  # creates and migrates the data dir too
        try:
            runs: dict[tuple[str, str], list[tuple[float, float, float, int]]] = {}
            for _ in range(args.rounds):
                for case, argv in cases(data_dir).items():
                    for name, src in variants.items():  # interleaved: both see the same load
                        runs.setdefault((case, name), []).append(run_once(src, argv))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"load after: {os.getloadavg()}   rounds: {args.rounds}")
    heads = ("wall", "CPU (user+sys)", "importtime total")
    print(f"{'case':20} {'code':9} " + " ".join(f"{h + ' median (min–max)':31}" for h in heads) + " modules")
    for (case, name), values in runs.items():
        columns = " ".join(f"{_summary([v[i] for v in values]):31}" for i in range(3))
        print(f"{case:20} {name:9} {columns} {values[-1][3]}")


if __name__ == "__main__":
    main()
