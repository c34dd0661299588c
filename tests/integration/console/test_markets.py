"""The Markets pages: every instrument with price, change, volume and sparkline; one market's chart,
book and trades; and the refresh fragments, which read no session."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from sandex.app import create_app
from sandex.config import Settings
from sandex.process import open_runtime
from tests.support.db import migrated_data_dir


@pytest.fixture
async def market(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A server with an hour of synthetic history (candles for the sparklines and the chart)."""
    settings = Settings(
        data_dir=migrated_data_dir(tmp_path / "data"),
        rate_limits="off",
        backfill_hours=1,
        seed=11,
        market=True,
    )
    app = create_app(settings, open_runtime(settings, fast_hashing=True))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://sandex.test") as http:
            yield http


async def _every_page_rows(market: httpx.AsyncClient, page: httpx.Response) -> list[str]:
    """The instruments of the list's every page, in order, following its "Next" links."""
    rows: list[str] = []
    while True:
        rows += re.findall(r'<tr data-inst="([A-Z]+-[A-Z]+)">', page.text)
        following = re.search(r'<a class="btn btn-ghost" href="([^"]+)" rel="next">', page.text)
        if following is None:
            return rows
        page = await market.get(html.unescape(following.group(1)))


def _row(page: str, inst_id: str) -> str:
    found = re.search(rf'<tr data-inst="{inst_id}">(.*?)</tr>', page, re.S)
    assert found, f"no row for {inst_id}"
    return found.group(1)


async def test_the_list_shows_every_instrument_with_price_change_volume_and_trend(
    market: httpx.AsyncClient,
) -> None:
    page = await market.get("/markets")
    assert page.status_code == 200
    rows = await _every_page_rows(market, page)
    assert rows[:2] == ["BTC-USDT", "ETH-USDT"] and "SHIB-USDT" in rows and len(rows) == len(set(rows)) >= 30
    btc = _row(page.text, "BTC-USDT")
    assert re.search(r'<span class="px">\d{2,3},\d{3}\.\d</span>', btc)  # at the tick, thousands separated
    assert re.search(r'class="chg chg-(up|down|flat)"', btc)
    assert re.search(r"\d(\.\d\d)?[KMB]? <span class=\"muted\">USDT", btc)
    assert re.search(r'<svg class="spark spark-(up|down|flat)"[^>]*aria-label="BTC-USDT price trend', btc)
    assert 'href="/markets/BTC-USDT"' in btc


async def test_a_tiny_price_is_compacted_with_its_zero_count_and_the_full_price_readable(
    market: httpx.AsyncClient,
) -> None:
    shib = _row((await market.get("/markets")).text, "SHIB-USDT")
    found = re.search(
        r'<span class="px px-compact" title="(0\.0000\d+)"><span class="visually-hidden">\1</span>'
        r'<span aria-hidden="true">0\.0<sub class="zeros">4</sub>(\d+)</span>',
        shib,
    )
    assert found, shib
    assert found.group(1).startswith("0.0000" + found.group(2)[:2])


async def test_the_change_colour_follows_the_sign(market: httpx.AsyncClient) -> None:
    page = (await market.get("/markets")).text
    for cls, text in re.findall(r'class="chg chg-(\w+)">.*?aria-hidden="true">([^<]+)<', page):
        expected = "up" if text.startswith("+") else "down" if text.startswith("-") else "flat"
        assert cls == expected, (cls, text)


async def _with_book(market: httpx.AsyncClient, path: str) -> str:
    """The page once the market maker has quoted (it starts with the server)."""
    for _ in range(100):
        page = await market.get(path)
        assert page.status_code == 200
        if '<tr class="ask">' in page.text and '<tr class="bid">' in page.text:
            return page.text
        await asyncio.sleep(0.1)
    raise AssertionError("the market maker never quoted")


def _prices(text: str, side: str) -> list[Decimal]:
    found = re.findall(rf'<tr class="{side}"><td>.*?<span class="px">([\d,.]+)<', text)
    return [Decimal(p.replace(",", "")) for p in found]


async def test_one_market_shows_candles_the_book_and_recent_trades(market: httpx.AsyncClient) -> None:
    text = await _with_book(market, "/markets/BTC-USDT?bar=1m")
    assert "<h1>BTC/USDT</h1>" in text
    assert len(re.findall(r'<g class="candle (up|down)"><title>', text)) >= 30  # an hour of minutes
    assert 'aria-current="page">1m</a>' in text
    asks, bids = _prices(text, "ask"), _prices(text, "bid")
    assert asks and bids
    assert asks == sorted(asks, reverse=True) and bids == sorted(bids, reverse=True)
    assert min(asks) > max(bids)  # asks above bids, best prices next to the spread
    assert "Recent trades" in text


async def test_an_unknown_interval_falls_back_and_an_unknown_market_is_404(market: httpx.AsyncClient) -> None:
    page = await market.get("/markets/ETH-USDT?bar=7x")
    assert page.status_code == 200 and 'aria-current="page">15m</a>' in page.text
    missing = await market.get("/markets/NOPE-USDT")
    assert missing.status_code == 404 and "There is no market" in missing.text
    assert (await market.get("/markets/NOPE-USDT/live")).status_code == 404


async def test_the_refresh_fragments_are_public_set_no_cookie_and_carry_the_security_headers(
    market: httpx.AsyncClient,
) -> None:
    for path in ("/markets/live", "/markets/BTC-USDT/live?bar=5m", "/markets/live?env=demo"):
        response = await market.get(path)
        assert response.status_code == 200, path
        assert "set-cookie" not in response.headers
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
        assert "<html" not in response.text
    assert 'data-inst="BTC-USDT"' in (await market.get("/markets/live")).text


async def test_demo_prices_are_their_own_market(market: httpx.AsyncClient) -> None:
    page = await market.get("/markets?env=demo")
    assert page.status_code == 200
    assert '<a href="/markets?env=demo" aria-current="page">Demo</a>' in page.text
    assert 'data-live="/markets/live?env=demo"' in page.text


async def test_signed_in_users_find_markets_in_the_navigation(tmp_path: Path) -> None:
    from tests.support.console import console

    async with console(tmp_path) as app, app.visitor() as alice:
        await alice.sign_up()
        page = await alice.get("/markets/BTC-USDT")
        assert '<a href="/markets" aria-current="page">Markets</a>' in page.text
