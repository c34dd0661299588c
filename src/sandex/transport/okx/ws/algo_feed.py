"""Algo order pushes on `/business` after login: `orders-algo` and `algo-advance`.

Fed by the hub's `AlgosChanged` (published after each commit that placed, amended, triggered,
failed or canceled algos): one push per algo and change, its object exactly as REST renders it
(`algo_wire.algo_object`), to the owner's sessions of that environment only. `move_order_stop`
algos go to `algo-advance` (filters `instType`, `instId`, `algoId`), every other type to
`orders-algo` (filters `instType`, `instFamily`, `instId`). `instType` ANY matches every algo, SPOT
the spot ones, SWAP the swap ones (and `instFamily`, e.g. BTC-USDT, a swap's family); MARGIN and
FUTURES are valid subscriptions that never receive anything.
"""

from __future__ import annotations

from typing import Any

from sandex.domain.clock import Clock
from sandex.domain.trading.algos import ADVANCE_TYPES
from sandex.services.exchange.events import AlgosChanged, AlgoUpdate
from sandex.services.exchange.records import AlgoRecord
from sandex.transport.okx.algo_wire import SWAP, algo_object, inst_type_of
from sandex.transport.okx.ws.channels import ALGO_ADVANCE, ORDERS_ALGO, Topic
from sandex.transport.okx.ws.protocol import push
from sandex.transport.okx.ws.pushes import Pusher
from sandex.transport.okx.ws.sessions import Session, SessionRegistry

ANY, SWAP_SUFFIX = "ANY", "-SWAP"


class AlgoFeed:
    def __init__(self, registry: SessionRegistry, pusher: Pusher, clock: Clock) -> None:
        self._registry = registry
        self._pusher = pusher
        self._clock = clock

    def on_algos(self, event: AlgosChanged) -> None:
        by_user: dict[int, list[AlgoUpdate]] = {}
        for update in event.updates:
            by_user.setdefault(update.user_id, []).append(update)
        for user_id, updates in by_user.items():
            for session in tuple(self._registry.of_user(event.environment, user_id)):
                self._push(session, [update.algo for update in updates])

    def _push(self, session: Session, records: list[AlgoRecord]) -> None:
        topics = [t for t in session.topics.values() if t.channel in (ORDERS_ALGO, ALGO_ADVANCE)]
        if not topics:
            return
        for record in records:
            channel = ALGO_ADVANCE if record.ord_type in ADVANCE_TYPES else ORDERS_ALGO
            item: dict[str, Any] | None = None
            for topic in topics:
                if topic.channel == channel and matches(topic, record):
                    item = item or self._item(record, channel)
                    self._pusher.send(session, channel, push(_arg(session, topic), [item]))

    def _item(self, record: AlgoRecord, channel: str) -> dict[str, Any]:
        item = algo_object(record)
        if channel == ALGO_ADVANCE:
            item["pTime"] = str(self._clock.now_ms())
        else:
            item.update(reqId="", amendResult="")
        return item


def matches(topic: Topic, record: AlgoRecord) -> bool:
    kind = inst_type_of(record)
    if topic.inst_type not in (ANY, kind):
        return False
    if topic.inst_family and (kind != SWAP or topic.inst_family != record.inst_id.removesuffix(SWAP_SUFFIX)):
        return False
    if topic.inst_id and topic.inst_id != record.inst_id:
        return False
    return not topic.algo_id or topic.algo_id == str(record.algo_id)


def _arg(session: Session, topic: Topic) -> dict[str, str]:
    arg = topic.echo
    if session.principal is not None:
        arg["uid"] = session.principal.uid
    return arg
