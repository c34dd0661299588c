"""What the default history costs `sandex serve`: the market's start on a fresh store, then on a restart.

    python bench/bench_backfill.py [--hours 24] [--runs 3] [--database-url URL]

Each run opens a fresh data dir (SQLite unless `--database-url` names an empty, migrated database),
builds the runtime as `sandex serve` does (market on, seed 1) and times `market.start()`: the backfill
of every catalogue instrument in both environments, then market data loading it back (the tickers'
24 h windows). The restart times the same call on the same store: it finds the history, writes none
and only loads. Reports the median of `--runs` and the rows written.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from sandex.app import create_app
from sandex.config import Settings
from sandex.process import open_runtime


async def start_seconds(settings: Settings) -> tuple[float, int, int]:
    rt = open_runtime(settings, fast_hashing=True)
    create_app(settings, rt)
    started = time.perf_counter()
    await rt.market.start()
    elapsed = time.perf_counter() - started
    await rt.market.stop()
    with rt.engine.connect() as c:
        trades = c.execute(text("SELECT count(*) FROM trades")).scalar_one()
        candles = c.execute(text("SELECT count(*) FROM market_candles")).scalar_one()
    rt.engine.dispose()
    return elapsed, trades, candles


async def main(args: argparse.Namespace) -> None:
    fresh: list[float] = []
    restart: list[float] = []
    rows = (0, 0)
    for _ in range(args.runs):
        data_dir = Path(tempfile.mkdtemp(prefix="sandex-bench-backfill-")) / "data"
        kw = {"database_url": args.database_url} if args.database_url else {}
        settings = Settings(data_dir=data_dir, seed=1, backfill_hours=args.hours, rate_limits="off", **kw)
        seconds, *counted = await start_seconds(settings)
        fresh.append(seconds)
        rows = (counted[0], counted[1])
        restart.append((await start_seconds(settings))[0])
        if args.database_url:
            break  # the database is not empty any more
    print(f"backfill {args.hours} h: {rows[0]} trades, {rows[1]} candles (both environments)")
    print(f"fresh start: market.start() median {statistics.median(fresh):.2f} s over {len(fresh)} runs")
    print(f"restart:     market.start() median {statistics.median(restart):.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    asyncio.run(main(parser.parse_args()))
