"""Failover of a cluster's sequencer (`sandex serve --role sequencer|api`) on PostgreSQL and NATS:
how soon API processes acknowledge orders again, and that nothing is lost.

    python bench/bench_cluster_failover.py [--trials 20] [--pause 12] [--keep-logs] [--kind kill,uts,stop,api]
                                           [--nats-url nats://127.0.0.1:4222]
                                           [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Each kind runs `--trials` trials on a fresh database with a sequencer, a standby and three API
processes, under 8 signed-order clients spread over the API ports (`sandex.testing.cluster`):
`kill` kill -9 of the sequencer; `uts` the same with each standby in a UTS namespace of its own
(another hostname, as on another host: no pid to see dead, the lease's 3 s stale rule; needs root);
`stop` SIGSTOP of it inside a group commit for `--pause` seconds,
then SIGCONT (it must acknowledge nothing and exit); `api` kill -9 of one API process (a new one
replaces it). After each sequencer trial a new standby starts. Per trial it prints the time from the
kill/stop to the first acknowledgement through an API port of a request sent after it, and to the
moment every API port had one; the orders acknowledged and missing, the requests the clients gave
up on, the lease's takeovers, and whether every replica agrees with the sequencer; then min /
median / max per kind, with the load average. `stop` also prints the requests given up on between
the takeover and the resume: the frozen sequencer's NATS subscription still takes its share of the
commands then, and they go unanswered until it resumes (and refuses them) or its API process's
request times out.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine

from sandex.testing import cluster, failover


def run_kind(kind: str, trials: int, pause_s: float, nats_url: str, admin_url: str, scratch: Path) -> None:
    with failover.scratch_database(admin_url, "sandex_cluster") as url:
        root = scratch / f"{kind}-{url.rsplit('/', 1)[1]}"
        root.mkdir(parents=True)
        engine = failover.engine_for(url)
        try:
            keys = failover.prepare(root / "data", url)
            print(f"[{kind}] {trials} trials, {failover.load_average()}", flush=True)
            other_host = kind == "uts"
            with cluster.Cluster(root / "data", url, root, keys, nats_url, other_host=other_host) as running:
                if kind == "api":
                    _api_trials(running, engine, trials)
                else:
                    _sequencer_trials(running, engine, kind, trials, pause_s)
        finally:
            engine.dispose()


def _sequencer_trials(
    running: cluster.Cluster, engine: Engine, kind: str, trials: int, pause_s: float
) -> None:
    results: list[cluster.ClusterTrial] = []
    for n in range(trials):
        trial = running.stop_trial(engine, pause_s) if kind == "stop" else running.kill_trial(engine)
        results.append(trial)
        v = trial.verified
        replicas = "agree" if not running.balances_differ() else "DIFFER"
        extra = (
            f" mid-commit={trial.mid_commit} old-acks-after-resume={trial.old_acked_after_resume}"
            f" old-exit={trial.old_exit} after {trial.old_exit_s:.2f} s"
            f" unanswered-after-takeover={trial.unanswered_after_takeover}"
            if kind == "stop"
            else ""
        )
        print(
            f"  {n + 1:2d}: first ack {trial.failover_s:6.2f} s, every API port {trial.every_port_s:6.2f} s"
            f"  acked {v.acked:5d}  missing {len(v.missing)}  money {'ok' if v.money_ok else 'WRONG'}"
            f"  unanswered {trial.unanswered}  takeovers {trial.epochs}  replicas {replicas}"
            f"{extra}  ({failover.load_average()})",
            flush=True,
        )
    first = [t.failover_s for t in results]
    every = [t.every_port_s for t in results]
    print(
        f"[{kind}] first ack through an API port after: {_spread(first)}; through every API port after: "
        f"{_spread(every)}; ping-pong {sum(1 for t in results if t.epochs != 1)}/{len(results)}; "
        f"acknowledged but missing {sum(len(t.verified.missing) for t in results)}; money wrong "
        f"{sum(1 for t in results if not t.verified.money_ok)}; old sequencer's acks after resume "
        f"{sum(t.old_acked_after_resume for t in results)}; {failover.load_average()}",
        flush=True,
    )


def _api_trials(running: cluster.Cluster, engine: Engine, trials: int) -> None:
    lost = 0
    for n in range(trials):
        killed = running.kill_api(engine, n % len(running.api))
        v = killed.verified
        lost += len(v.missing)
        agree = not running.balances_differ()
        print(
            f"  {n + 1:2d}: acks after the kill per surviving port {killed.survivors_acked}"
            f"  clients served again {killed.clients_acked}/{len(running.keys)}  missing {len(v.missing)}"
            f"  money {'ok' if v.money_ok else 'WRONG'}  replicas {'agree' if agree else 'DIFFER'}"
            f"  ({failover.load_average()})",
            flush=True,
        )
    print(f"[api] acknowledged but missing {lost}; {failover.load_average()}", flush=True)


def _spread(times: list[float]) -> str:
    return f"min {min(times):.2f} s, median {statistics.median(times):.2f} s, max {max(times):.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs (info level)")
    parser.add_argument("--pause", type=float, default=12.0, help="seconds the sequencer stays stopped")
    parser.add_argument("--kind", default="kill,stop,api", help="comma-separated: kill, uts, stop, api")
    parser.add_argument("--nats-url", default=cluster.NATS_URL)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "SANDEX_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    os.environ.setdefault("SANDEX_MARKET", "off")
    if not cluster.nats_reachable(args.nats_url):
        parser.error(f"no NATS server at {args.nats_url}")
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="sandex-cluster-"))
    kept = "kept" if args.keep_logs else "removed when every kind ran"
    print(f"server logs in {scratch} ({kept})", flush=True)
    for kind in args.kind.split(","):
        run_kind(kind.strip(), args.trials, args.pause, args.nats_url, args.admin_url, scratch)
    if not args.keep_logs:
        shutil.rmtree(scratch)
    print(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
