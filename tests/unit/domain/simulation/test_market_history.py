"""Synthetic history: trades from the walk, and candles that are exactly those trades folded."""

from __future__ import annotations

import random

from sandex.domain.clock import MINUTE_MS
from sandex.domain.marketdata.bars import MINUTE, TRADE_BARS
from sandex.domain.marketdata.candles import Candle, aggregate
from sandex.domain.matching.order import Side
from sandex.domain.simulation.history import History, candles_of, synthetic_history
from sandex.domain.simulation.walk import ReferencePath
from sandex.storage.catalogue_file import load_catalogue

CAT = load_catalogue()
T0 = 1_767_225_600_000  # 2026-01-01 00:00 UTC
BTC = CAT.instruments["BTC-USDT"]


def history(seed: int, minutes: int, inst_id: str = "BTC-USDT") -> tuple[History, ReferencePath]:
    inst = CAT.instruments[inst_id]
    path = ReferencePath(inst.ref_px, inst.tick_sz, 0.8, random.Random(seed))
    return synthetic_history(path, inst, T0, minutes, random.Random(seed + 1)), path


def same(a: Candle, b: Candle) -> bool:
    return a.values() == b.values()


def test_every_minute_trades_and_its_candle_is_its_trades_folded() -> None:
    h, path = history(5, 240)
    assert [c.ts for c in h.minutes] == [T0 + k * MINUTE_MS for k in range(240)]
    folded = aggregate(((t.ts, t.px, t.sz) for t in h.trades), MINUTE)
    assert len(folded) == 240 and all(same(a, b) for a, b in zip(folded, h.minutes, strict=True))
    stamps = [t.ts for t in h.trades]
    assert stamps == sorted(set(stamps)) and stamps[0] >= T0 and stamps[-1] < T0 + 240 * MINUTE_MS
    assert h.trades[-1].px == path.px  # the live market goes on from here
    assert 1.2 < len(h.trades) / 240 < 1.8


def test_trades_are_on_the_grid_within_the_rules_and_takers_follow_the_tick() -> None:
    h, _ = history(9, 600)
    for t in h.trades:
        assert t.px % BTC.tick_sz == 0 and t.sz % BTC.lot_sz == 0
        assert BTC.min_sz <= t.sz <= BTC.max_lmt_sz
    for prev, cur in zip(h.trades, h.trades[1:], strict=False):
        if cur.px != prev.px:
            assert cur.side is (Side.BUY if cur.px > prev.px else Side.SELL)
    assert {t.side for t in h.trades} == {Side.BUY, Side.SELL}


def test_the_same_seed_gives_the_same_history_and_another_seed_another() -> None:
    first, second, other = history(3, 120)[0], history(3, 120)[0], history(4, 120)[0]
    assert first.trades == second.trades
    assert first.trades != other.trades


def test_every_bar_from_the_minutes_equals_the_bar_folded_from_the_trades() -> None:
    # Four days of a cheap instrument: 2D, 3D, weeks and a month boundary in both time zones.
    h, _ = history(11, 4 * 1440 + 37, "DOGE-USDT")
    trades = [(t.ts, t.px, t.sz) for t in h.trades]
    built = candles_of(h.minutes, TRADE_BARS)
    for bar in TRADE_BARS:
        folded = aggregate(trades, bar)
        assert len(built[bar]) == len(folded), bar.name
        assert all(same(a, b) for a, b in zip(built[bar], folded, strict=True)), bar.name


def test_a_price_that_does_not_move_still_trades_both_ways() -> None:
    inst = CAT.instruments["USDC-USDT"]
    path = ReferencePath(inst.ref_px, inst.tick_sz, 0.0, random.Random(1))
    h = synthetic_history(path, inst, T0, 60, random.Random(2))
    assert {t.px for t in h.trades} == {path.px} and {t.side for t in h.trades} == {Side.BUY, Side.SELL}
    assert all(c.vol > 0 and c.vol_ccy == c.vol * path.px for c in h.minutes)
