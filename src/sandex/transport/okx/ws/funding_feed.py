"""`funding-rate` pushes (`/public`), from the funding-rate service; `liquidation-orders` pushes.

The swap's funding rate at once on subscribe, then whenever it changed (a minute's sample moved the
rate or premium, a settlement moved the funding time; `ts` aside), checked every `INTERVAL_S`.
Funding is the same in live and demo: both environments' subscribers get the same item.
"""

from __future__ import annotations

import time
from typing import Any

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.instruments import Catalogue
from sandex.services.exchange.events import LiquidationsHappened
from sandex.services.exchange.liquidations import LiquidationRecord
from sandex.services.swap_funding.service import FundingRateService
from sandex.transport.okx.funding_rate_wire import funding_rate_wire, liquidation_orders_wire
from sandex.transport.okx.ws.channels import FUNDING_RATE, LIQUIDATION_ORDERS, Topic
from sandex.transport.okx.ws.protocol import push
from sandex.transport.okx.ws.pushes import Pusher
from sandex.transport.okx.ws.sessions import Session, SessionRegistry

INTERVAL_S = 1.0


class FundingRateFeed:
    def __init__(self, registry: SessionRegistry, pusher: Pusher, rates: FundingRateService | None) -> None:
        self._registry = registry
        self._pusher = pusher
        self._rates = rates
        self._sent: dict[str, tuple[Any, ...]] = {}  # per swap: what was pushed last (ts aside)
        self._checked = 0.0
        self.interval_s = INTERVAL_S

    def subscribed(self, session: Session, topic: Topic) -> None:
        if topic.channel != FUNDING_RATE:
            return
        item = self._item(topic.inst_id)
        if item is not None:
            self._pusher.send(session, FUNDING_RATE, push(_arg(topic.inst_id), [item]))

    def flush(self) -> None:
        now = time.monotonic()
        if self._rates is None or now - self._checked < self.interval_s:
            return
        self._checked = now
        for inst_id in self._rates.inst_ids:
            watchers = set().union(
                *(self._registry.market(env, FUNDING_RATE, inst_id) for env in Environment)
            )
            item = self._item(inst_id) if watchers else None
            if item is None:
                continue
            content = tuple(value for name, value in item.items() if name != "ts")
            if self._sent.get(inst_id) != content:
                self._sent[inst_id] = content
                self._pusher.fan_out(watchers, FUNDING_RATE, push(_arg(inst_id), [item]))

    def _item(self, inst_id: str) -> dict[str, Any] | None:
        if self._rates is None:
            return None
        found = self._rates.current(inst_id)
        return None if isinstance(found, Rejected) or inst_id == "ANY" else funding_rate_wire(found[0])


def _arg(inst_id: str) -> dict[str, str]:
    return {"channel": FUNDING_RATE, "instId": inst_id}


class LiquidationFeed:
    """`liquidation-orders` (`/public`, by `instType`): each liquidation after its commit, in the
    environment it happened in (swaps only: other instrument types never have any)."""

    def __init__(self, registry: SessionRegistry, pusher: Pusher, catalogue: Catalogue) -> None:
        self._registry = registry
        self._pusher = pusher
        self._catalogue = catalogue

    def on_liquidations(self, event: LiquidationsHappened) -> None:
        for session in tuple(self._registry.sessions.values()):
            if session.environment is not event.environment:
                continue
            for topic in tuple(session.topics.values()):
                if topic.channel == LIQUIDATION_ORDERS and topic.inst_type in ("SWAP", "ANY"):
                    for record in event.liquidations:
                        item = self._item(record)
                        self._pusher.send(session, LIQUIDATION_ORDERS, push(topic.echo, [item]))

    def _item(self, record: LiquidationRecord) -> dict[str, Any]:
        inst = self._catalogue.instrument(record.inst_id)
        family = inst.contract.inst_family if inst is not None and inst.contract is not None else ""
        return liquidation_orders_wire(record.inst_id, family, [record])
