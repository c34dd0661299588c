"""Failover of the sequencer lease on PostgreSQL: how soon a standby serves, and that nothing is lost.

    python bench/bench_failover.py [--trials 20] [--pause 12] [--kind kill,stop,uts]
                                   [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Each kind runs `--trials` trials on a fresh database with 8 signed-order clients (`sandex.testing.
failover`): `kill` kill -9 of the holder with a standby on the same host; `uts` the same with each
standby in a UTS namespace of its own (another hostname, as on another host: needs root and
`unshare`); `stop` SIGSTOP of the holder inside a group commit (stopped again until PostgreSQL shows
its session idle in transaction) for `--pause` seconds, then SIGCONT. Per trial it prints the time
from the kill/stop to the standby's first acknowledgement, the orders acknowledged and missing, the
lease's takeovers (more than one: ping-pong), and for `stop` whether the resumed holder acknowledged
anything and its exit status; then min / median / max per kind, with the load average.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sandex.testing import failover


def run_kind(kind: str, trials: int, pause_s: float, admin_url: str, scratch: Path) -> None:
    with failover.scratch_database(admin_url, "sandex_failover") as url:
        results = _trials(kind, trials, pause_s, url, scratch / f"{kind}-{url.rsplit('/', 1)[1]}")
    if results:
        times = [t.failover_s for t in results]
        pingpong = sum(1 for t in results if t.epochs != 1)
        missing = sum(len(t.verified.missing) for t in results)
        late = sum(t.old_acked_after_resume for t in results)
        wrong = sum(1 for t in results if not t.verified.money_ok)
        spread = f"min {min(times):.2f} s, median {statistics.median(times):.2f} s, max {max(times):.2f} s"
        print(
            f"[{kind}] standby serves after: {spread}; ping-pong {pingpong}/{len(results)}; "
            f"acknowledged but missing {missing}; money wrong {wrong}; old holder's acks after "
            f"resume {late}; {failover.load_average()}",
            flush=True,
        )


def _trials(kind: str, trials: int, pause_s: float, url: str, root: Path) -> list[failover.Trial]:
    root.mkdir(parents=True)
    engine = failover.engine_for(url)
    results: list[failover.Trial] = []
    try:
        keys = failover.prepare(root / "data", url)
        print(f"[{kind}] {trials} trials, {failover.load_average()}", flush=True)
        with failover.Pair(root / "data", url, root, keys, other_host=kind == "uts") as pair:
            for n in range(trials):
                trial = pair.stop_trial(engine, pause_s) if kind == "stop" else pair.kill_trial(engine)
                results.append(trial)
                v = trial.verified
                extra = (
                    f" mid-commit={trial.mid_commit} old-acks-after-resume={trial.old_acked_after_resume}"
                    f" old-exit={trial.old_exit} after {trial.old_exit_s:.2f} s"
                    if kind == "stop"
                    else ""
                )
                print(
                    f"  {n + 1:2d}: standby serves {trial.failover_s:6.2f} s  acked {v.acked:5d}"
                    f"  missing {len(v.missing)}  money {'ok' if v.money_ok else 'WRONG'}"
                    f"  takeovers {trial.epochs}{extra}  ({failover.load_average()})",
                    flush=True,
                )
    finally:
        engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--pause", type=float, default=12.0, help="seconds the holder stays stopped")
    parser.add_argument("--kind", default="kill,uts,stop", help="comma-separated: kill, uts, stop")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "SANDEX_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    os.environ.setdefault("SANDEX_MARKET", "off")
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="sandex-failover-"))
    print(f"server logs in {scratch} (removed when every kind ran)", flush=True)
    for kind in args.kind.split(","):
        run_kind(kind.strip(), args.trials, args.pause, args.admin_url, scratch)
    shutil.rmtree(scratch)
    print(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
