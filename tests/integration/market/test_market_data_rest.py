"""`/api/v5/market/*` agrees with the committed tape and books (market maker off, trades made by hand)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.marketdata.bars import BARS
from sandex.domain.marketdata.candles import aggregate
from sandex.domain.matching.order import Side
from tests.support.apps import Rig, rig
from tests.support.exchange import BTC, D, place, tape, trade, trader_pair


@pytest.fixture
async def market(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with rig(tmp_path / "data") as r:
        yield r


async def some_trades(m: Rig) -> None:
    buyer, seller = await trader_pair(m.rt)
    for px, sz in (("106000.5", "0.01"), ("106500", "0.2"), ("105900.1", "0.05"), ("106100", "0.003")):
        await trade(m.rt, buyer, seller, px, sz)
    await place(m.rt, buyer, Side.BUY, "105000", "0.5")  # resting: the book's bid
    await place(m.rt, buyer, Side.BUY, "105000", "0.25")
    await place(m.rt, seller, Side.SELL, "107000.3", "0.1")


async def test_the_ticker_agrees_with_the_trades_and_the_book(market: Rig) -> None:
    await some_trades(market)
    [ticker] = await market.get("ticker", instId=BTC)
    trades = tape(market.rt)
    assert ticker["instType"] == "SPOT" and ticker["instId"] == BTC
    assert (ticker["last"], ticker["lastSz"]) == ("106100", "0.003")
    assert D(ticker["open24h"]) == trades[0][2]
    assert D(ticker["high24h"]) == max(t[2] for t in trades) and D(ticker["low24h"]) == min(
        t[2] for t in trades
    )
    assert D(ticker["vol24h"]) == sum(t[3] for t in trades)
    assert D(ticker["volCcy24h"]) == sum(t[2] * t[3] for t in trades)
    assert (ticker["bidPx"], ticker["bidSz"], ticker["askPx"], ticker["askSz"]) == (
        "105000",
        "0.75",
        "107000.3",
        "0.1",
    )
    assert ticker["sodUtc0"] and ticker["sodUtc8"] and int(ticker["ts"]) > 0
    [book] = await market.get("books", instId=BTC)
    assert book["bids"] == [["105000", "0.75", "0", "2"]] and book["asks"] == [["107000.3", "0.1", "0", "1"]]


async def test_tickers_list_every_spot_instrument_and_nothing_else(market: Rig) -> None:
    spot = await market.get("tickers", instType="SPOT")
    pairs = [i for i in market.rt.catalogue.instruments.values() if i.contract is None]
    assert [t["instId"] for t in spot] == [i.inst_id for i in pairs]
    untraded = next(t for t in spot if t["instId"] == "ETH-USDT")
    assert untraded["last"] == "2399.87" and untraded["vol24h"] == "0"  # the index stands in for a price
    assert untraded["bidPx"] == "" and untraded["askPx"] == ""
    assert await market.get("tickers", instType="FUTURES") == []
    missing = await market.get("tickers")
    assert (missing["code"], missing["msg"]) == ("50014", "Parameter instType can not be empty.")
    assert (await market.get("tickers", instType="spot"))["code"] == "51000"


async def test_books_are_sorted_aggregated_and_sized_as_asked(market: Rig) -> None:
    _, seller = await trader_pair(market.rt)
    for px in ("107000", "107000", "106900.5", "108000"):
        await place(market.rt, seller, Side.SELL, px, "0.1")
    [top] = await market.get("books", instId=BTC)
    assert top["asks"] == [["106900.5", "0.1", "0", "1"]]  # sz defaults to 1
    [deep] = await market.get("books", instId=BTC, sz="400")
    assert [lv[0] for lv in deep["asks"]] == ["106900.5", "107000", "108000"]  # ascending
    assert deep["asks"][1] == ["107000", "0.2", "0", "2"]
    [full] = await market.get("books-full", instId=BTC, sz="5000")
    assert full["asks"][1] == ["107000", "0.2", "2"]  # books-full: no deprecated field
    assert (await market.get("books", instId=BTC, sz="401"))["code"] == "51000"
    assert (await market.get("books", instId=BTC, sz="0"))["code"] == "51000"
    assert (await market.get("books"))["code"] == "50014"
    unknown = await market.get("books", instId="NOPE-USDT")
    assert (unknown["code"], unknown["data"]) == ("51001", [])


async def test_trades_are_newest_first_and_page_by_trade_id_and_time(market: Rig) -> None:
    await some_trades(market)
    trades = await market.get("trades", instId=BTC)
    assert [t["px"] for t in trades] == ["106100", "105900.1", "106500", "106000.5"]
    first = trades[0]
    assert set(first) == {"instId", "side", "sz", "px", "source", "tradeId", "ts"}
    assert first["side"] == "buy" and first["sz"] == "0.003" and first["source"] == "0"
    assert len(await market.get("trades", instId=BTC, limit="2")) == 2
    older = await market.get("history-trades", instId=BTC, after=trades[1]["tradeId"])
    assert [t["tradeId"] for t in older] == [trades[2]["tradeId"], trades[3]["tradeId"]]
    newer = await market.get("history-trades", instId=BTC, before=trades[2]["tradeId"])
    assert [t["tradeId"] for t in newer] == [trades[0]["tradeId"], trades[1]["tradeId"]]
    by_time = await market.get("history-trades", instId=BTC, type="2", after=str(int(trades[0]["ts"]) + 1))
    assert len(by_time) == 4
    assert (await market.get("trades", instId=BTC, limit="501"))["code"] == "51000"
    assert (await market.get("history-trades", instId=BTC, type="3"))["code"] == "51000"


@pytest.mark.parametrize("bar", sorted(BARS))
async def test_candles_aggregate_the_trades_exactly_for_every_bar(market: Rig, bar: str) -> None:
    buyer, seller = await trader_pair(market.rt)
    steps = (0, 700, 70_000, 3 * 3_600_000, 26 * 3_600_000, 3_600_000)  # ms between trades
    for n, step in enumerate(steps):
        market.rt.clock.advance(step)  # the control API's time travel moves the sequencer's clock too
        await trade(market.rt, buyer, seller, str(106000 + 37 * n), f"0.0{n + 1}")
        await trade(market.rt, buyer, seller, str(105990 - 11 * n), "0.002")
    trades = await market.get("trades", instId=BTC)
    chronological = [(int(t["ts"]), D(t["px"]), D(t["sz"])) for t in reversed(trades)]
    want = [c.values() for c in reversed(aggregate(chronological, BARS[bar]))]
    for flushed in (False, True):  # still in memory, then read back from storage
        if flushed:
            await market.flush()
        now, b = market.rt.clock.now_ms(), BARS[bar]
        newest_1440 = [v for v in want if v.ts >= b.shift(b.open_of(now), -1439)]  # all `candles` serves
        for endpoint, expected in (("candles", newest_1440), ("history-candles", want)):
            got = await market.get(endpoint, instId=BTC, bar=bar)
            assert [row[0] for row in got] == [str(v.ts) for v in expected]
            for row, v in zip(got, expected, strict=True):
                assert [D(x) for x in row[1:8]] == [v.o, v.h, v.l, v.c, v.vol, v.vol_ccy, v.vol_ccy]
                assert row[8] in ("0", "1")


async def test_candle_cursors_limits_and_bad_bars(market: Rig) -> None:
    await some_trades(market)
    [latest] = await market.get("candles", instId=BTC, bar="1s", limit="1")
    newest_ts = int(latest[0])
    assert await market.get("candles", instId=BTC, bar="1m", before=str(newest_ts + 60_000)) == []
    assert len(await market.get("candles", instId=BTC, bar="1m", after=str(newest_ts + 60_000))) == 1
    assert (await market.get("candles", instId=BTC, bar="1h"))[
        "code"
    ] == "51000"  # bar names are case-sensitive
    assert (await market.get("candles", instId=BTC, limit="301"))["code"] == "51000"
    assert (await market.get("candles", instId="NOPE-USDT"))["code"] == "51001"
    assert (await market.get("candles", instId=BTC, after="yesterday"))["code"] == "51000"


async def test_tiny_prices_keep_every_decimal_and_never_use_exponents(market: Rig) -> None:
    buyer, seller = await trader_pair(market.rt)
    await trade(market.rt, buyer, seller, "0.00001112", "100000", inst_id="SHIB-USDT")
    await place(market.rt, buyer, Side.BUY, "0.00000001", "1000000", inst_id="SHIB-USDT")
    [ticker] = await market.get("ticker", instId="SHIB-USDT")
    assert (ticker["last"], ticker["bidPx"], ticker["volCcy24h"]) == ("0.00001112", "0.00000001", "1.112")
    [candle] = await market.get("candles", instId="SHIB-USDT")
    assert candle[1:5] == ["0.00001112"] * 4
    [book] = await market.get("books", instId="SHIB-USDT")
    assert book["bids"][0][0] == "0.00000001"
    [index] = await market.get("index-tickers", instId="PEPE-USDT")
    assert index["idxPx"] == "0.000008994"
    everything = str(await market.get("tickers", instType="SPOT")) + str(
        await market.get("index-tickers", quoteCcy="USDT")
    )
    assert not re.search(r"\d[eE][-+]?\d", everything)


async def test_live_and_demo_are_separate_markets(market: Rig) -> None:
    buyer, seller = await trader_pair(market.rt, Environment.DEMO)
    await trade(market.rt, buyer, seller, "99999.9", "0.5")
    [demo] = await market.get("ticker", instId=BTC, demo=True)
    [live] = await market.get("ticker", instId=BTC)
    assert demo["last"] == "99999.9" and demo["vol24h"] == "0.5"
    assert live["vol24h"] == "0"
    assert await market.get("trades", instId=BTC) == []
    assert len(await market.get("trades", instId=BTC, demo=True)) == 1


async def test_index_tickers_follow_the_reference_price(market: Rig) -> None:
    [btc] = await market.get("index-tickers", instId=BTC)
    assert set(btc) == {"instId", "idxPx", "high24h", "sodUtc0", "open24h", "low24h", "sodUtc8", "ts"}
    assert btc["idxPx"] == "106684.2"
    market.rt.market.control.set_price(BTC, Decimal("95000"))
    [moved] = await market.get("index-tickers", instId=BTC)
    assert moved["idxPx"] == "95000"
    usdc = await market.get("index-tickers", quoteCcy="USDC")
    assert sorted(i["instId"] for i in usdc) == ["BTC-USDC", "ETH-USDC", "SOL-USDC", "XRP-USDC"]
    neither = await market.get("index-tickers")
    assert (neither["code"], neither["msg"]) == ("50015", "Either parameter quoteCcy or instId is required.")
    assert (await market.get("index-tickers", instId="NOPE-USDT"))["code"] == "51001"
