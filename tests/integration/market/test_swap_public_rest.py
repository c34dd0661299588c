"""Perpetual swaps over public REST: instruments, tickers, marks, price limits, position tiers, open
interest and mark-price candles (market maker off: the test moves the board by hand)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sandex.domain.clock import MINUTE_MS
from sandex.domain.derivatives.contracts import AcctLv
from sandex.domain.errors import Rejected
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import OrderSpec
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.swap_commands import SetAccountLevel, UpdateMarks
from sandex.services.marketdata.derivatives import OI_FRESH_S
from tests.support.apps import Rig, rig
from tests.support.exchange import fund, new_trader

SWAP, INDEX = "BTC-USDT-SWAP", "BTC-USDT"
SWAPS = {f"{c}-USDT-SWAP" for c in ("BTC", "ETH", "SOL", "XRP", "DOGE", "BNB", "ADA", "TRX", "LTC")}


@pytest.fixture
async def market(tmp_path: Path) -> AsyncIterator[Rig]:
    async with rig(tmp_path / "data") as r:
        yield r


async def public(m: Rig, path: str, **params: Any) -> Any:
    return (await m.http.get(f"/api/v5/public/{path}", params=params)).json()


def mark_at(m: Rig, px: str, at_ms: int) -> None:
    """Hold BTC-USDT-SWAP's mark at `px` and run one mark step at `at_ms`."""
    control = m.rt.market.control
    control.freeze(True)
    control.set_mark(SWAP, Decimal(px))
    control.board.update_marks({}, at_ms)


async def test_swap_instruments_carry_every_okx_contract_field(market: Rig) -> None:
    body = await public(market, "instruments", instType="SWAP")
    assert body["code"] == "0"
    rows = {r["instId"]: r for r in body["data"]}
    assert set(rows) == SWAPS
    btc = rows[SWAP]
    assert {k: btc[k] for k in ("ctVal", "ctMult", "ctValCcy", "settleCcy", "ctType", "lever")} == {
        "ctVal": "0.01",
        "ctMult": "1",
        "ctValCcy": "BTC",
        "settleCcy": "USDT",
        "ctType": "linear",
        "lever": "100",
    }
    assert (btc["instType"], btc["instFamily"], btc["uly"], btc["baseCcy"], btc["quoteCcy"]) == (
        "SWAP",
        INDEX,
        INDEX,
        "",
        "",
    )
    assert (btc["tickSz"], btc["lotSz"], btc["minSz"], btc["state"]) == ("0.1", "0.01", "0.01", "live")
    assert btc["maxLmtSz"] and btc["maxMktSz"] and btc["listTime"] and isinstance(btc["instIdCode"], int)
    spot = (await public(market, "instruments", instType="SPOT"))["data"][0]
    assert set(btc) >= set(spot)  # every field a spot row has, and the swap-only ones


async def test_swap_instruments_filter_by_family_uly_and_id(market: Rig) -> None:
    by_family = await public(market, "instruments", instType="SWAP", instFamily="ETH-USDT")
    assert [r["instId"] for r in by_family["data"]] == ["ETH-USDT-SWAP"]
    by_uly = await public(market, "instruments", instType="SWAP", uly="ETH-USDT")
    assert by_uly["data"] == by_family["data"]
    one = await public(market, "instruments", instType="SWAP", instId=SWAP)
    assert [r["instId"] for r in one["data"]] == [SWAP]
    assert (await public(market, "instruments", instType="SWAP", instFamily="NOPE-USDT"))["data"] == []
    assert (await public(market, "instruments", instType="SWAP", instId="NOPE-USDT-SWAP"))["code"] == "51001"
    assert (await public(market, "instruments", instType="SWAP", instId=INDEX))["code"] == "51001"


async def test_swap_tickers_books_trades_and_candles_are_served(market: Rig) -> None:
    tickers = await market.get("tickers", instType="SWAP")
    assert {t["instId"] for t in tickers} == SWAPS and {t["instType"] for t in tickers} == {"SWAP"}
    assert [t["instId"] for t in await market.get("tickers", instType="SWAP", instFamily="SOL-USDT")] == [
        "SOL-USDT-SWAP"
    ]
    assert [t["instId"] for t in await market.get("tickers", instType="SWAP", uly="SOL-USDT")] == [
        "SOL-USDT-SWAP"
    ]
    spot = await market.get("tickers", instType="SPOT")
    assert not [t for t in spot if t["instId"] in SWAPS]
    [ticker] = await market.get("ticker", instId=SWAP)
    assert ticker["instType"] == "SWAP" and Decimal(ticker["last"]) > 0
    [book] = await market.get("books", instId=SWAP, sz="5")
    assert set(book) >= {"asks", "bids", "ts"}
    assert await market.get("trades", instId=SWAP) == []
    assert isinstance(await market.get("candles", instId=SWAP, bar="1m"), list)
    assert isinstance(await market.get("history-candles", instId=SWAP), list)


async def test_mark_prices_list_every_swap_or_one(market: Rig) -> None:
    every = await public(market, "mark-price", instType="SWAP")
    assert {r["instId"] for r in every["data"]} == SWAPS
    mark_at(market, "90000.3", market.rt.clock.now_ms())
    [one] = (await public(market, "mark-price", instType="SWAP", instId=SWAP))["data"]
    assert {k: v for k, v in one.items() if k != "ts"} == {
        "instType": "SWAP",
        "instId": SWAP,
        "markPx": "90000.3",
    }
    family = await public(market, "mark-price", instType="SWAP", instFamily=INDEX)
    assert [r["instId"] for r in family["data"]] == [SWAP]
    assert (await public(market, "mark-price", instType="SWAP", uly=INDEX))["data"][0]["markPx"] == "90000.3"
    assert (await public(market, "mark-price", instType="SWAP", instId="NOPE-USDT-SWAP"))["code"] == "51001"
    assert (await public(market, "mark-price", instType="SWAP", instId=INDEX))["code"] == "51001"
    alone = await public(market, "mark-price", instId=SWAP)  # ccxt's fetch_mark_price: no instType
    assert alone["data"][0]["markPx"] == "90000.3"
    assert (await public(market, "mark-price", instId=INDEX))["code"] == "50014"


async def test_price_limits_are_two_percent_around_the_btc_mark(market: Rig) -> None:
    mark_at(market, "100000.3", market.rt.clock.now_ms())
    [limit] = (await public(market, "price-limit", instId=SWAP))["data"]
    assert {k: v for k, v in limit.items() if k != "ts"} == {
        "instType": "SWAP",
        "instId": SWAP,
        "buyLmt": "102000.3",
        "sellLmt": "98000.3",
        "enabled": True,
    }
    assert (await public(market, "price-limit", instId="NOPE-USDT-SWAP"))["code"] == "51001"
    assert (await public(market, "price-limit"))["code"] == "50014"


async def test_position_tiers_of_a_family(market: Rig) -> None:
    body = await public(market, "position-tiers", instType="SWAP", tdMode="cross", instFamily=INDEX)
    tiers = body["data"]
    assert [t["tier"] for t in tiers] == [str(n) for n in range(1, len(tiers) + 1)]
    assert {k: tiers[0][k] for k in ("instFamily", "uly", "minSz", "maxSz", "mmr", "imr", "maxLever")} == {
        "instFamily": INDEX,
        "uly": INDEX,
        "minSz": "0",
        "maxSz": "2000",
        "mmr": "0.004",
        "imr": "0.01",
        "maxLever": "100",
    }
    assert tiers[1]["minSz"] == "2001"
    two = await public(market, "position-tiers", instType="SWAP", tdMode="isolated", uly=INDEX, tier="2")
    assert [t["tier"] for t in two["data"]] == ["2"]
    both = await public(
        market, "position-tiers", instType="SWAP", tdMode="cross", instFamily="BTC-USDT,ETH-USDT"
    )
    assert {t["instFamily"] for t in both["data"]} == {INDEX, "ETH-USDT"}


async def test_position_tiers_refusals(market: Rig) -> None:
    no_family = await public(market, "position-tiers", instType="SWAP", tdMode="cross")
    assert no_family == {"code": "50014", "msg": "Parameter instFamily can not be empty.", "data": []}
    no_mode = await public(market, "position-tiers", instType="SWAP", instFamily=INDEX)
    assert no_mode["code"] == "50014" and "tdMode" in no_mode["msg"]
    assert (await public(market, "position-tiers", instType="SWAP", tdMode="cash", instFamily=INDEX))[
        "msg"
    ] == "Parameter tdMode error"
    assert (await public(market, "position-tiers", instType="SPOT", tdMode="cross"))["code"] == "51000"
    unknown = await public(market, "position-tiers", instType="SWAP", tdMode="cross", instFamily="NOPE-USDT")
    assert unknown["code"] == "51000"
    six = ",".join(["BTC-USDT"] * 6)
    assert (await public(market, "position-tiers", instType="SWAP", tdMode="cross", instFamily=six))[
        "code"
    ] == "51000"


async def test_open_interest_is_zero_without_positions(market: Rig) -> None:
    body = await public(market, "open-interest", instType="SWAP", uly=INDEX, instId=SWAP)  # as ccxt sends it
    [row] = body["data"]
    assert {k: v for k, v in row.items() if k != "ts"} == {
        "instId": SWAP,
        "instType": "SWAP",
        "oi": "0",
        "oiCcy": "0",
        "oiUsd": "0",
    }
    assert {r["instId"] for r in (await public(market, "open-interest", instType="SWAP"))["data"]} == SWAPS
    assert (await public(market, "open-interest"))["code"] == "50014"
    assert (await public(market, "open-interest", instType="SPOT"))["code"] == "51000"
    assert (await public(market, "open-interest", instType="SWAP", instId="NOPE-USDT-SWAP"))[
        "code"
    ] == "51001"


async def test_mark_price_candles_follow_the_mark(market: Rig) -> None:
    now = market.rt.clock.now_ms()
    start = now // MINUTE_MS * MINUTE_MS - 2 * MINUTE_MS
    mark_at(market, "90000", start)
    mark_at(market, "91000.5", start + 1000)
    mark_at(market, "89000", start + MINUTE_MS)
    candles = await market.get("mark-price-candles", instId=SWAP, bar="1m")
    assert all(len(c) == 6 for c in candles)
    by_ts = {c[0]: c for c in candles}
    assert by_ts[str(start)][1:6] == ["90000", "91000.5", "90000", "91000.5", "1"]
    assert by_ts[str(start + MINUTE_MS)][1:5] == ["89000"] * 4
    history = await market.get("history-mark-price-candles", instId=SWAP, bar="1m", limit="1")
    assert len(history) == 1 and len(history[0]) == 6
    assert (await market.get("mark-price-candles", instId=INDEX))["code"] == "51001"


async def test_swap_indexes_are_the_spot_pairs_indexes(market: Rig) -> None:
    [index] = await market.get("index-tickers", instId=INDEX)
    assert Decimal(index["idxPx"]) > 0
    usdt = await market.get("index-tickers", quoteCcy="USDT")
    assert not [i for i in usdt if i["instId"] in SWAPS]
    assert (await market.get("index-tickers", instId=SWAP))["code"] == "51001"
    assert (await market.get("index-candles", instId=SWAP))["code"] == "51001"


async def test_open_interest_counts_the_contracts_positions_hold(market: Rig) -> None:
    rt = market.rt
    long, short = new_trader(rt, "long@example.test"), new_trader(rt, "short@example.test")
    for trader in (long, short):
        await fund(rt, trader, "USDT", "100000")
        account = rt.trading.store.ensure_account(
            trader.user_id, trader.environment, LedgerAccountKind.TRADING, 0
        )
        done = await rt.trading.sequencer.submit(SetAccountLevel(trader.environment, account, AcctLv.FUTURES))
        assert not isinstance(done, Rejected), done
    mark_at(market, "100000", rt.clock.now_ms())  # price limits come from the marks the core got
    await rt.trading.sequencer.submit(UpdateMarks(((SWAP, Decimal(100000), Decimal(100000)),)))
    sell = OrderSpec(SWAP, Side.SELL, OrdType.LIMIT, Decimal("2.5"), Decimal(100000), td_mode="cross")
    buy = OrderSpec(SWAP, Side.BUY, OrdType.LIMIT, Decimal("2.5"), Decimal(100000), td_mode="cross")
    for trader, order in ((short, sell), (long, buy)):
        [ack] = await rt.trading.service.place(trader, [order])
        assert ack.ok, ack
    await asyncio.sleep(OI_FRESH_S)  # the open interest read is at most a second old
    [row] = (await public(market, "open-interest", instType="SWAP", instId=SWAP))["data"]
    assert (row["oi"], row["oiCcy"], row["oiUsd"]) == ("2.5", "0.025", "2500")
