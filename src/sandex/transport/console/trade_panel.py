"""What the market page shows a signed-in trader: the order form with the available balance, and
their own open orders, recent orders and fills in this market (in the environment shown)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from sandex.domain.errors import Rejected
from sandex.domain.instruments import Instrument
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import FillView, OrderView, Trader
from sandex.transport.console.trade_forms import DEFAULTS, ORDER_TYPES, Available

RECENT = 20  # history rows and fills shown under the form; the Orders page has the rest


@dataclass(frozen=True, slots=True)
class MyOrders:
    open: list[OrderView]
    history: list[OrderView]
    fills: list[FillView]
    problem: str = ""  # a refused cancel or amend, in words


@dataclass(frozen=True, slots=True)
class TradePanel:
    avail: Available
    mine: MyOrders
    values: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULTS))
    errors: Mapping[str, str] = field(default_factory=dict)
    types: tuple[tuple[object, str], ...] = ORDER_TYPES


def available(
    trading: TradingService, trader: Trader, inst: Instrument, px: Decimal | None = None
) -> Available:
    spend = trading.max_avail_size(trader, inst.inst_id)
    most = trading.max_size(trader, inst.inst_id, px)
    if isinstance(spend, Rejected) or isinstance(most, Rejected):
        return Available(Decimal(0), Decimal(0), Decimal(0), Decimal(0))
    return Available(spend.avail_sell, spend.avail_buy, most.max_buy, most.max_sell)


def my_orders(trading: TradingService, trader: Trader, inst_id: str, problem: str = "") -> MyOrders:
    return MyOrders(
        trading.pending_orders(trader, inst_id=inst_id),
        trading.order_history(trader, inst_id=inst_id, limit=RECENT),
        trading.fills(trader, inst_id=inst_id, limit=RECENT),
        problem,
    )


def trade_panel(
    trading: TradingService,
    trader: Trader,
    inst: Instrument,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    problem: str = "",
) -> TradePanel:
    return TradePanel(
        available(trading, trader, inst),
        my_orders(trading, trader, inst.inst_id, problem),
        values or dict(DEFAULTS),
        errors or {},
    )
