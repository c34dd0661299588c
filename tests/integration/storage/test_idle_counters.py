"""Idle attempt counters are swept by the retention round, on SQLite and PostgreSQL.

One row per account, client address or code subject would otherwise stay for ever: an attacker
with many addresses could grow the table without bound. A swept row reads as a fresh counter.
"""

from __future__ import annotations

from pathlib import Path

from sandex.config import Settings
from sandex.domain.accounts.lockout import FailureCounter
from sandex.domain.clock import DAY_MS, HOUR_MS
from sandex.process import open_runtime
from sandex.services.retention import Cutoffs, RetentionPolicy
from sandex.storage.repositories.retention import SqlRetentionStore
from sandex.storage.uow import SqlUnitOfWork

NOW = 1_800_000_000_000


def test_counters_idle_for_a_day_go_and_live_ones_stay(tmp_path: Path, migrated_database_url: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=migrated_database_url, market=False)
    rt = open_runtime(settings, fast_hashing=True)
    try:
        rows = {
            ("ip", "198.51.100.7"): FailureCounter(3, NOW - 2 * DAY_MS, 0),  # long over: goes
            ("account", "1"): FailureCounter(0, 0, 0),  # cleared by a success: goes
            ("ip", "198.51.100.8"): FailureCounter(4, NOW - HOUR_MS, 0),  # its window is recent
            ("account", "2"): FailureCounter(0, NOW - 2 * DAY_MS, NOW + HOUR_MS),  # still locked
        }
        with SqlUnitOfWork(rt.sessions) as uow:
            for (scope, subject), counter in rows.items():
                uow.logins.change_counter(scope, subject, lambda _: FailureCounter(1, NOW, 0))
                uow.logins.change_counter(scope, subject, lambda _, c=counter: c)
            uow.commit()
        cut = Cutoffs.at(NOW, RetentionPolicy(), candles=False)
        assert SqlRetentionStore(rt.sessions).prune(cut, limit=200)["counters"] == 2
        with SqlUnitOfWork(rt.sessions) as uow:
            left = {key: uow.logins.change_counter(*key, lambda c: None)[0] for key in rows}
        assert left[("ip", "198.51.100.7")] == left[("account", "1")] == FailureCounter()  # fresh
        assert left[("ip", "198.51.100.8")] == rows[("ip", "198.51.100.8")]
        assert left[("account", "2")] == rows[("account", "2")]
    finally:
        rt.engine.dispose()
