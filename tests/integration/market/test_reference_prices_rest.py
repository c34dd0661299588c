"""Index candles, mark prices, price limits and platform figures over REST (market maker off: the
test moves the reference price and samples it by hand)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from sandex.domain.clock import MINUTE_MS
from sandex.domain.faults import Fault, FaultKind, FaultSpec
from sandex.domain.marketdata.bars import BARS, MINUTE, Bar
from sandex.domain.money import format_decimal
from tests.support.apps import Rig, rig
from tests.support.exchange import BTC, D, trade, trader_pair


@pytest.fixture
async def market(tmp_path: Path) -> AsyncIterator[Rig]:
    async with rig(tmp_path / "data") as r:
        yield r


def sample(m: Rig, at_ms: int, px: str) -> Decimal:
    """Move BTC's reference price to `px` and let the board sample it at `at_ms`; the index price."""
    control = m.rt.market.control
    control.freeze(True)  # no random moves: the index is exactly what the test sets
    control.set_price(BTC, Decimal(px))
    control.board.step(0, at_ms)
    found = control.board.index_px(BTC)
    assert found is not None
    return found


async def test_index_candles_follow_the_reference_price(market: Rig) -> None:
    [eth] = await market.get("index-candles", instId="ETH-USDT")  # never sampled: the price as it stands
    [eth_index] = await market.get("index-tickers", instId="ETH-USDT")
    assert eth[1:5] == [eth_index["idxPx"]] * 4 and eth[5] == "0"
    three = BARS["3m"]
    start = three.open_of(market.rt.clock.now_ms()) - 3 * MINUTE_MS  # the last closed 3m bar
    samples = [(start, "100000"), (start + 20_000, "100500"), (start + 40_000, "99800")]
    samples += [(start + MINUTE_MS + 5_000, "101000"), (start + 2 * MINUTE_MS + 1_000, "100200")]
    seen = [(at, sample(market, at, px)) for at, px in samples]
    minutes = await market.get("index-candles", instId=BTC, bar="1m")
    assert minutes == _candles(seen, MINUTE)  # newest first, each closed minute confirmed
    assert await market.get("index-candles", instId=BTC, bar="3m") == _candles(seen, three)
    assert await market.get("history-index-candles", instId=BTC, bar="1m") == minutes
    older = await market.get("index-candles", instId=BTC, after=minutes[0][0], limit=1)
    assert older == [minutes[1]]
    newer = await market.get("index-candles", instId=BTC, before=minutes[1][0])
    assert newer == [minutes[0]]


def _candles(seen: list[tuple[int, Decimal]], bar: Bar) -> list[list[str]]:
    """`[ts, o, h, l, c, "1"]` of each bar the samples fall in, newest first (all closed)."""
    groups: dict[int, list[Decimal]] = {}
    for at, px in seen:
        groups.setdefault(bar.open_of(at), []).append(px)
    return [
        [str(ts), *(format_decimal(px) for px in (pxs[0], max(pxs), min(pxs), pxs[-1])), "1"]
        for ts, pxs in sorted(groups.items(), reverse=True)
    ]


async def test_index_candles_refuse_what_okx_refuses(market: Rig) -> None:
    assert (await market.get("index-candles"))["code"] == "50014"
    assert (await market.get("index-candles", instId="NOPE-USDT"))["code"] == "51001"
    assert (await market.get("index-candles", instId=BTC, bar="1s"))["msg"] == "Parameter bar error"
    assert (await market.get("index-candles", instId=BTC, limit="101"))["msg"] == "Parameter limit error"
    assert len(await market.get("index-candles", instId=BTC, limit="100")) == 1


async def test_mark_prices_are_served_for_margin_and_derivatives_only(market: Rig) -> None:
    assert (await market.http.get("/api/v5/public/mark-price")).json()["code"] == "50014"
    spot = await market.http.get("/api/v5/public/mark-price", params={"instType": "SPOT", "instId": BTC})
    assert spot.json() == {"code": "51000", "msg": "Parameter instType error", "data": []}
    futures = await market.http.get("/api/v5/public/mark-price", params={"instType": "FUTURES"})
    assert futures.json() == {"code": "0", "msg": "", "data": []}  # sandex lists no futures
    one = await market.http.get("/api/v5/public/mark-price", params={"instType": "MARGIN", "instId": BTC})
    assert one.json()["code"] == "51001"
    assert (await market.get("mark-price-candles", instId=BTC))["code"] == "51001"
    assert (await market.get("history-mark-price-candles", instId=BTC))["code"] == "51001"
    assert (await market.get("mark-price-candles", instId=BTC, bar="2s"))["msg"] == "Parameter bar error"


async def test_spot_pairs_have_no_price_limit(market: Rig) -> None:
    answer = (await market.http.get("/api/v5/public/price-limit", params={"instId": BTC})).json()
    [limit] = answer["data"]
    assert {k: v for k, v in limit.items() if k != "ts"} == {
        "instType": "SPOT",
        "instId": BTC,
        "buyLmt": "",
        "sellLmt": "",
        "enabled": False,
    }
    unknown = await market.http.get("/api/v5/public/price-limit", params={"instId": "NOPE-USDT-SWAP"})
    assert unknown.json()["code"] == "51001"


async def test_platform_volume_adds_up_the_day_in_usd_and_cny(market: Rig) -> None:
    assert await market.get("exchange-rate") == [{"usdCny": "7.1"}]
    [idle] = await market.get("platform-24-volume")
    assert (idle["volUsd"], idle["volCny"]) == ("0", "0")
    buyer, seller = await trader_pair(market.rt)
    await trade(market.rt, buyer, seller, "100000", "0.01")  # 1,000 USDT
    await trade(market.rt, buyer, seller, "100500.5", "0.002")  # 201.001 USDT
    [day] = await market.get("platform-24-volume")
    assert D(day["volUsd"]) == Decimal("1201.00")
    assert D(day["volCny"]) == Decimal("8527.11")  # 1,201.001 x 7.1, to the cent
    [demo] = await market.get("platform-24-volume", demo=True)
    assert demo["volUsd"] == "0"  # the demo market is a market of its own


async def test_system_status_is_empty_when_nothing_is_scheduled(market: Rig) -> None:
    status = await market.http.get("/api/v5/system/status")
    assert status.json() == {"code": "0", "msg": "", "data": []}
    bad = await market.http.get("/api/v5/system/status", params={"state": "soon"})
    assert bad.json()["code"] == "51000"


async def test_a_simulated_outage_shows_as_ongoing_maintenance(market: Rig) -> None:
    faults = market.rt.faults
    partial = faults.add(FaultSpec(FaultKind.ERROR, route="/api/v5/trade/*", code="50001"))
    assert isinstance(partial, Fault)
    faults.add(FaultSpec(FaultKind.ERROR, route="/api/v5/trade/*", code="50001", probability=0.5))  # not sure
    faults.add(FaultSpec(FaultKind.ERROR, route="/api/v5/asset/*", code="51008"))  # not an outage
    [outage] = (await market.http.get("/api/v5/system/status")).json()["data"]
    assert (outage["state"], outage["begin"], outage["end"], outage["env"]) == (
        "ongoing",
        str(partial.created_ms),
        "",
        "1",
    )
    assert "/api/v5/trade/*" in outage["title"]
    assert (await market.http.get("/api/v5/system/status", params={"state": "scheduled"})).json()[
        "data"
    ] == []
    faults.remove(partial.id)
    assert (await market.http.get("/api/v5/system/status")).json()["data"] == []
