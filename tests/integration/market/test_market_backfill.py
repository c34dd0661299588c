"""A fresh server looks lived-in: backfilled trades, the candles they make and tickers that agree,
made once, the same for one seed, continued by the live market."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sandex.domain.marketdata.bars import BARS
from sandex.domain.marketdata.candles import aggregate
from sandex.services.exchange.core import TRADE_ID_BASE
from tests.support.apps import Rig, rig
from tests.support.exchange import BTC, D, trade, trader_pair

HOURS = 2


async def every_trade(m: Rig, demo: bool = False) -> list[dict[str, Any]]:
    """BTC's whole tape through `history-trades`, page by page (newest first)."""
    out: list[dict[str, Any]] = []
    page: list[dict[str, Any]] = await m.get("history-trades", instId=BTC, limit="100", demo=demo)
    while page:
        out += page
        page = await m.get("history-trades", instId=BTC, limit="100", after=page[-1]["tradeId"], demo=demo)
    return out


async def every_candle(m: Rig, bar: str, demo: bool = False) -> list[list[str]]:
    rows: list[list[str]] = await m.get("history-candles", instId=BTC, bar=bar, limit="300", demo=demo)
    return rows


def folded(trades: list[dict[str, Any]], bar: str) -> list[list[str]]:
    """What candles of `bar` those trades make, newest first, as [ts, o, h, l, c, vol, volCcy]."""
    oldest_first = [(int(t["ts"]), D(t["px"]), D(t["sz"])) for t in reversed(trades)]
    candles = reversed(aggregate(oldest_first, BARS[bar]))
    return [
        [str(c.ts), *(str(x.normalize()) for x in (c.o, c.h, c.l, c.c, c.vol, c.vol_ccy))] for c in candles
    ]


def plain(rows: list[list[str]]) -> list[list[str]]:
    return [[row[0], *(str(D(x).normalize()) for x in row[1:7])] for row in rows]


async def test_a_fresh_server_with_the_market_on_starts_with_a_day_of_history(tmp_path: Path) -> None:
    async with rig(tmp_path / "data", market=True, seed=5, backfill_hours=None) as m:  # the default
        hours = await m.get("history-candles", instId=BTC, bar="1H", limit="100")
        assert len(hours) in (24, 25)  # a day of hours (the newest one may be running)
        assert len(await m.get("candles", instId=BTC)) == 100
        assert len(await m.get("trades", instId=BTC, limit="500")) == 500
        ticker = (await m.get("ticker", instId="ETH-USDT"))[0]
        assert D(ticker["vol24h"]) > 0 and D(ticker["high24h"]) > D(ticker["low24h"])
        newest = (await m.get("trades", instId=BTC, limit="1"))[0]
        assert int(newest["tradeId"]) < TRADE_ID_BASE
        assert m.rt.market.board.path(BTC).px == D(newest["px"])  # the live market goes on from here


async def test_candles_and_tickers_are_the_backfilled_trades_in_both_environments(tmp_path: Path) -> None:
    async with rig(tmp_path / "data", seed=3, backfill_hours=HOURS) as m:
        for demo in (False, True):
            trades = await every_trade(m, demo)
            assert len(trades) >= HOURS * 60 and all(int(t["tradeId"]) < TRADE_ID_BASE for t in trades)
            for bar in ("1m", "15m", "1H", "1Dutc"):
                assert plain(await every_candle(m, bar, demo)) == folded(trades, bar), bar
            ticker = (await m.get("ticker", instId=BTC, demo=demo))[0]
            assert (D(ticker["last"]), D(ticker["lastSz"])) == (D(trades[0]["px"]), D(trades[0]["sz"]))
            assert D(ticker["open24h"]) == D(trades[-1]["px"])
            assert D(ticker["high24h"]) == max(D(t["px"]) for t in trades)
            assert D(ticker["low24h"]) == min(D(t["px"]) for t in trades)
            assert D(ticker["vol24h"]) == sum(D(t["sz"]) for t in trades)
            assert D(ticker["volCcy24h"]) == sum(D(t["px"]) * D(t["sz"]) for t in trades)
        assert [t["px"] for t in await every_trade(m)] == [t["px"] for t in await every_trade(m, True)]


async def test_live_trades_continue_the_backfilled_tape_as_one_series(tmp_path: Path) -> None:
    async with rig(tmp_path / "data", seed=4, backfill_hours=HOURS) as m:
        backfilled = await every_trade(m)
        buyer, seller = await trader_pair(m.rt)
        await trade(m.rt, buyer, seller, "90000", "0.01")
        await trade(m.rt, buyer, seller, "90001", "0.02")
        tape = await every_trade(m)
        assert [int(t["tradeId"]) for t in tape[:2]] == [TRADE_ID_BASE + 1, TRADE_ID_BASE]
        assert tape[2:] == backfilled  # paging on from the live trades reaches every backfilled one
        by_time = await m.get("history-trades", instId=BTC, type="2", after=tape[1]["ts"], limit="5")
        assert by_time == backfilled[:5]  # by time too: the live trades come after the backfilled ones
        newest = (await m.get("candles", instId=BTC, limit="1"))[0]
        assert D(newest[4]) == D("90001")


async def test_a_restart_backfills_nothing_more(tmp_path: Path) -> None:
    async with rig(tmp_path / "data", seed=6, backfill_hours=HOURS) as m:
        first = await every_trade(m)
        candles = await every_candle(m, "1m")
    async with rig(tmp_path / "data", seed=7, backfill_hours=HOURS + 3) as m:
        assert await every_trade(m) == first
        assert plain(await every_candle(m, "1m")) == plain(candles)


async def test_two_fresh_servers_with_one_seed_have_one_history(tmp_path: Path) -> None:
    def shape(trades: list[dict[str, Any]]) -> list[tuple[str, ...]]:
        start = int(trades[-1]["ts"]) // 60_000 * 60_000  # servers a minute apart: the same history, later
        return [(t["tradeId"], t["px"], t["sz"], t["side"], str(int(t["ts"]) - start)) for t in trades]

    histories = []
    for run in ("one", "two", "other"):
        async with rig(tmp_path / run, seed=11 if run != "other" else 12, backfill_hours=1) as m:
            histories.append(shape(await every_trade(m)))
    one, two, other = histories
    assert one == two
    assert [t[1] for t in one] != [t[1] for t in other]


async def test_backfill_hours_0_turns_it_off_and_so_does_a_market_that_is_off(tmp_path: Path) -> None:
    async with rig(tmp_path / "off", market=True, backfill_hours=0) as m:
        assert await m.get("history-candles", instId=BTC) == [] and await m.get("trades", instId=BTC) == []
    async with rig(tmp_path / "quiet", market=False, backfill_hours=None) as m:
        assert await m.get("history-candles", instId=BTC) == []
        ticker = (await m.get("ticker", instId=BTC, demo=True))[0]
        assert D(ticker["vol24h"]) == 0


async def test_the_backfill_and_the_restart_read_agree_on_both_databases(
    tmp_path: Path, migrated_database_url: str
) -> None:
    async with rig(tmp_path / "data", seed=8, backfill_hours=1, database_url=migrated_database_url) as m:
        trades = await every_trade(m, demo=True)
        assert plain(await every_candle(m, "1m", demo=True)) == folded(trades, "1m")
    async with rig(tmp_path / "data", seed=8, backfill_hours=1, database_url=migrated_database_url) as m:
        ticker = (await m.get("ticker", instId=BTC, demo=True))[0]  # its window read back from storage
        assert D(ticker["vol24h"]) == sum(D(t["sz"]) for t in trades)
        assert D(ticker["high24h"]) == max(D(t["px"]) for t in trades)
        assert await every_trade(m, demo=True) == trades
