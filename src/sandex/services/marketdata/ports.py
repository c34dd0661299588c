"""What market data and the simulated market need from storage and the exchange, and what they hand out.

Storage (`sandex.storage.repositories.marketdata`) implements `MarketStore`; the exchange core's
adapter (`sandex.services.marketdata.venue`) implements `BookSource` and `InstrumentStates`. Views
carry exact `Decimal`s in plain instrument units; `None` means "no value" (the wire shows "").
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sandex.domain.accounts.model import Environment
from sandex.domain.marketdata.candles import Candle, CandleValues
from sandex.domain.matching.order import Side
from sandex.domain.simulation.history import SyntheticTrade
from sandex.services.exchange.records import TradeRecord


# --- records -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StoredCandle:
    environment: Environment
    inst_id: str
    bar: str  # OKX bar name
    values: CandleValues


@dataclass(frozen=True, slots=True)
class CandleQuery:
    """Newest first. `after`: ts < after (older); `before`: ts > before (newer); `since`: ts >= since."""

    environment: Environment
    inst_id: str
    bar: str
    after: int | None = None
    before: int | None = None
    since: int | None = None
    limit: int = 100


@dataclass(frozen=True, slots=True)
class TradeQuery:
    """Newest first. Id cursors (`after_id`: older, `before_id`: newer) or a time cursor (`after_ts`)."""

    environment: Environment
    inst_id: str
    after_id: int | None = None
    before_id: int | None = None
    after_ts: int | None = None  # ts < after_ts
    since_ts: int | None = None  # ts >= since_ts
    limit: int = 100


@dataclass(frozen=True, slots=True)
class SyntheticTape:
    """Backfilled history, the same in each of `environments`. Trade `i` of `trades` (in time order,
    as `(inst_id, trade)`) has id `first_id + i * len(environments) + k` in environment `k`."""

    environments: tuple[Environment, ...]
    first_id: int
    trades: Sequence[tuple[str, SyntheticTrade]]
    candles: Sequence[tuple[str, str, Candle]]  # (inst_id, bar name, candle)
    marks: Mapping[Environment, int]


@dataclass(frozen=True, slots=True)
class BookLevel:
    px: Decimal
    sz: Decimal
    orders: int


@dataclass(frozen=True, slots=True)
class BookView:
    """Asks ascending, bids descending, aggregated per price; `ts` = when this state was committed."""

    asks: Sequence[BookLevel]
    bids: Sequence[BookLevel]
    ts: int


@dataclass(frozen=True, slots=True)
class TickerView:
    inst_id: str
    last: Decimal | None
    last_sz: Decimal | None
    ask_px: Decimal | None
    ask_sz: Decimal | None
    bid_px: Decimal | None
    bid_sz: Decimal | None
    open24h: Decimal | None
    high24h: Decimal | None
    low24h: Decimal | None
    vol24h: Decimal  # base currency (swaps: contracts)
    vol_ccy24h: Decimal  # quote currency (swaps: the contracts' coin)
    sod_utc0: Decimal | None
    sod_utc8: Decimal | None
    ts: int
    inst_type: str = "SPOT"


@dataclass(frozen=True, slots=True)
class IndexTickerView:
    """The reference price the simulated market follows (OKX `index-tickers`)."""

    inst_id: str
    idx_px: Decimal
    open24h: Decimal
    high24h: Decimal
    low24h: Decimal
    sod_utc0: Decimal
    sod_utc8: Decimal
    ts: int


@dataclass(frozen=True, slots=True)
class CandleView:
    ts: int
    o: Decimal
    h: Decimal
    l: Decimal  # noqa: E741 - OKX's own letter
    c: Decimal
    vol: Decimal  # base currency (swaps: contracts)
    vol_ccy: Decimal  # quote currency (swaps: the contracts' coin)
    confirmed: bool  # the bar has closed
    vol_ccy_quote: Decimal | None = None  # swaps: the quote currency (None: `vol_ccy` is it)


@dataclass(frozen=True, slots=True)
class PublicTrade:
    trade_id: str
    inst_id: str
    px: Decimal
    sz: Decimal
    side: Side  # the taker's side
    ts: int


ReplayTrade = tuple[int, str, int, Decimal, Decimal]
"""(trade id, inst id, ts, px, sz): a stored trade the start-up folds into candles (a plain tuple:
a replay reads hundreds of thousands)."""


# --- ports ---------------------------------------------------------------------------------------
class MarketStore(Protocol):
    # candles
    def save_candles(self, rows: Sequence[StoredCandle], marks: Mapping[Environment, int]) -> None:
        """Upsert `rows` and set each environment's mark (the last trade id folded) in one transaction."""
        ...

    def candles(self, query: CandleQuery) -> list[CandleValues]: ...

    def candles_at(self, environment: Environment, bar: str, ts: int) -> dict[str, CandleValues]:
        """Per instrument, its candle of `bar` opening at `ts`."""
        ...

    def minutes_since(self, environment: Environment, since: int) -> dict[str, list[CandleValues]]:
        """Per instrument, its 1m candles from `since` on, oldest first."""
        ...

    def candle_mark(self, environment: Environment) -> int: ...

    def has_history(self, environment: Environment, inst_id: str) -> bool:
        """The instrument has a trade or a 1-minute candle stored (ever)."""
        ...

    def lowest_trade_id(self) -> int | None:
        """The smallest trade id stored (both environments share the id space); None without trades."""
        ...

    def save_history(self, history: SyntheticTape) -> None:
        """Insert the history's trades and candles in every one of its environments and set their
        marks, in one transaction."""
        ...

    # the public tape (the trades table)
    def trades(self, query: TradeQuery) -> list[TradeRecord]: ...

    def trades_after(
        self, environment: Environment, inst_id: str, trade_id: int, limit: int
    ) -> list[ReplayTrade]:
        """The instrument's trades with a larger id, oldest first (only what folding them needs)."""
        ...

    def last_trades(self, environment: Environment, inst_ids: Collection[str]) -> dict[str, TradeRecord]:
        """Per instrument of `inst_ids` that has traded, its newest trade."""
        ...

    # the simulated market's own users
    def system_user(self, role: str, now_ms: int) -> int:
        """The id of sandex's own user for `role`, created on first use (no email, no password,
        frozen: nobody can log in as it or hold its keys)."""
        ...


class BookSource(Protocol):
    def depth(self, environment: Environment, inst_id: str, levels: int) -> BookView | None:
        """The best `levels` per side right now; None for an unknown instrument."""
        ...
