"""How long one retention round holds the exchange's writer thread (it runs between group commits).

    python bench/bench_retention.py [--steps 300] [--batch 200]

Builds a runtime on a temporary SQLite data dir, lets the market maker step `--steps` times as
fast as it can (each step is about a second of simulated market: ~110 bills, ~12 fills and ~6
trades a second), moves the sandbox clock two minutes on so all of it is old, then runs rounds until
nothing is left and prints each round's rows and wall time, and the p50 and max. A round longer
than a group commit (~1-3 ms on an idle machine) delays the orders waiting behind it by that much.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sandex.app import create_app
from sandex.config import Settings
from sandex.domain.clock import MINUTE_MS
from sandex.process import open_runtime
from sandex.services.retention import Retention, RetentionPolicy
from sandex.storage.repositories.retention import SqlRetentionStore


async def run(steps: int, batch: int) -> None:
    settings = Settings(
        data_dir=Path(tempfile.mkdtemp(prefix="sandex-bench-retention-")), seed=1, rate_limits="off"
    )
    rt = open_runtime(settings, fast_hashing=True)
    create_app(settings, rt)
    await rt.market.start()
    await rt.trading.sequencer.start()
    maker = rt.market.maker
    assert maker is not None
    try:
        for _ in range(steps):
            await maker.step()
        rt.clock.advance(2 * MINUTE_MS)
        retention = Retention(SqlRetentionStore(rt.sessions), RetentionPolicy(batch=batch))
        times: list[float] = []
        while True:
            started = time.perf_counter()
            pruned = await rt.trading.sequencer.exclusive(lambda: retention.prune(rt.clock.now_ms()))
            times.append((time.perf_counter() - started) * 1000)
            print(f"round {len(times):3d}: {pruned.rows:5d} rows in {times[-1]:6.1f} ms")
            if not pruned.more:
                break
        print(
            f"\n{len(times)} rounds of up to {batch} rows per kind: "
            f"p50 {statistics.median(times):.1f} ms, max {max(times):.1f} ms"
        )
    finally:
        await rt.market.stop()
        await rt.trading.sequencer.stop()
        rt.engine.dispose()
        shutil.rmtree(settings.data_dir, ignore_errors=True)


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.steps, args.batch))


if __name__ == "__main__":
    main()
