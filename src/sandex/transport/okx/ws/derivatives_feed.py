"""Swap data pushes: `mark-price`, `price-limit`, `open-interest` on `/public`, `mark-price-candle<bar>`
and `index-candle<bar>` on `/business` (all by `instId`).

Marks move once per market step, so these are polled, not pushed from commits: every
`POLL_S` the feed rebuilds each watched item and pushes it when its content (the `ts` aside)
changed, or `QUIET_S` after the last push when nothing did (OKX: mark price "pushed every 200 ms
when changed, else every 10 s"; candles, price limits and open interest alike here). A subscriber
gets the current item at once.
"""

from __future__ import annotations

import time
from typing import Any

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.marketdata.bars import BARS, SECOND
from sandex.services.marketdata.derivatives import Derivatives
from sandex.services.marketdata.reference import CandleWindow
from sandex.services.marketdata.service import MarketData
from sandex.transport.okx.rest.reference import (
    mark_wire,
    open_interest_wire,
    price_limit_wire,
    reference_candle_wire,
)
from sandex.transport.okx.ws.channels import (
    INDEX_CANDLE_PREFIX,
    MARK_CANDLE_PREFIX,
    MARK_PRICE,
    OPEN_INTEREST,
    PRICE_LIMIT,
    Topic,
)
from sandex.transport.okx.ws.protocol import push
from sandex.transport.okx.ws.pushes import Pusher
from sandex.transport.okx.ws.sessions import Session, SessionRegistry

POLL_S = 0.2
QUIET_S = 10.0
Key = tuple[Environment, str, str]  # (environment, channel, instId)


class DerivativesFeed:
    def __init__(self, registry: SessionRegistry, pusher: Pusher, market: MarketData | None) -> None:
        self._registry = registry
        self._pusher = pusher
        self._market = market
        self._sent: dict[Key, tuple[float, Any]] = {}  # when, and what (ts aside)
        self._polled = 0.0
        self.poll_s = POLL_S

    def subscribed(self, session: Session, topic: Topic) -> None:
        if not is_derivatives_channel(topic.channel):
            return
        item = self._item(session.environment, topic.channel, topic.inst_id)
        if item is not None:
            self._pusher.send(session, topic.channel, push(_arg(topic.channel, topic.inst_id), [item]))

    def tick(self) -> None:
        now = time.monotonic()
        if now - self._polled < self.poll_s:
            return
        self._polled = now
        watched = [k for k in self._registry.watched() if is_derivatives_channel(k[1])]
        for key in watched:
            environment, channel, inst_id = key
            item = self._item(environment, channel, inst_id)
            if item is None:
                continue
            content = _content(item)
            last = self._sent.get(key)
            if last is not None and last[1] == content and now - last[0] < QUIET_S:
                continue
            self._sent[key] = (now, content)
            watchers = self._registry.market(environment, channel, inst_id)
            self._pusher.fan_out(watchers, channel, push(_arg(channel, inst_id), [item]))
        live = set(watched)
        for key in [k for k in self._sent if k not in live]:
            del self._sent[key]

    def _item(self, environment: Environment, channel: str, inst_id: str) -> Any:
        if self._market is None:
            return None
        derivatives = self._market.derivatives
        if channel == MARK_PRICE:
            marks = derivatives.marks(None, inst_id)
            return None if isinstance(marks, Rejected) or not marks else mark_wire(marks[0])
        if channel == PRICE_LIMIT:
            limit = derivatives.price_limit(inst_id)
            return None if isinstance(limit, Rejected) else price_limit_wire(limit)
        if channel == OPEN_INTEREST:
            oi = derivatives.open_interest(environment, None, inst_id)
            return None if isinstance(oi, Rejected) or not oi else open_interest_wire(oi[0])
        return self._candle(derivatives, channel, inst_id)

    def _candle(self, derivatives: Derivatives, channel: str, inst_id: str) -> list[str] | None:
        mark = channel.startswith(MARK_CANDLE_PREFIX)
        bar = BARS.get(channel.removeprefix(MARK_CANDLE_PREFIX if mark else INDEX_CANDLE_PREFIX))
        if bar is None or bar is SECOND or self._market is None:
            return None
        window = CandleWindow(bar, None, None, 1)
        found = (
            derivatives.mark_candles(inst_id, window) if mark else self._market.index_candles(inst_id, window)
        )
        return None if isinstance(found, Rejected) or not found else reference_candle_wire(found[0])


def is_derivatives_channel(channel: str) -> bool:
    return channel in (MARK_PRICE, PRICE_LIMIT, OPEN_INTEREST) or channel.startswith(
        (MARK_CANDLE_PREFIX, INDEX_CANDLE_PREFIX)
    )


def _content(item: Any) -> Any:
    if isinstance(item, dict):
        return tuple(value for name, value in item.items() if name != "ts")
    return tuple(item)


def _arg(channel: str, inst_id: str) -> dict[str, str]:
    return {"channel": channel, "instId": inst_id}
