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
  the 24 hours the tickers' rolling window reads).

The newest order, trade and bill always stay: new ids continue from the highest one stored.
Each call deletes at most `batch` rows per kind, so a round stays short; the caller repeats it
while `more` says a batch was full.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from sandex.domain.clock import MINUTE_MS
from sandex.domain.market.bars import TRADE_BARS
from sandex.services.trading import ARCHIVE_MS

CANDLES_PER_BAR = 1440  # OKX `market/candles`: "the latest 1,440 data entries"


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    system_ms: int = MINUTE_MS  # the market's own closed orders, fills and bills
    orders_ms: int = ARCHIVE_MS  # users' closed orders: orders-history-archive
    fills_ms: int = ARCHIVE_MS  # users' fills: fills-history
    trades_ms: int = ARCHIVE_MS  # the public tape: history-trades
    candles_per_bar: int = CANDLES_PER_BAR
    batch: int = 500  # rows per kind per round: one round holds the writer a few ms at most


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """Rows older than these (ms) may go."""

    system: int
    orders: int
    fills: int
    trades: int
    candles: Mapping[str, int] = field(default_factory=dict)  # bar name -> oldest open time kept

    @classmethod
    def at(cls, now_ms: int, policy: RetentionPolicy) -> Cutoffs:
        keep = policy.candles_per_bar - 1
        candles = {bar.name: bar.shift(bar.open_of(now_ms), -keep) for bar in TRADE_BARS}
        return cls(
            system=now_ms - policy.system_ms,
            orders=now_ms - policy.orders_ms,
            fills=now_ms - policy.fills_ms,
            trades=now_ms - policy.trades_ms,
            candles=candles,
        )


class RetentionStore(Protocol):
    """Deletes, each of at most `limit` rows, returning how many went."""

    def prune_system_orders(self, before_ms: int, limit: int) -> int:
        """Closed orders of the market's own accounts."""
        ...

    def prune_system_fills(self, before_ms: int, limit: int) -> int: ...

    def prune_system_bills(self, before_ms: int, limit: int) -> int:
        """Bills but deposits of the market's own accounts and of the fee accounts."""
        ...

    def prune_user_orders(self, before_ms: int, limit: int) -> int: ...

    def prune_user_fills(self, before_ms: int, limit: int) -> int: ...

    def prune_trades(self, before_ms: int, limit: int) -> int: ...

    def prune_candles(self, bar: str, before_ms: int, limit: int) -> int: ...


@dataclass(frozen=True, slots=True)
class Pruned:
    rows: int
    more: bool  # some batch was full: call again soon


class Retention:
    def __init__(self, store: RetentionStore, policy: RetentionPolicy | None = None) -> None:
        self._store = store
        self.policy = policy or RetentionPolicy()

    def prune(self, now_ms: int) -> Pruned:
        """One round: one batch of every kind that is due."""
        cut, limit, store = Cutoffs.at(now_ms, self.policy), self.policy.batch, self._store
        counts = [
            store.prune_system_orders(cut.system, limit),
            store.prune_system_fills(cut.system, limit),
            store.prune_system_bills(cut.system, limit),
            store.prune_user_orders(cut.orders, limit),
            store.prune_user_fills(cut.fills, limit),
            store.prune_trades(cut.trades, limit),
        ]
        counts += [store.prune_candles(bar, before, limit) for bar, before in cut.candles.items()]
        return Pruned(sum(counts), any(count >= limit for count in counts))
