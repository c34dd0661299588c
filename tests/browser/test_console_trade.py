"""Setting up a scenario by hand on the demo market page, in Chromium: rest a limit order, amend it,
see another trader cross it (the fill appears without a reload), cancel a second order."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import OrderSpec
from sandex.services.trading.views import Trader
from sandex.testing.server import RunningServer

pytestmark = pytest.mark.browser

EMAIL = "trader@example.com"
PASSWORD = "Correct-Horse-9"
DEMO = Environment.DEMO
LIVE_REFRESH_MS = 15_000  # the region refreshes every 3 s; room for a slow, shared machine


def _run(work: Coroutine[Any, Any, Any]) -> Any:
    """Run a service call the way a bot's request would: on its own loop (Playwright owns this one)."""
    with ThreadPoolExecutor(1) as bot:
        return bot.submit(asyncio.run, work).result()


def _sign_up(page: Page, base: str) -> None:
    page.goto(base + "/signup")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_label("Repeat password").press("Enter")
    expect(page.get_by_role("heading", name="Security", exact=True)).to_be_visible()


def _place(page: Page, px: str, sz: str) -> None:
    form = page.locator("form[data-order-form]")
    form.get_by_label("Price (USDT)").fill(px)
    form.get_by_label("Size", exact=True).fill(sz)
    form.get_by_role("button", name="Place order").click()


def test_rest_amend_get_filled_and_cancel_from_the_market_page(
    browser: Browser, server: RunningServer, artifacts: Path
) -> None:
    base, trading = server.base_url, server.runtime.trading.service
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _sign_up(page, base)
    me = server.runtime.accounts.get_user_by_email(EMAIL)
    assert me is not None
    _run(trading.deposit(me.id, DEMO, "USDT", Decimal(10_000)))

    # Rest a limit order: it shows among the open orders, the balance shrinks by what it froze.
    page.goto(base + "/markets/BTC-USDT?env=demo")
    expect(page.locator('[data-avail="USDT"]')).to_have_text("10,000")
    _place(page, "40000", "0.02")
    expect(page.locator(".notice")).to_have_text("Your order is in the book.")
    resting = page.locator("tr[data-open-order]")
    expect(resting).to_have_count(1)
    expect(resting.locator("[data-order-px]")).to_have_text("40,000")
    expect(page.locator('[data-avail="USDT"]')).to_have_text("9,200")

    # Amend it to a higher price, then rest a second, lower bid.
    resting.get_by_label("New price").fill("41000")
    resting.get_by_role("button", name="Amend").click()
    expect(page.locator(".notice")).to_have_text("The order was amended.")
    expect(page.locator("tr[data-open-order] [data-order-px]")).to_have_text("41,000")
    _place(page, "39000", "0.01")
    expect(page.locator("tr[data-open-order]")).to_have_count(2)

    # Another trader sells into the 41,000 bid; the fill appears without the page being reloaded.
    page.evaluate("window.sameDocument = true")
    bob = server.runtime.accounts.register("bob@example.com", PASSWORD)
    assert not isinstance(bob, Rejected), bob
    _run(trading.deposit(bob.id, DEMO, "BTC", Decimal(1)))
    sell = OrderSpec("BTC-USDT", Side.SELL, OrdType.LIMIT, Decimal("0.02"), Decimal(41_000))
    acks = _run(trading.place(Trader(bob.id, DEMO), [sell]))
    assert isinstance(acks, list) and acks[0].ok, acks
    fill = page.locator("tr[data-fill]")
    expect(fill).to_have_count(1, timeout=LIVE_REFRESH_MS)
    expect(fill).to_contain_text("41,000")
    expect(fill).to_contain_text("Maker")
    expect(page.locator("tr[data-open-order]")).to_have_count(1)
    expect(page.locator("tr[data-done-order]")).to_contain_text("Filled")
    expect(page.locator('[data-avail="BTC"]')).to_have_text("0.019984")  # 0.02 less the maker fee
    assert page.evaluate("window.sameDocument") is True
    page.screenshot(path=str(artifacts / "console-market-trade.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the form and tables fit a phone
    page.screenshot(path=str(artifacts / "console-market-trade-390px.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Cancel the other order.
    page.locator("tr[data-open-order]").get_by_role("button", name="Cancel").click()
    expect(page.locator(".notice")).to_have_text("The order was canceled.")
    expect(page.get_by_text("No open orders in this market.")).to_be_visible()
