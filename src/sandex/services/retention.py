"""How long simulated-market history is kept, by the sandbox clock, following OKX's endpoints.

The market maker and its taker flow trade all day: left alone the database grew ~84 MB an hour.
What goes, and when (`RetentionPolicy`):

* the market's own users' closed orders, their fills and their bills (and the fee account's
  bills): nobody can read them (those users cannot log in or hold keys), so they go a minute
  after they closed; their deposits stay (the next deposit id is derived from them);
* users' closed orders after 3 months (`orders-history-archive`), users' fills after 3 months
  (`fills-history`); users' bills are never pruned (the ledger's audit trail);
* the public tape after 3 months (`history-trades`);
* candles: the newest 1,440 of every bar (what `market/candles` serves; the 1m bar thus keeps
  the 24 hours the tickers' rolling window reads);
* login, 2FA and email-code attempt counters (one row per account, client address or code
  subject) a day after their window opened and their lock ended: such a row counts nothing, and
  an attacker with many addresses would otherwise grow the table for ever. Looked at once a
  minute (the table has no index on time).

The newest order, trade and bill always stay: new ids continue from the highest one stored.
Each call deletes at most `batch` rows per kind, so a round stays short; the caller repeats it
while `more` says a batch was full.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from sandex.domain.clock import DAY_MS, MINUTE_MS
from sandex.domain.marketdata.bars import TRADE_BARS
from sandex.services.trading.service import ARCHIVE_MS

CANDLES_PER_BAR = 1440  # OKX `market/candles`: "the latest 1,440 data entries"


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    system_ms: int = MINUTE_MS  # the market's own closed orders, fills and bills
    orders_ms: int = ARCHIVE_MS  # users' closed orders: orders-history-archive
    fills_ms: int = ARCHIVE_MS  # users' fills: fills-history
    trades_ms: int = ARCHIVE_MS  # the public tape: history-trades
    candles_per_bar: int = CANDLES_PER_BAR
    counters_ms: int = DAY_MS  # attempt counters: windows and locks last an hour at most
    batch: int = 200  # rows per kind per round: a round holds the writer for a few ms


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """Rows older than these (ms) may go; `candles` maps a bar's name to the oldest open time kept
    (empty: no candle is due for pruning this round)."""

    system: int
    orders: int
    fills: int
    trades: int
    candles: Mapping[str, int] = field(default_factory=dict)
    counters: int = 0  # attempt counters whose window opened and lock ended before this (0: none)

    @classmethod
    def at(
        cls, now_ms: int, policy: RetentionPolicy, *, candles: bool = True, counters: bool = True
    ) -> Cutoffs:
        keep = policy.candles_per_bar - 1
        bars = {bar.name: bar.shift(bar.open_of(now_ms), -keep) for bar in TRADE_BARS} if candles else {}
        return cls(
            system=now_ms - policy.system_ms,
            orders=now_ms - policy.orders_ms,
            fills=now_ms - policy.fills_ms,
            trades=now_ms - policy.trades_ms,
            candles=bars,
            counters=now_ms - policy.counters_ms if counters else 0,
        )


class RetentionStore(Protocol):
    def prune(self, cutoffs: Cutoffs, limit: int) -> Mapping[str, int]:
        """In one transaction, at most `limit` rows of each kind older than its cutoff: the
        market's own closed orders, fills and bills (but deposits), and the fee accounts' bills
        (`system`); all closed orders, fills and public trades (`orders`, `fills`, `trades`);
        candles of each bar in `candles`; attempt counters idle since `counters`. Returns the rows
        deleted by kind (candles: by bar)."""
        ...


@dataclass(frozen=True, slots=True)
class Pruned:
    rows: int
    more: bool  # some batch was full: call again soon


class Retention:
    def __init__(self, store: RetentionStore, policy: RetentionPolicy | None = None) -> None:
        self._store = store
        self.policy = policy or RetentionPolicy()
        self._candles_done: int | None = None  # the minute whose candle cutoffs were applied in full

    def prune(self, now_ms: int) -> Pruned:
        """One round: one batch of every kind. Candle cutoffs move only when a bar opens (once a
        minute at most), so candles are looked at only then, or until a backlog is gone."""
        minute = now_ms // MINUTE_MS
        due = minute != self._candles_done
        cut = Cutoffs.at(now_ms, self.policy, candles=due, counters=due)
        counts = self._store.prune(cut, self.policy.batch)
        full = {kind for kind, count in counts.items() if count >= self.policy.batch}
        if cut.candles and not full & set(cut.candles):
            self._candles_done = minute
        return Pruned(sum(counts.values()), bool(full))
