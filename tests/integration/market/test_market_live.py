"""The market as `sandex serve` runs it: the maker steps on its own and reacts to controls at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from sandex.app import create_app
from sandex.process import Runtime, open_runtime
from sandex.services.control.service import ControlService
from tests.support.apps import asgi_client, settings_for
from tests.support.exchange import BTC, D, assert_conserved, tape
from tests.support.polling import until


@dataclass
class Live:
    rt: Runtime
    http: httpx.AsyncClient
    control: ControlService  # what the control API's reset calls


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Live]:
    settings = settings_for(tmp_path / "data", market=True, seed=21, backfill_hours=2)
    rt = open_runtime(settings, fast_hashing=True)
    app = create_app(settings, rt)
    async with app.router.lifespan_context(app), asgi_client(app) as http:
        yield Live(rt, http, app.state.control.service)


async def book(http: httpx.AsyncClient) -> tuple[Decimal, Decimal] | None:
    data = (await http.get("/api/v5/market/books", params={"instId": BTC})).json()["data"][0]
    if not data["bids"] or not data["asks"]:
        return None
    return D(data["bids"][0][0]), D(data["asks"][0][0])


async def wait_for_quotes(http: httpx.AsyncClient) -> tuple[Decimal, Decimal]:
    for _ in range(100):
        if (top := await book(http)) is not None:
            return top
        await asyncio.sleep(0.05)
    raise AssertionError("the market maker never quoted")


async def test_a_set_price_shows_in_the_book(live: Live) -> None:
    rt, http = live.rt, live.http
    await wait_for_quotes(http)
    rt.market.control.set_price(BTC, Decimal("80000"))
    started = time.monotonic()
    while True:
        bid, ask = await wait_for_quotes(http)
        if bid < Decimal("80100") and ask > Decimal("79900"):
            break
        assert time.monotonic() - started < 30.0, f"book still at {bid}/{ask}"
        await asyncio.sleep(0.02)


async def test_backfilled_history_is_there_at_once_and_joins_the_live_market(live: Live) -> None:
    http = live.http
    minutes = (
        await http.get("/api/v5/market/history-candles", params={"instId": BTC, "limit": "300"})
    ).json()
    assert len(minutes["data"]) >= 120  # two hours of 1m candles, plus the live minute
    hours = (await http.get("/api/v5/market/candles", params={"instId": BTC, "bar": "1H"})).json()["data"]
    assert 2 <= len(hours) <= 4
    assert all(row[8] == "1" for row in minutes["data"][2:])  # closed bars are confirmed
    ticker = (await http.get("/api/v5/market/ticker", params={"instId": BTC})).json()["data"][0]
    assert D(ticker["vol24h"]) > 0  # synthetic volume counts
    newest_close = D(minutes["data"][1][4])
    bid, ask = await wait_for_quotes(http)
    assert abs((bid + ask) / 2 / newest_close - 1) < Decimal("0.01")  # live quotes continue the history


async def test_a_control_reset_wipes_the_tape_and_the_market_comes_back(live: Live) -> None:
    rt, http = live.rt, live.http
    await wait_for_quotes(http)
    rt.market.control.set_price(BTC, Decimal("50000"))
    await live.control.reset()
    back = rt.market.board.path(BTC).px / Decimal("106684.2")  # back to the catalogue (give or take a step)
    assert abs(back - 1) < Decimal("0.001")
    bid, ask = await wait_for_quotes(http)
    assert bid < Decimal("106684.2") * Decimal("1.01") and ask > Decimal("106684.2") * Decimal("0.99")
    await until(lambda: len(tape(rt)) > 0, "the market trading again after the reset")
    assert_conserved(rt)
    assert all(t[0] > 0 for t in tape(rt))
