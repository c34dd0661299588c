"""What the funding-rate service needs: the books, the index, the writer, the stored history."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sandex.domain.accounts.model import Environment
from sandex.services.exchange.funding_fees import FundingRateRecord
from sandex.services.exchange.liquidations import LiquidationRecord
from sandex.services.exchange.swap_commands import SettleFundingFee


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """`public/funding-rate-history`: funding times older than `after`, newer than `before`, not
    before `since` (three months back), at most `limit`."""

    since: int
    after: int | None = None
    before: int | None = None
    limit: int = 400


@dataclass(frozen=True, slots=True)
class LiquidationQuery:
    """`public/liquidation-orders`: these swaps' liquidations older than `after`, newer than
    `before` (ms), at most `limit`, newest first."""

    inst_ids: tuple[str, ...]
    after: int | None = None
    before: int | None = None
    limit: int = 100


class FundingRateStore(Protocol):
    def history(self, inst_id: str, query: HistoryQuery) -> list[FundingRateRecord]: ...

    def last_settled(self) -> dict[str, FundingRateRecord]: ...

    def liquidations(self, environment: Environment, query: LiquidationQuery) -> list[LiquidationRecord]: ...


class Level(Protocol):
    @property
    def px(self) -> Decimal: ...

    @property
    def sz(self) -> Decimal: ...  # contracts


class Book(Protocol):
    """Best first on both sides (`services.marketdata.ports.BookView`)."""

    @property
    def bids(self) -> Sequence[Level]: ...

    @property
    def asks(self) -> Sequence[Level]: ...


class Books(Protocol):
    """The exchange's books (`services.marketdata.venue.CoreVenue`)."""

    def depth(self, environment: Environment, inst_id: str, levels: int) -> Book | None: ...


class IndexSource(Protocol):
    """The index a swap follows (`MarkSource.index_px`)."""

    def index_px(self, inst_id: str) -> Decimal | None: ...


class SettleBus(Protocol):
    """The exchange's writer (the sequencer)."""

    def submit(self, command: SettleFundingFee) -> Awaitable[object]: ...
