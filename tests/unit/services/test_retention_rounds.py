"""A retention round: cutoffs from the clock, candles only when a bar opened, `more` while a batch is full."""

from __future__ import annotations

from collections.abc import Mapping

from sandex.domain.clock import DAY_MS, MINUTE_MS
from sandex.services.retention import Cutoffs, Retention, RetentionPolicy

NOW = 1_800_000_000_000 // MINUTE_MS * MINUTE_MS + 5_000  # 5 s into a minute


class FakeStore:
    def __init__(self) -> None:
        self.calls: list[Cutoffs] = []
        self.answer: dict[str, int] = {}

    def prune(self, cutoffs: Cutoffs, limit: int) -> Mapping[str, int]:
        self.calls.append(cutoffs)
        return {kind: self.answer.get(kind, 0) for kind in ("system_orders", "trades", *cutoffs.candles)}


def test_cutoffs_follow_okx_windows_and_keep_1440_candles_of_every_bar() -> None:
    cut = Cutoffs.at(NOW, RetentionPolicy())
    assert cut.system == NOW - MINUTE_MS
    assert cut.orders == cut.fills == cut.trades == NOW - 90 * DAY_MS
    assert cut.candles["1m"] == NOW - 5_000 - 1439 * MINUTE_MS  # the open of the 1,440th newest minute
    assert cut.candles["1H"] == (NOW // (60 * MINUTE_MS) - 1439) * 60 * MINUTE_MS
    assert "1s" not in cut.candles  # 1s candles are never stored
    assert cut.counters == NOW - DAY_MS  # attempt counters idle for a day
    assert Cutoffs.at(NOW, RetentionPolicy(), candles=False, counters=False).counters == 0  # none


def test_idle_attempt_counters_are_swept_once_a_minute_with_the_candles() -> None:
    store = FakeStore()
    retention = Retention(store, RetentionPolicy(batch=10))
    retention.prune(NOW)
    retention.prune(NOW + 1_000)
    retention.prune(NOW + MINUTE_MS)
    assert [call.counters for call in store.calls] == [NOW - DAY_MS, 0, NOW + MINUTE_MS - DAY_MS]


def test_candles_are_looked_at_once_a_minute_unless_a_backlog_remains() -> None:
    store = FakeStore()
    retention = Retention(store, RetentionPolicy(batch=10))
    assert retention.prune(NOW).more is False
    retention.prune(NOW + 1_000)
    assert [bool(call.candles) for call in store.calls] == [True, False]
    store.answer = {"1m": 10}  # a full batch of minutes: more to do, and candles stay due
    assert retention.prune(NOW + MINUTE_MS).more is True
    store.answer = {}
    retention.prune(NOW + MINUTE_MS + 1_000)  # the backlog's last batch
    retention.prune(NOW + MINUTE_MS + 2_000)
    assert [bool(call.candles) for call in store.calls] == [True, False, True, True, False]


def test_a_full_batch_of_any_kind_asks_for_another_round() -> None:
    store = FakeStore()
    store.answer = {"trades": 10, "system_orders": 3}
    pruned = Retention(store, RetentionPolicy(batch=10)).prune(NOW)
    assert (pruned.rows, pruned.more) == (13, True)
