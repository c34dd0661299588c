"""After each group commit: tell subscribers (the WS gateway, market data) what changed.

Events are built only when someone subscribed to their type, so an idle hub costs nothing per
commit. Account owners come from the process's ledger-account directory, which reads an unknown id
once (on the writer's thread) and forgets them all on a control reset.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sandex.runtime.hub import Hub
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.events import (
    AlgosChanged,
    AlgoUpdate,
    BalancesChanged,
    BalanceUpdate,
    LiquidationsHappened,
    OrdersChanged,
    OrderUpdate,
    PositionsChanged,
    PositionUpdate,
    TradesHappened,
)
from sandex.services.exchange.records import ChangeSet, FillRecord, OrderRecord
from sandex.services.exchange.store import ExchangeStore

Io = Callable[..., Awaitable[Any]]


class Notifier:
    def __init__(self, store: ExchangeStore, hub: Hub, accounts: LedgerAccounts) -> None:
        self._store = store
        self._hub = hub
        self._accounts = accounts

    @property
    def wants_order_events(self) -> bool:
        """Whether a commit should record every step of its orders: a WS session subscribes to
        `orders` (the books and tickers, also OrdersChanged subscribers, need only each order's
        latest state, and building every step's record was ~8 % of an order's CPU)."""
        return self._hub.demanded(OrdersChanged)

    async def publish(self, changes: ChangeSet, io: Io) -> None:
        hub = self._hub
        wants_orders = bool(changes.orders) and hub.has_subscribers(OrdersChanged)
        wants_balances = bool(changes.balances) and hub.has_subscribers(BalancesChanged)
        wants_algos = bool(changes.algos) and hub.has_subscribers(AlgosChanged)
        wants_positions = bool(changes.position_steps) and hub.has_subscribers(PositionsChanged)
        if changes.trades and hub.has_subscribers(TradesHappened):
            for environment in {t.environment for t in changes.trades}:
                hub.publish(
                    TradesHappened(environment, [t for t in changes.trades if t.environment is environment])
                )
        if changes.liquidations and hub.has_subscribers(LiquidationsHappened):
            for environment in {r.environment for r in changes.liquidations}:
                done = [r for r in changes.liquidations if r.environment is environment]
                hub.publish(LiquidationsHappened(environment, done))
        if not (wants_orders or wants_balances or wants_algos or wants_positions):
            return
        await self._learn_owners(changes, io)
        if wants_orders:
            self._publish_orders(changes)
        if wants_algos:
            self._publish_algos(changes)
        if wants_balances:
            self._publish_balances(changes)
        if wants_positions:
            self._publish_positions(changes)

    async def _learn_owners(self, changes: ChangeSet, io: Io) -> None:
        ids = {o.account_id for o in changes.orders} | {b.account_id for b in changes.balances}
        ids |= {a.account_id for a in changes.algos} | {p.record.account_id for p in changes.position_steps}
        unknown = self._accounts.unknown(ids)
        if unknown:
            try:
                self._accounts.learn(await io(self._store.accounts, unknown))
            except Exception:  # a notification is best effort: never fail a committed batch
                return

    def _publish_orders(self, changes: ChangeSet) -> None:
        by_env: dict[Any, list[OrderUpdate]] = {}
        for order, fill in _order_steps(changes):
            owner = self._accounts.owner(order.account_id)
            if owner is not None and owner.user_id is not None:
                by_env.setdefault(order.environment, []).append(OrderUpdate(owner.user_id, order, fill))
        for environment, updates in by_env.items():
            self._hub.publish(OrdersChanged(environment, updates))

    def _publish_algos(self, changes: ChangeSet) -> None:
        by_env: dict[Any, list[AlgoUpdate]] = {}
        for algo in changes.algos:
            if algo.waiting:  # attached TP/SL show once their order filled
                continue
            owner = self._accounts.owner(algo.account_id)
            if owner is not None and owner.user_id is not None:
                by_env.setdefault(algo.environment, []).append(AlgoUpdate(owner.user_id, algo))
        for environment, updates in by_env.items():
            self._hub.publish(AlgosChanged(environment, updates))

    def _publish_balances(self, changes: ChangeSet) -> None:
        by_env: dict[Any, list[BalanceUpdate]] = {}
        for balance in changes.balances:
            owner = self._accounts.owner(balance.account_id)
            if owner is not None and owner.user_id is not None:
                update = BalanceUpdate(owner.user_id, owner.kind, balance)
                by_env.setdefault(owner.environment, []).append(update)
        for environment, updates in by_env.items():
            self._hub.publish(BalancesChanged(environment, updates))

    def _publish_positions(self, changes: ChangeSet) -> None:
        """Each position step of the commit, in order (one update per fill part, margin change…)."""
        by_env: dict[Any, list[PositionUpdate]] = {}
        for step in changes.position_steps:
            record = step.record
            owner = self._accounts.owner(record.account_id)
            if owner is not None and owner.user_id is not None:
                update = PositionUpdate(owner.user_id, record, step.event_type, step.trade_id)
                by_env.setdefault(record.environment, []).append(update)
        for environment, updates in by_env.items():
            self._hub.publish(PositionsChanged(environment, updates))


def _order_steps(changes: ChangeSet) -> list[tuple[OrderRecord, FillRecord | None]]:
    """Every step of every order when the commit recorded them; else (nobody listened when it was
    built) each order's latest state with its last fill of the commit, the one fill it can report."""
    if changes.order_events:
        return [(event.order, event.fill) for event in changes.order_events]
    last_fill = {fill.ord_id: fill for fill in changes.fills}
    return [(order, last_fill.get(order.ord_id)) for order in changes.orders]
