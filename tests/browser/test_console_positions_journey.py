"""Perpetual swaps from the console, in Chromium: choose Futures mode on the Account mode page, see
a position (opened by real orders) on the Positions page, and change its leverage from there."""

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
from sandex.domain.derivatives.contracts import AcctLv
from sandex.domain.errors import Rejected
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import OrderSpec
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.swap_commands import SetAccountLevel
from sandex.services.trading.views import Trader
from sandex.testing.server import RunningServer
from tests.support.polling import eventually

pytestmark = pytest.mark.browser

EMAIL = "swapper@example.com"
PASSWORD = "Correct-Horse-9"
LIVE = Environment.LIVE
SWAP = "BTC-USDT-SWAP"


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


def _counterparty(server: RunningServer) -> int:
    """Another trader in Futures mode with money, to take the other side."""
    other = server.runtime.accounts.register("maker@example.com", PASSWORD)
    assert not isinstance(other, Rejected)
    account = server.runtime.trading.accounts.ensure(other.id, LIVE, LedgerAccountKind.TRADING)
    _run(server.runtime.trading.sequencer.submit(SetAccountLevel(LIVE, account, AcctLv.FUTURES)))
    return other.id


def _trade(server: RunningServer, user_id: int, side: Side, px: Decimal) -> None:
    spec = OrderSpec(SWAP, side, OrdType.LIMIT, Decimal(2), px, td_mode="cross")
    acks = _run(server.runtime.trading.service.place(Trader(user_id, LIVE), [spec]))
    assert not isinstance(acks, Rejected) and acks[0].rejected is None, acks


def test_futures_mode_a_position_and_its_leverage(
    browser: Browser, server: RunningServer, artifacts: Path
) -> None:
    base, runtime = server.base_url, server.runtime
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _sign_up(page, base)

    # The account starts in Spot mode; Futures is chosen on the console, as OKX asks on its site.
    page.goto(base + "/positions")
    expect(page.get_by_text("This account is in Spot mode")).to_be_visible()
    page.get_by_role("link", name="Switch to Futures mode").click()
    page.get_by_label("Futures").check()
    page.get_by_role("button", name="Save mode").click()
    expect(page.locator(".notice")).to_have_text("The account mode is set.")

    me = runtime.accounts.get_user_by_email(EMAIL)
    assert me is not None
    other = _counterparty(server)
    for user_id in (me.id, other):
        _run(runtime.trading.service.deposit(user_id, LIVE, "USDT", Decimal(100_000)))
    mark = eventually(lambda: runtime.market.board.mark_px(SWAP), lambda px: px is not None, timeout_s=15)
    assert mark is not None
    _trade(server, other, Side.SELL, mark)
    _trade(server, me.id, Side.BUY, mark)

    page.goto(base + "/positions")
    row = page.locator(f'tr[data-inst-id="{SWAP}"][data-pos-id]')
    expect(row).to_have_count(1)
    expect(row.locator('[data-label="Side"]')).to_have_text("Long")
    expect(row.locator('[data-label="Leverage"]')).to_have_text("10×")

    lever = page.locator(f'tr[data-inst-id="{SWAP}"][data-mgn-mode="cross"]')
    lever.get_by_label(f"Leverage for {SWAP} cross").fill("25")
    lever.get_by_role("button", name="Set").click()
    expect(page.locator(".notice")).to_have_text("The leverage is set.")
    expect(row.locator('[data-label="Leverage"]')).to_have_text("25×")
    page.screenshot(path=str(artifacts / "console-positions.png"), full_page=True)
