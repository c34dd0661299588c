"""Master <-> sub-account money from the web, in Chromium: create a sub-account, send it money,
get some back, see a refusal in words, and switch off its own keys' transfers out."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.services.accounts.views import UserView
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.trading.views import Trader
from sandex.testing.server import RunningServer

pytestmark = pytest.mark.browser

EMAIL = "master@example.com"
PASSWORD = "Correct-Horse-9"
FUNDING = LedgerAccountKind.FUNDING


def _usdt(server: RunningServer, user_id: int) -> Decimal:
    view = server.runtime.trading.service.balances(Trader(user_id, Environment.LIVE), ["USDT"], kind=FUNDING)
    return next((d.available for d in view.details), Decimal(0))


def test_send_money_to_a_sub_account_and_back_and_stop_its_transfers_out(
    browser: Browser, server: RunningServer, artifacts: Path
) -> None:
    base, runtime = server.base_url, server.runtime
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(base + "/signup")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    master = runtime.accounts.get_user_by_email(EMAIL)
    assert master is not None
    page.goto(base + "/account/subaccounts")
    page.get_by_label("Sub-account name").fill("desk0001")
    page.get_by_role("button", name="Create sub-account").click()
    sub = runtime.accounts.get_subaccount(master.id, "desk0001")
    assert isinstance(sub, UserView), sub
    deposit = runtime.trading.service.deposit(master.id, Environment.LIVE, "USDT", Decimal(100), FUNDING)
    with ThreadPoolExecutor(1) as bot:  # on its own loop, as a bot's request would (Playwright owns this one)
        done = bot.submit(asyncio.run, deposit).result()
    assert not isinstance(done, Rejected), done

    page.goto(base + "/account/subaccounts/desk0001/transfer")
    page.get_by_label("My account → desk0001").check()
    page.get_by_label("Amount").fill("40")
    page.get_by_role("button", name="Transfer", exact=True).click()
    expect(page).to_have_url(base + "/account/subaccounts/desk0001?env=live&notice=transfer-done")
    assert (_usdt(server, master.id), _usdt(server, sub.id)) == (60, 40)

    page.goto(base + "/account/subaccounts/desk0001/transfer")
    page.get_by_label("desk0001 → My account").check()
    page.get_by_label("Amount").fill("50")  # more than it has
    page.get_by_role("button", name="Transfer", exact=True).click()
    expect(page.get_by_text("More than the account has available.")).to_be_visible()
    assert (_usdt(server, master.id), _usdt(server, sub.id)) == (60, 40)
    page.get_by_label("desk0001 → My account").check()
    page.get_by_label("Amount").fill("15")
    page.get_by_role("button", name="Transfer", exact=True).click()
    expect(page).to_have_url(base + "/account/subaccounts/desk0001?env=live&notice=transfer-done")
    assert (_usdt(server, master.id), _usdt(server, sub.id)) == (75, 25)

    page.goto(base + "/account/subaccounts/desk0001/transfer")
    page.get_by_role("button", name="Stop its transfers out").click()
    expect(page.get_by_text("may no longer transfer money out")).to_be_visible()
    page.screenshot(path=str(artifacts / "console-sub-transfer.png"), full_page=True)
