"""Candles survive restarts and crashes: whatever was not written is rebuilt from the tape."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandex.app import create_app
from sandex.domain.accounts.model import Environment
from sandex.domain.marketdata.bars import BARS
from sandex.domain.marketdata.candles import aggregate
from sandex.process import open_runtime
from tests.support.apps import Rig, rig, settings_for
from tests.support.exchange import BTC, D, tape, trade, trader_pair

CHECKED_BARS = ("1m", "1H", "1D", "1Dutc", "1W", "1Mutc", "3M")


def expected(trades: list[tuple[int, D, D]], bar: str) -> list[list[str]]:
    candles = reversed(aggregate(trades, BARS[bar]))
    return [[str(c.ts), *(str(x.normalize()) for x in (c.o, c.h, c.l, c.c, c.vol))] for c in candles]


async def candles_of(m: Rig, bar: str) -> list[list[str]]:
    rows = await m.get("history-candles", instId=BTC, bar=bar)
    return [[row[0], *(str(D(x).normalize()) for x in row[1:6])] for row in rows]


async def chronological(m: Rig) -> list[tuple[int, D, D]]:
    trades = await m.get("history-trades", instId=BTC)
    return [(int(t["ts"]), D(t["px"]), D(t["sz"])) for t in reversed(trades)]


async def test_a_crash_before_the_candles_were_written_loses_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = settings_for(data_dir)
    rt = open_runtime(settings, fast_hashing=True)
    create_app(settings, rt)
    rt.market.data.load()  # market data runs, but no background candle writer: writes happen when told
    await rt.trading.sequencer.start()
    buyer, seller = await trader_pair(rt)
    await trade(rt, buyer, seller, "106000", "0.1")
    assert await rt.market.writer.flush()  # this much is written
    await trade(rt, buyer, seller, "107000", "0.2")
    await trade(rt, buyer, seller, "105500", "0.3")
    # crash: the process dies before the next candle write (no stop, no final flush)
    await rt.trading.sequencer.stop()
    rt.engine.dispose()

    async with rig(data_dir) as again:
        trades = await chronological(again)
        assert len(trades) == 3 == len(tape(again.rt))
        for bar in CHECKED_BARS:
            assert await candles_of(again, bar) == expected(trades, bar), bar
        [ticker] = await again.get("ticker", instId=BTC)
        assert (ticker["last"], ticker["high24h"], ticker["low24h"], ticker["vol24h"]) == (
            "105500",
            "107000",
            "105500",
            "0.6",
        )
        await again.flush()
        await trade(again.rt, buyer, seller, "106500", "0.4")
        trades = await chronological(again)
        for bar in CHECKED_BARS:  # new trades fold into the candles that were rebuilt
            assert await candles_of(again, bar) == expected(trades, bar), bar


@pytest.mark.postgres
async def test_candles_are_stored_on_postgresql_too(tmp_path: Path, postgres_url: str) -> None:
    async with rig(tmp_path / "data", database_url=postgres_url) as m:
        buyer, seller = await trader_pair(m.rt)
        await trade(m.rt, buyer, seller, "0.00001112", "100000", inst_id="SHIB-USDT")
        await m.flush()
    async with rig(tmp_path / "data", database_url=postgres_url) as again:
        [candle] = await again.get("history-candles", instId="SHIB-USDT", bar="1Dutc")
        assert candle[1] == "0.00001112" and candle[5] == "100000"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_after_a_restart_each_ticker_shows_its_own_last_trade(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """Each instrument's and environment's last trade is read on its own at start-up."""
    database_url = None if backend == "sqlite" else request.getfixturevalue("postgres_url")
    data_dir = tmp_path / "data"
    async with rig(data_dir, database_url=database_url) as m:
        buyer, seller = await trader_pair(m.rt)
        demo_buyer, demo_seller = await trader_pair(m.rt, Environment.DEMO)
        await trade(m.rt, buyer, seller, "106000", "0.1")
        await trade(m.rt, buyer, seller, "3500", "1", inst_id="ETH-USDT")
        await trade(m.rt, demo_buyer, demo_seller, "99000", "0.5")
        await trade(m.rt, buyer, seller, "106100", "0.2")  # BTC's newest, after ETH's
        await trade(m.rt, buyer, seller, "3510", "2", inst_id="ETH-USDT")
    async with rig(data_dir, database_url=database_url) as again:
        [btc] = await again.get("ticker", instId=BTC)
        [eth] = await again.get("ticker", instId="ETH-USDT")
        assert (btc["last"], btc["lastSz"]) == ("106100", "0.2")
        assert (eth["last"], eth["lastSz"]) == ("3510", "2")
        [demo_btc] = await again.get("ticker", instId=BTC, demo=True)
        assert (demo_btc["last"], demo_btc["lastSz"]) == ("99000", "0.5")
