"""Public market data pushes: `trades`, and the order-book channels (`books`, `books5`, `bbo-tbt`).

Everything here runs on the event loop, mostly inside hub handlers the sequencer calls right after
a commit and before it applies anything else: at that instant the engines hold exactly the
committed state, which is why book depth is read there and nowhere else (a new book stream is only
opened when `settled()` says no batch is between apply and commit; otherwise it waits for the next
commit or housekeeping tick).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import Clock
from sandex.domain.instruments import Catalogue
from sandex.domain.money import format_decimal
from sandex.services.exchange.events import OrdersChanged, TradesHappened
from sandex.services.exchange.records import TradeRecord
from sandex.transport.okx.ws.books import (
    DEPTH,
    HEARTBEAT_S,
    SNAPSHOT,
    UPDATE,
    BookSource,
    BookStream,
    bbo_item,
    top5_item,
)
from sandex.transport.okx.ws.channels import BBO, BOOK_CHANNELS, BOOKS, BOOKS5, TRADES, Topic
from sandex.transport.okx.ws.protocol import push
from sandex.transport.okx.ws.pushes import Pusher
from sandex.transport.okx.ws.sessions import Session, SessionRegistry

BookKey = tuple[Environment, str]


class MarketFeed:
    def __init__(
        self,
        registry: SessionRegistry,
        pusher: Pusher,
        catalogue: Catalogue,
        books: BookSource,
        clock: Clock,
        settled: Callable[[], bool] | None = None,
    ) -> None:
        self._registry = registry
        self._pusher = pusher
        self._catalogue = catalogue
        self._books = books
        self._clock = clock
        self._settled = settled or (lambda: True)
        self._streams: dict[BookKey, BookStream] = {}
        self._waiting: dict[BookKey, list[tuple[Session, Topic]]] = {}  # snapshots owed to new subscribers
        self._trade_seq: dict[BookKey, int] = {}
        self.heartbeat_s = HEARTBEAT_S

    # --- hub handlers (after a commit) ---------------------------------------------------------
    def on_trades(self, event: TradesHappened) -> None:
        environment = event.environment
        for trade in event.trades:
            watchers = self._registry.market(environment, TRADES, trade.inst_id)
            if watchers:
                frame = push({"channel": TRADES, "instId": trade.inst_id}, [self._trade_item(trade)])
                self._pusher.fan_out(watchers, TRADES, frame)
        self.refresh(environment, {t.inst_id for t in event.trades})

    def on_orders(self, event: OrdersChanged) -> None:
        self.refresh(event.environment, {u.order.inst_id for u in event.updates})

    def refresh(self, environment: Environment, inst_ids: Iterable[str]) -> None:
        """Push what changed in these instruments' books (call only while state is committed)."""
        self._open_waiting()
        ts, now = self._clock.now_ms(), time.monotonic()
        for inst_id in inst_ids:
            stream = self._streams.get((environment, inst_id))
            depth = None if stream is None else self._books.depth(environment, inst_id, DEPTH)
            if stream is None or depth is None:
                continue
            item = stream.apply(depth, ts, now)
            if item is not None:
                self._push_book(environment, stream, BOOKS, push(_arg(BOOKS, inst_id), [item], action=UPDATE))
                self._push_tops(environment, stream, ts)

    def _trade_item(self, trade: TradeRecord) -> dict[str, Any]:
        key = (trade.environment, trade.inst_id)
        seq = self._trade_seq[key] = self._trade_seq.get(key, 0) + 1
        return {
            "instId": trade.inst_id,
            "tradeId": str(trade.trade_id),
            "px": format_decimal(trade.px),
            "sz": format_decimal(trade.sz),
            "side": trade.taker_side.value,
            "ts": str(trade.ts),
            "count": "1",
            "source": "0",
            "seqId": seq,
        }

    # --- subscriptions ---------------------------------------------------------------------------
    def subscribed(self, session: Session, topic: Topic) -> None:
        """A new book subscriber gets its snapshot now, or as soon as the engines are settled."""
        if topic.channel not in BOOK_CHANNELS:
            return
        key = (session.environment, topic.inst_id)
        stream = self._streams.get(key)
        if stream is None and not self._settled():
            self._waiting.setdefault(key, []).append((session, topic))
            return
        stream = stream or self._open(key)
        if stream is not None:
            self._snapshot(session, topic, stream)

    def unsubscribed(self, environment: Environment) -> None:
        """Close book streams nobody watches any more (their next subscriber starts a new chain)."""
        watched = {(env, inst) for env, channel, inst in self._registry.watched() if channel in BOOK_CHANNELS}
        for key in [key for key in self._streams if key[0] is environment and key not in watched]:
            del self._streams[key]

    def tick(self) -> None:
        """Housekeeping: owed snapshots, and heartbeats of quiet books."""
        if self._waiting and self._settled():
            self._open_waiting()
        now = time.monotonic()
        ts = self._clock.now_ms()
        for (environment, inst_id), stream in self._streams.items():
            if now - stream.changed_s >= self.heartbeat_s:
                frame = push(_arg(BOOKS, inst_id), [stream.heartbeat(ts, now)], action=UPDATE)
                self._push_book(environment, stream, BOOKS, frame)

    def _open_waiting(self) -> None:
        waiting, self._waiting = self._waiting, {}
        for key, subscribers in waiting.items():
            stream = self._streams.get(key) or self._open(key)
            for session, topic in subscribers:
                if stream is not None and topic.key in session.topics:
                    self._snapshot(session, topic, stream)

    def _open(self, key: BookKey) -> BookStream | None:
        environment, inst_id = key
        inst = self._catalogue.instrument(inst_id)
        depth = self._books.depth(environment, inst_id, DEPTH)
        if inst is None or depth is None:
            return None
        stream = self._streams[key] = BookStream(inst, depth, 1, time.monotonic())
        return stream

    def _snapshot(self, session: Session, topic: Topic, stream: BookStream) -> None:
        ts = self._clock.now_ms()
        arg = _arg(topic.channel, stream.inst_id)
        if topic.channel == BOOKS:
            frame = push(arg, [stream.snapshot(ts)], action=SNAPSHOT)
        elif topic.channel == BOOKS5:
            frame = push(arg, [top5_item(stream, ts)[1]])
        else:
            frame = push(arg, [bbo_item(stream, ts)[1]])
        self._pusher.send(session, topic.channel, frame)

    def _push_book(self, environment: Environment, stream: BookStream, channel: str, frame: str) -> None:
        watchers = self._registry.market(environment, channel, stream.inst_id)
        if watchers:
            self._pusher.fan_out(watchers, channel, frame)

    def _push_tops(self, environment: Environment, stream: BookStream, ts: int) -> None:
        """`books5` and `bbo-tbt` are full snapshots, pushed only when their content changed."""
        inst_id = stream.inst_id
        if self._registry.market(environment, BOOKS5, inst_id):
            key, item = top5_item(stream, ts)
            if key != stream.top5_sent:
                stream.top5_sent = key
                self._push_book(environment, stream, BOOKS5, push(_arg(BOOKS5, inst_id), [item]))
        if self._registry.market(environment, BBO, inst_id):
            key, item = bbo_item(stream, ts)
            if key != stream.bbo_sent:
                stream.bbo_sent = key
                self._push_book(environment, stream, BBO, push(_arg(BBO, inst_id), [item]))


def _arg(channel: str, inst_id: str) -> dict[str, str]:
    return {"channel": channel, "instId": inst_id}
