"""History before the first trade: synthetic candles from the random walk (`--backfill-hours N`).

For every instrument without 1-minute candles in the last `hours`, the reference walk runs
through those hours (`synthetic_minutes`), every bar is built from the minutes (`merge`), and the
candles are stored for both environments. The walk ends where the live market starts, so charts
join history and live trading without a gap. Backfilled candles carry no trades: tickers count
their volume, `market/trades` does not show any.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import MINUTE_MS
from sandex.domain.instruments import Catalogue
from sandex.domain.marketdata.bars import MINUTE, TRADE_BARS
from sandex.domain.marketdata.candles import merge
from sandex.domain.simulation.history import synthetic_minutes
from sandex.services.marketdata.ports import MarketStore, StoredCandle
from sandex.services.simulation.board import MarketBoard

log = logging.getLogger("sandex.market")

MAX_HOURS = 24 * 90


def backfill(
    store: MarketStore,
    board: MarketBoard,
    catalogue: Catalogue,
    hours: int,
    now_ms: int,
    environments: Sequence[Environment] = tuple(Environment),
) -> int:
    """Write synthetic history for `hours` (at most 90 days) before now; returns the instruments done."""
    minutes = min(hours, MAX_HOURS) * 60
    if minutes <= 0:
        return 0
    start = MINUTE.open_of(now_ms) - minutes * MINUTE_MS
    done = 0
    for inst_id in board.inst_ids:
        if any(store.has_minutes(env, inst_id, start) for env in environments):
            continue  # it has a history already: keep it
        inst = catalogue.instruments[inst_id]
        ones = synthetic_minutes(
            board.path(inst_id), inst, start, minutes, board.stream(f"history:{inst_id}")
        )
        rows = [
            StoredCandle(env, inst_id, bar.name, candle.values())
            for bar in TRADE_BARS
            for candle in (ones if bar is MINUTE else merge(ones, bar))
            for env in environments
        ]
        store.save_candles(rows, {})
        done += 1
    if done:
        log.info("backfilled %d h of candles for %d instruments", minutes // 60, done)
    return done
