"""History before the first live trade: synthetic trades and candles (`--backfill-hours N`).

For every instrument with nothing stored yet (no trade, no candle, in any environment) a random walk
of its own runs through the `hours` before now (`synthetic_history`): public trades, the 1-minute
candles they make, every larger bar merged from those. Live and demo get the same history (both
follow one reference price) under their own trade ids. A restart finds the history and writes none.

Trade ids: the trades of every instrument are numbered in time order, live and demo alternating
(`SyntheticTape`), ending just below the lowest id stored (on a fresh store, just below the first
id the exchange gives, `TRADE_ID_BASE`): live trades follow the backfilled ones and `history-trades`
pages through both as one series. The candle marks move past them: market data never folds them in
again.

The walk starts at the catalogue's price, its streams are named after the instrument ("history-walk:…",
"history:…"): one seed gives one history. The live market goes on from the last backfilled trade.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import MINUTE_MS
from sandex.domain.instruments import Catalogue, Instrument
from sandex.domain.marketdata.bars import MINUTE, TRADE_BARS
from sandex.domain.simulation.history import History, SyntheticTrade, candles_of, synthetic_history
from sandex.domain.simulation.walk import ReferencePath, volatility_for
from sandex.services.exchange.core import TRADE_ID_BASE
from sandex.services.marketdata.ports import MarketStore, SyntheticTape
from sandex.services.simulation.board import StreamFactory

log = logging.getLogger("sandex.market")

MAX_HOURS = 24 * 90
DEFAULT_HOURS = 24  # `sandex serve` with the simulated market on: a day of history at start


@dataclass(frozen=True, slots=True)
class Backfill:
    """What to backfill: `hours` before `now_ms`, walks seeded by `streams`."""

    hours: int
    now_ms: int
    streams: StreamFactory
    volatility: float
    environments: Sequence[Environment] = tuple(Environment)


def backfill(store: MarketStore, catalogue: Catalogue, plan: Backfill) -> int:
    """Write synthetic history for instruments without any; returns how many got one (blocking)."""
    minutes = min(plan.hours, MAX_HOURS) * 60
    envs = plan.environments
    todo = [
        inst
        for inst_id, inst in sorted(catalogue.instruments.items())
        if not any(store.has_history(env, inst_id) for env in envs)
    ]
    if minutes <= 0 or not todo or not envs:
        return 0
    start = MINUTE.open_of(plan.now_ms) - minutes * MINUTE_MS
    histories = {inst.inst_id: _history(inst, start, minutes, plan, catalogue) for inst in todo}
    trades = list(_in_time_order(histories))
    floor = min(store.lowest_trade_id() or TRADE_ID_BASE, TRADE_ID_BASE)
    first_id = floor - len(trades) * len(envs)
    if first_id < 1:
        log.warning("no backfill: %d trades do not fit below trade id %d", len(trades) * len(envs), floor)
        return 0
    candles = [
        (inst_id, bar.name, candle)
        for inst_id, history in histories.items()
        for bar, series in candles_of(history.minutes, TRADE_BARS).items()
        for candle in series
    ]
    marks = {env: max(store.candle_mark(env), floor - 1) for env in envs}
    store.save_history(SyntheticTape(tuple(envs), first_id, trades, candles, marks))
    log.info("backfilled %d h of trades and candles for %d instruments", minutes // 60, len(todo))
    return len(todo)


def _history(inst: Instrument, start: int, minutes: int, plan: Backfill, catalogue: Catalogue) -> History:
    """A spot pair walks on its own; a swap walks its index's walk (same start, stream and
    volatility), so its past tracks the index it follows live."""
    walked = inst if inst.contract is None else catalogue.instruments[inst.contract.index_id]
    vol = volatility_for(walked, plan.volatility)
    stream = plan.streams(f"history-walk:{walked.inst_id}")
    path = ReferencePath(walked.ref_px, inst.tick_sz, vol, stream)
    return synthetic_history(path, inst, start, minutes, plan.streams(f"history:{inst.inst_id}"))


def _in_time_order(histories: dict[str, History]) -> Iterator[tuple[str, SyntheticTrade]]:
    """Every instrument's trades as one tape, oldest first (ties: by instrument)."""
    tagged = [[(t.ts, inst_id, t) for t in h.trades] for inst_id, h in histories.items()]
    return ((inst_id, t) for _, inst_id, t in heapq.merge(*tagged))
