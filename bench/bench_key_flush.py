"""How long one key-usage flush holds the sequencer's writer thread, with N keys used per window.

    python bench/bench_key_flush.py [--keys 10000] [--flushes 6] [--uses 2]

Builds a throw-away sandex runtime (SQLite in a temp dir, WAL, synchronous=FULL as the server runs
it) with N API keys, then per window notes `--uses` trade requests of every key (as authentication
does) and writes the window as the server's `KeyCacheKeeper` does: `UsageBuffer.drain`, then per
drained batch its rows (`UsageBuffer.prepare`) and one turn on the writer (`AuthService.write_usage`)
with a PASSIVE checkpoint beside it every 100 ms, as the sequencer runs them. A turn is what group
commits wait behind: its wall time, its CPU, the longest one, the statements it runs. The first
window (empty usage log) is shown apart from the steady ones. Run with
`PYTHONPATH=<old checkout>/src` to measure older code the same way.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, Table, event, insert, select

from sandex.app import GC_THRESHOLDS
from sandex.config import Settings
from sandex.domain.errors import Rejected
from sandex.domain.keys.formats import format_api_key
from sandex.domain.keys.model import Permission
from sandex.domain.keys.rules import CreateKeyRequest
from sandex.process import open_runtime
from sandex.storage.orm.keys import ApiKeyRow

TARGET = b"/api/v5/trade/order"
IP = "203.0.113.7"
CHECKPOINT_S = 0.1  # as `sandex.runtime.sequencer`


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=10_000)
    parser.add_argument("--flushes", type=int, default=6, help="windows written (the first apart)")
    parser.add_argument("--uses", type=int, default=2, help="requests per key per window")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runtime = open_runtime(Settings(data_dir=Path(tmp), rate_limits="off"), fast_hashing=True)
        user = runtime.accounts.register("bench@example.test", "Correct-Horse-9")
        assert not isinstance(user, Rejected)
        created = runtime.keys.keys.create(
            user.id, CreateKeyRequest("bench", "Sandex#2026", "read_only,trade")
        )
        assert not isinstance(created, Rejected)
        keys = _store_keys(runtime.engine, created.info.api_key, args.keys)
        gc.collect()
        gc.freeze()  # garbage collection as the server runs it once started (`sandex.app`)
        gc.set_threshold(*GC_THRESHOLDS)
        statements = [0]
        writer = threading.get_ident()  # the checkpointer's statements are not the flush's

        def count(*_: object) -> None:
            if threading.get_ident() == writer:
                statements[0] += 1

        event.listen(runtime.engine, "before_cursor_execute", count)
        auth = runtime.keys.auth
        prepare = getattr(auth.usage, "prepare", lambda drained: drained)  # older code: none
        checkpoints = _Checkpointer(runtime.engine)
        flushes: list[Flush] = []
        for _ in range(args.flushes):
            now_ms = runtime.clock.now_ms()
            for use in range(args.uses):
                for api_key in keys:
                    auth.usage.note_use(api_key, now_ms + use, IP, Permission.TRADE, "POST", TARGET)
            statements[0] = 0
            started = time.perf_counter()
            batches = auth.usage.drain()  # the server: on a worker thread, before the writer's turns
            flush = Flush((time.perf_counter() - started) * 1000)
            for drained in batches:
                started = time.perf_counter()
                batch = prepare(drained)  # the server: on the event loop, right before the turn
                flush.drain_ms += (time.perf_counter() - started) * 1000
                started, cpu = time.perf_counter(), time.thread_time()
                auth.write_usage(batch)
                flush.turns.append((time.perf_counter() - started) * 1000)
                flush.cpu_ms += (time.thread_time() - cpu) * 1000
            flush.statements = statements[0]
            flushes.append(flush)
        checkpoints.stop()
        runtime.engine.dispose()
    print(f"{args.keys} keys, {args.uses} uses per key per window; load {os.getloadavg()}")
    _line("first window", flushes[:1])
    _line(f"next {len(flushes) - 1}", flushes[1:])


@dataclass
class Flush:
    drain_ms: float
    turns: list[float] = field(default_factory=list)  # ms of the writer each
    cpu_ms: float = 0.0  # the writer thread's CPU in them
    statements: int = 0


class _Checkpointer(threading.Thread):
    """A PASSIVE checkpoint every 100 ms beside the writes, as the server's sequencer runs them."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(daemon=True)
        self._engine, self._stopped = engine, threading.Event()
        self.start()

    def run(self) -> None:
        while not self._stopped.wait(CHECKPOINT_S):
            with self._engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def stop(self) -> None:
        self._stopped.set()
        self.join()


def _line(label: str, flushes: list[Flush]) -> None:
    if not flushes:
        return
    held = [sum(f.turns) for f in flushes]
    print(
        f"{label:>13}: writer held {statistics.median(held):6.1f} ms per flush (median; slowest "
        f"{max(held):6.1f} ms; CPU {statistics.median(f.cpu_ms for f in flushes):5.1f} ms) in "
        f"{len(flushes[0].turns)} turn(s), longest turn {max(max(f.turns) for f in flushes):6.1f} ms, "
        f"{flushes[-1].statements} statements; drain and rows before it "
        f"{statistics.median(f.drain_ms for f in flushes):5.1f} ms"
    )


def _store_keys(engine: Engine, api_key: str, count: int) -> list[str]:
    """`count` copies of the key, stored directly (past the per-account limit)."""
    table: Table = ApiKeyRow.__table__  # type: ignore[assignment]
    keys = []
    with engine.begin() as conn:
        template = dict(conn.execute(select(table).where(table.c.api_key == api_key)).one()._mapping)
        rows = []
        for i in range(count):
            key = format_api_key(os.urandom(16))
            rows.append({**template, "id": None, "api_key": key, "label": f"many-{i}"})
            keys.append(key)
        conn.execute(insert(table), rows)
    return keys


if __name__ == "__main__":
    main()
