"""What the exchange core publishes on the hub after each commit: order steps, public trades,
balances. Subscribers are the WS feeds, market data and the notifier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sandex.domain.accounts.model import Environment
from sandex.services.exchange.liquidations import LiquidationRecord
from sandex.services.exchange.records import (
    AlgoRecord,
    BalanceRecord,
    FillRecord,
    LedgerAccountKind,
    OrderRecord,
    TradeRecord,
)
from sandex.services.exchange.swap_records import PositionRecord


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    user_id: int
    order: OrderRecord
    fill: FillRecord | None = None  # the order's side of the trade this update reports (None: no fill)


@dataclass(frozen=True, slots=True)
class OrdersChanged:
    """Orders whose state changed in one commit, for the WS `orders` channel: every step of each
    order in order when the commit recorded them (`ChangeSet.order_events`), else the latest state
    of each order with its last fill of the commit, if it had one."""

    environment: Environment
    updates: Sequence[OrderUpdate]


@dataclass(frozen=True, slots=True)
class TradesHappened:
    """New public trades (WS `trades` channel, candles, tickers)."""

    environment: Environment
    trades: Sequence[TradeRecord]


@dataclass(frozen=True, slots=True)
class BalanceUpdate:
    user_id: int
    kind: LedgerAccountKind
    balance: BalanceRecord


@dataclass(frozen=True, slots=True)
class BalancesChanged:
    """Balances that changed in one commit (WS `account` channel)."""

    environment: Environment
    updates: Sequence[BalanceUpdate]


@dataclass(frozen=True, slots=True)
class AlgoUpdate:
    user_id: int
    algo: AlgoRecord


@dataclass(frozen=True, slots=True)
class AlgosChanged:
    """Algo orders placed, amended, triggered, failed or canceled in one commit, each in its state
    after the commit (WS `orders-algo`; `move_order_stop` ones on `algo-advance`)."""

    environment: Environment
    updates: Sequence[AlgoUpdate]


@dataclass(frozen=True, slots=True)
class PositionUpdate:
    user_id: int
    position: PositionRecord
    event_type: str  # balance_and_position `eventType`: filled, funding_fee, liquidation, adjust_margin…
    trade_id: int | None = None


@dataclass(frozen=True, slots=True)
class PositionsChanged:
    """Positions that changed in one commit, each in its state after the commit (WS `positions`,
    `balance_and_position` `posData`, `liquidation-warning`)."""

    environment: Environment
    updates: Sequence[PositionUpdate]


@dataclass(frozen=True, slots=True)
class LiquidationsHappened:
    """Positions liquidated in one commit (WS public `liquidation-orders`)."""

    environment: Environment
    liquidations: Sequence[LiquidationRecord]
