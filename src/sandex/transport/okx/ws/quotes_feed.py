"""`tickers` and `candle*` pushes, from market data (`services/market_data.MarketData`).

Market data holds only committed state (it is fed by the same hub events, ahead of the gateway),
so these may be built at any time, not only inside a hub handler:

* `tickers`: the ticker at once on subscribe, then after commits that touched the instrument, when
  something but the time changed (a trade, the best bid/ask), at most every `TICKER_INTERVAL_S`
  (OKX: "fastest rate 1 per 100 ms"); a change inside the interval goes out when it ends.
* `candle<bar>` (on `/business`): the current candle at once on subscribe, then after trades, at
  most every `CANDLE_INTERVAL_S` per instrument and bar. When a bar rolls over, the candle just
  closed is pushed once more with `confirm` "1" before the new one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import Any

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.marketdata.bars import BARS
from sandex.services.marketdata.service import MarketData
from sandex.transport.okx.market_wire import ticker_wire
from sandex.transport.okx.rest.market import candle_wire
from sandex.transport.okx.ws.channels import TICKERS, Topic
from sandex.transport.okx.ws.protocol import push
from sandex.transport.okx.ws.pushes import Pusher
from sandex.transport.okx.ws.sessions import Session, SessionRegistry

log = logging.getLogger("sandex.ws")

TICKER_INTERVAL_S = 0.1
CANDLE_INTERVAL_S = 0.5
TickerKey = tuple[Environment, str]
CandleKey = tuple[Environment, str, str]  # (environment, instId, channel)


class TickerFeed:
    def __init__(self, registry: SessionRegistry, pusher: Pusher, market: MarketData | None) -> None:
        self._registry = registry
        self._pusher = pusher
        self._market = market
        self._sent: dict[TickerKey, tuple[float, tuple[Any, ...]]] = {}  # when, and what (ts aside)
        self._dirty: set[TickerKey] = set()
        self.interval_s = TICKER_INTERVAL_S

    def touched(self, environment: Environment, inst_ids: Iterable[str]) -> None:
        for inst_id in inst_ids:
            if self._registry.market(environment, TICKERS, inst_id):
                self._dirty.add((environment, inst_id))
        self.flush()

    def flush(self) -> None:
        now = time.monotonic()
        for key in [k for k in self._dirty if now - self._sent.get(k, (0.0, ()))[0] >= self.interval_s]:
            self._dirty.discard(key)
            watchers = self._registry.market(key[0], TICKERS, key[1])
            item = self._item(*key)
            if item is None or not watchers:
                continue
            content = tuple(value for name, value in item.items() if name != "ts")
            if self._sent.get(key, (0.0, None))[1] != content:
                self._sent[key] = (now, content)
                self._pusher.fan_out(watchers, TICKERS, push(_arg(TICKERS, key[1]), [item]))

    def subscribed(self, session: Session, topic: Topic) -> None:
        if topic.channel != TICKERS:
            return
        item = self._item(session.environment, topic.inst_id)
        if item is not None:
            self._pusher.send(session, TICKERS, push(_arg(TICKERS, topic.inst_id), [item]))

    def _item(self, environment: Environment, inst_id: str) -> dict[str, Any] | None:
        if self._market is None:
            return None
        ticker = self._market.ticker(environment, inst_id)
        return None if isinstance(ticker, Rejected) else ticker_wire(ticker)


class CandleFeed:
    def __init__(self, registry: SessionRegistry, pusher: Pusher, market: MarketData | None) -> None:
        self._registry = registry
        self._pusher = pusher
        self._market = market
        self._sent_at: dict[CandleKey, float] = {}
        self._sent_ts: dict[CandleKey, int] = {}  # open time of the newest candle pushed
        self._dirty: set[CandleKey] = set()
        self._running: set[CandleKey] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.interval_s = CANDLE_INTERVAL_S

    def touched(self, environment: Environment, inst_ids: Iterable[str]) -> None:
        wanted = set(inst_ids)
        for env, channel, inst_id in self._registry.watched():
            if env is environment and inst_id in wanted and _is_candle(channel):
                self._dirty.add((env, inst_id, channel))
        self.flush()

    def flush(self) -> None:
        now = time.monotonic()
        for key in [k for k in self._dirty if k not in self._running]:
            if now - self._sent_at.get(key, 0.0) >= self.interval_s:
                self._dirty.discard(key)
                self._running.add(key)
                self._sent_at[key] = now
                self._spawn(self._push(key))

    async def subscribed(self, session: Session, topic: Topic) -> None:
        """The current candle, to this subscriber only."""
        if not _is_candle(topic.channel):
            return
        views = await self._candles(session.environment, topic.inst_id, topic.channel, 1)
        for view in views:
            self._pusher.send(
                session, topic.channel, push(_arg(topic.channel, topic.inst_id), [candle_wire(view)])
            )

    async def _push(self, key: CandleKey) -> None:
        environment, inst_id, channel = key
        try:
            views = await self._candles(environment, inst_id, channel, 2)
            newest = self._sent_ts.get(key, 0)
            for view in reversed(views):  # oldest first: a closed candle before the new one
                if view.ts >= newest:
                    watchers = self._registry.market(environment, channel, inst_id)
                    self._pusher.fan_out(watchers, channel, push(_arg(channel, inst_id), [candle_wire(view)]))
            if views:
                self._sent_ts[key] = max(newest, views[0].ts)
        except Exception:  # a push is best effort: the next trade tries again
            log.exception("candle push failed")
        finally:
            self._running.discard(key)

    async def _candles(self, environment: Environment, inst_id: str, channel: str, limit: int) -> list[Any]:
        bar = BARS.get(channel.removeprefix("candle"))
        if self._market is None or bar is None:
            return []
        found = await self._market.candles(environment, inst_id, bar, limit=limit)
        return [] if isinstance(found, Rejected) else list(found)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _is_candle(channel: str) -> bool:
    return channel.startswith("candle")


def _arg(channel: str, inst_id: str) -> dict[str, str]:
    return {"channel": channel, "instId": inst_id}
