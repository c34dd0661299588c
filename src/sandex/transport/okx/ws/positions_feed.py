"""Position pushes after login: `positions` and the `posData` of `balance_and_position` (OKX
websocket private channels).

* `positions` (`instType` SWAP/ANY, `instFamily`, `instId`, `extraParams` updateInterval): a
  snapshot on subscribe (`eventType` snapshot, `curPage` 1, `lastPage` true) of the open positions,
  then `event_update` with the positions a commit changed, the one brought to zero included (it
  shows pos "0"), then periodic snapshots every `updateInterval` ms (5 s by default, "0": none).
  Only positions with a non-zero size appear in snapshots, as on OKX.
* `balance_and_position`: a push per commit that changed positions, with their `posData` and the
  commit's `eventType` (filled, funding_fee, liquidation, adjust_margin, set_leverage). Cash
  balances of the same commit come in their own push (`private_feed`).

Views are read back through `PositionReads` (marked at the current mark price), on a worker
thread, so a push shows what REST `account/positions` would.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from sandex.domain.accounts.model import Environment
from sandex.domain.instruments import Catalogue
from sandex.services.exchange.events import PositionsChanged, PositionUpdate
from sandex.services.exchange.swap_records import PositionRecord, PositionView
from sandex.transport.okx.positions_wire import pos_data_wire, position_wire
from sandex.transport.okx.ws.channels import BALANCE_AND_POSITION, POSITIONS, Topic
from sandex.transport.okx.ws.private_feed import topic_matches
from sandex.transport.okx.ws.protocol import push
from sandex.transport.okx.ws.pushes import Pusher
from sandex.transport.okx.ws.sessions import Session, SessionRegistry, TopicKey

log = logging.getLogger("sandex.ws")

SNAPSHOT, EVENT_UPDATE = "snapshot", "event_update"


class PositionReads(Protocol):
    """What the feed reads (`services.trading.positions.PositionReader` serves it)."""

    def open_positions(self, environment: Environment, user_id: int) -> list[PositionView]:
        """The user's positions with a non-zero size, marked now."""
        ...

    def view_of(self, record: PositionRecord) -> PositionView:
        """One position record marked now."""
        ...


class PositionsFeed:
    def __init__(
        self, registry: SessionRegistry, pusher: Pusher, catalogue: Catalogue, reads: PositionReads
    ) -> None:
        self._registry = registry
        self._pusher = pusher
        self._catalogue = catalogue
        self._reads = reads
        self._snapshots: dict[tuple[str, TopicKey], float] = {}  # (connId, topic) -> next periodic push
        self._tasks: set[asyncio.Task[None]] = set()

    # --- events ----------------------------------------------------------------------------------
    def on_positions(self, event: PositionsChanged) -> None:
        by_user: dict[int, list[PositionUpdate]] = {}
        for update in event.updates:
            by_user.setdefault(update.user_id, []).append(update)
        for user_id, updates in by_user.items():
            sessions = self._registry.of_user(event.environment, user_id)
            if sessions:
                self._push_pos_data(sessions, updates)
                if _any_on(sessions, POSITIONS):
                    self._spawn(self._send_updates(sessions, [u.position for u in updates]))

    def _push_pos_data(self, sessions: Iterable[Session], updates: Sequence[PositionUpdate]) -> None:
        """One `balance_and_position` push per event type of the commit (fills, funding, ...)."""
        by_kind: dict[str, list[PositionUpdate]] = {}
        for update in updates:
            by_kind.setdefault(update.event_type, []).append(update)
        for session in tuple(sessions):
            for topic in [t for t in session.topics.values() if t.channel == BALANCE_AND_POSITION]:
                for kind, group in by_kind.items():
                    data = [self._bal_and_pos(kind, group)]
                    self._pusher.send(session, BALANCE_AND_POSITION, push(_arg(session, topic), data))

    def _bal_and_pos(self, kind: str, group: Sequence[PositionUpdate]) -> dict[str, Any]:
        trades = [
            {"instId": u.position.inst_id, "tradeId": str(u.trade_id)}
            for u in group
            if u.trade_id is not None
        ]
        return {
            "pTime": str(max(u.position.u_time for u in group)),
            "eventType": kind,
            "balData": [],
            "posData": [pos_data_wire(u.position, *self._type_and_ccy(u.position.inst_id)) for u in group],
            "trades": trades,
        }

    def _type_and_ccy(self, inst_id: str) -> tuple[str, str]:
        inst = self._catalogue.instrument(inst_id)
        if inst is None or inst.contract is None:
            return "SWAP", ""
        return inst.inst_type.value, inst.contract.settle_ccy

    async def _send_updates(self, sessions: Iterable[Session], records: list[PositionRecord]) -> None:
        try:
            views = await asyncio.to_thread(lambda: [self._reads.view_of(r) for r in records])
        except Exception:  # a push is best effort; the next change or snapshot tries again
            log.exception("positions push failed")
            return
        for session in tuple(sessions):
            for topic in [t for t in session.topics.values() if t.channel == POSITIONS]:
                self._send(session, topic, views, EVENT_UPDATE)

    # --- subscriptions ---------------------------------------------------------------------------
    async def subscribed(self, session: Session, topic: Topic) -> None:
        principal = session.principal
        if topic.channel != POSITIONS or principal is None:
            return
        views = await asyncio.to_thread(self._reads.open_positions, session.environment, principal.user_id)
        self._send(session, topic, views, SNAPSHOT)
        if topic.snapshot_ms:
            self._snapshots[(session.conn_id, topic.key)] = time.monotonic() + topic.snapshot_ms / 1000

    def tick(self, now: float) -> None:
        """Periodic snapshots that are due (the gateway's housekeeping calls this)."""
        for (conn_id, key), when in list(self._snapshots.items()):
            if when > now:
                continue
            session = self._registry.sessions.get(conn_id)
            topic = session.topics.get(key) if session is not None else None
            if session is None or topic is None or session.principal is None or not topic.snapshot_ms:
                del self._snapshots[(conn_id, key)]  # closed or unsubscribed
                continue
            self._snapshots[(conn_id, key)] = now + topic.snapshot_ms / 1000
            self._spawn(self._send_snapshot(session, topic, session.principal.user_id))

    async def _send_snapshot(self, session: Session, topic: Topic, user_id: int) -> None:
        try:
            views = await asyncio.to_thread(self._reads.open_positions, session.environment, user_id)
        except Exception:  # a push is best effort; the next period tries again
            log.exception("positions snapshot failed")
            return
        self._send(session, topic, views, SNAPSHOT)

    def _send(self, session: Session, topic: Topic, views: Sequence[PositionView], kind: str) -> None:
        shown = [v for v in views if self._wanted(topic, v)]
        if kind == EVENT_UPDATE and not shown:
            return
        extra: dict[str, Any] = {"eventType": kind}
        if kind == SNAPSHOT:
            extra.update(curPage=1, lastPage=True)
        data = [positions_item(view) for view in shown]
        self._pusher.send(session, POSITIONS, push(_arg(session, topic), data, **extra))

    def _wanted(self, topic: Topic, view: PositionView) -> bool:
        inst_id = view.record.inst_id
        return topic_matches(topic, self._catalogue.instrument(inst_id), inst_id)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def positions_item(view: PositionView) -> dict[str, Any]:
    """A `positions` push item: the REST position object and `pTime` (the push's time of the data)."""
    return {**position_wire(view), "pTime": str(view.record.u_time)}


def _any_on(sessions: Iterable[Session], channel: str) -> bool:
    return any(t.channel == channel for s in sessions for t in s.topics.values())


def _arg(session: Session, topic: Topic) -> dict[str, str]:
    arg = topic.echo
    if session.principal is not None:
        arg["uid"] = session.principal.uid
    return arg
