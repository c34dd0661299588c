"""The backfill: a fresh store gets trades, the candles they make and tickers that agree, once."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import HOUR_MS, MINUTE_MS
from sandex.domain.instruments import Catalogue
from sandex.domain.marketdata.bars import BARS, MINUTE
from sandex.domain.marketdata.candles import aggregate
from sandex.domain.matching.order import Side
from sandex.domain.simulation.history import SyntheticTrade
from sandex.services.exchange.core import TRADE_ID_BASE, ExchangeCore
from sandex.services.exchange.records import TradeRecord
from sandex.services.marketdata.history import Backfill, backfill
from sandex.services.marketdata.ports import CandleQuery, MarketStore, SyntheticTape, TickerView, TradeQuery
from sandex.services.marketdata.service import MarketData
from sandex.services.marketdata.venue import CoreVenue
from sandex.services.simulation.board import MarketBoard
from sandex.testing.clock import ManualClock

LIVE, DEMO = Environment.LIVE, Environment.DEMO
HOURS = 3
NOW = 1_700_000_000_000  # the unit tests' clock
Cross = Callable[..., Awaitable[None]]


def fill(store: MarketStore, catalogue: Catalogue, seed: int = 1, hours: int = HOURS) -> int:
    streams = lambda name: random.Random(f"{seed}:{name}")  # noqa: E731 - what `seeded_streams` makes
    return backfill(store, catalogue, Backfill(hours, NOW, streams, 0.5))


def tape(store: MarketStore, env: Environment, inst_id: str = "BTC-USDT") -> list[TradeRecord]:
    """Oldest first."""
    return list(reversed(store.trades(TradeQuery(env, inst_id, limit=100_000))))


def candles(
    store: MarketStore, env: Environment, bar: str, inst_id: str = "BTC-USDT"
) -> list[tuple[object, ...]]:
    found = store.candles(CandleQuery(env, inst_id, bar, limit=100_000))
    return [(v.ts, v.o, v.h, v.l, v.c, v.vol, v.vol_ccy, v.n) for v in reversed(found)]


def folded(trades: list[TradeRecord], bar: str) -> list[tuple[object, ...]]:
    out = aggregate(((t.ts, t.px, t.sz) for t in trades), BARS[bar])
    return [(c.ts, c.o, c.h, c.l, c.c, c.vol, c.vol_ccy, c.n) for c in out]


def test_a_fresh_store_gets_hours_of_trades_and_the_candles_they_make_in_both_environments(
    store: MarketStore, catalogue: Catalogue
) -> None:
    assert fill(store, catalogue) == len(catalogue.instruments)
    live, demo = tape(store, LIVE), tape(store, DEMO)
    assert [(t.ts, t.px, t.sz, t.taker_side) for t in live] == [
        (t.ts, t.px, t.sz, t.taker_side) for t in demo
    ]
    start = MINUTE.open_of(NOW) - HOURS * HOUR_MS
    assert start <= live[0].ts < start + MINUTE_MS and live[-1].ts < MINUTE.open_of(NOW)
    for env, trades in ((LIVE, live), (DEMO, demo)):
        assert candles(store, env, "1m") == folded(trades, "1m")
        for bar in ("5m", "1H", "4H", "1D", "1Dutc", "1W", "1M", "3Mutc"):
            assert candles(store, env, bar) == folded(trades, bar), bar
        assert len(candles(store, env, "1m")) == HOURS * 60  # every minute traded


def test_backfilled_trade_ids_rise_with_time_across_instruments_and_end_below_the_exchanges(
    store: MarketStore, catalogue: Catalogue
) -> None:
    fill(store, catalogue)
    every = sorted(
        (t for env in (LIVE, DEMO) for inst_id in catalogue.instruments for t in tape(store, env, inst_id)),
        key=lambda t: t.trade_id,
    )
    assert every[-1].trade_id == TRADE_ID_BASE - 1
    assert [t.trade_id for t in every] == list(range(every[0].trade_id, TRADE_ID_BASE))
    assert [t.ts for t in every] == sorted(t.ts for t in every)
    assert store.candle_mark(LIVE) == store.candle_mark(DEMO) == TRADE_ID_BASE - 1  # never folded twice


def test_the_ticker_and_last_trade_come_from_the_backfilled_trades(
    store: MarketStore, catalogue: Catalogue, core: ExchangeCore, clock: ManualClock, board: MarketBoard
) -> None:
    fill(store, catalogue)
    data = MarketData(catalogue, store, CoreVenue(core, catalogue, clock), board, clock)
    data.load()
    for env in (LIVE, DEMO):
        trades = tape(store, env)
        t = data.ticker(env, "BTC-USDT")
        assert isinstance(t, TickerView)
        assert (t.last, t.last_sz) == (trades[-1].px, trades[-1].sz)
        assert t.open24h == trades[0].px
        assert t.high24h == max(x.px for x in trades)
        assert t.low24h == min(x.px for x in trades)
        assert t.vol24h == sum((x.sz for x in trades), Decimal(0))
        assert t.vol_ccy24h == sum((x.px * x.sz for x in trades), Decimal(0))
    assert data.last_price("BTC-USDT") == tape(store, LIVE)[-1].px


def test_a_second_start_backfills_nothing(store: MarketStore, catalogue: Catalogue) -> None:
    fill(store, catalogue)
    before = tape(store, LIVE), candles(store, DEMO, "1m")
    assert fill(store, catalogue) == 0
    assert fill(store, catalogue, seed=2, hours=HOURS + 5) == 0
    assert (tape(store, LIVE), candles(store, DEMO, "1m")) == before


async def test_an_instrument_that_traded_keeps_its_history_and_the_others_fit_below_its_ids(
    store: MarketStore, catalogue: Catalogue, market: MarketData, cross: Cross
) -> None:
    await cross("100", "1")
    traded = tape(store, LIVE)
    assert fill(store, catalogue) == len(catalogue.instruments) - 1
    assert tape(store, LIVE) == traded and not tape(store, DEMO)
    others = [t for inst_id in catalogue.instruments for t in tape(store, LIVE, inst_id) if t not in traded]
    assert others and max(t.trade_id for t in others) < traded[0].trade_id


def test_no_hours_no_history(store: MarketStore, catalogue: Catalogue) -> None:
    assert fill(store, catalogue, hours=0) == 0
    assert not tape(store, LIVE) and not candles(store, LIVE, "1m")


def test_no_backfill_when_its_trades_would_not_fit_below_the_lowest_id(
    store: MarketStore, catalogue: Catalogue
) -> None:
    inst_id = next(iter(catalogue.instruments))
    lone = SyntheticTrade(NOW - MINUTE_MS, Decimal(100), Decimal(1), Side.BUY)
    store.save_history(SyntheticTape((LIVE,), 10, [(inst_id, lone)], [], {LIVE: 10}))
    assert fill(store, catalogue) == 0  # thousands of trades, nine ids left: nothing, rather than clashes
    assert [t.trade_id for t in tape(store, LIVE, inst_id)] == [10]
    assert all(
        not tape(store, env, other)
        for env in (LIVE, DEMO)
        for other in catalogue.instruments
        if other != inst_id
    )
