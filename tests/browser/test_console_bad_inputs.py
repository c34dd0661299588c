"""The console's refusals, as a person meets them in Chromium: an amount finer than the currency
allows, an address that is not one for its network, a wrong email code, and a price off the tick.
Each is said in words next to its field, and nothing moves."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from sandex.domain.accounts.model import Environment
from sandex.services.trading.views import Trader
from sandex.testing.server import RunningServer
from tests.support.browser import newest_mail_code, turn_on_2fa
from tests.support.exchange import balance

pytestmark = pytest.mark.browser

EMAIL = "careful@example.com"
PASSWORD = "Correct-Horse-9"
TRON = "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE"


def _sign_up(page: Page, base: str) -> None:
    page.goto(base + "/signup")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Security", exact=True)).to_be_visible()


def _mail_count(context: BrowserContext, base: str) -> int:
    """How many mails the development outbox holds, read in another tab as a user would."""
    tab = context.new_page()
    try:
        tab.goto(base + "/dev/mail")
        return tab.locator("li.mail").count()
    finally:
        tab.close()


def test_bad_amounts_addresses_codes_and_prices_are_refused_in_words_and_move_nothing(
    browser: Browser, server: RunningServer, artifacts: Path
) -> None:
    base = server.base_url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _sign_up(page, base)
    app = turn_on_2fa(page, base, server.runtime.clock)
    page.goto(base + "/assets?env=demo")
    page.get_by_label("Amount").fill("100")
    page.get_by_role("button", name="Get demo funds").click()

    # A transfer finer than USDT's smallest unit is refused on its field; the funds stay put.
    page.goto(base + "/assets/transfer?env=demo")
    page.get_by_label("Trading → Funding").check()
    page.get_by_label("Amount").fill("0.0000001")
    page.get_by_role("button", name="Transfer").click()
    expect(page.get_by_text("USDT moves in steps of 0.000001.")).to_be_visible()
    expect(page.get_by_label("Amount")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=str(artifacts / "console-refused-transfer.png"), full_page=True)
    me = server.runtime.accounts.get_user_by_email(EMAIL)
    assert me is not None
    assert balance(server.runtime, Trader(me.id, Environment.DEMO), "USDT") == (Decimal(100), 0)

    # An address that is not a TRON address is refused before any code is mailed.
    page.goto(base + "/assets/withdraw-addresses")
    mails_before = _mail_count(context, base)
    page.get_by_label("Network", exact=True).select_option("USDT-TRC20")
    page.get_by_label("Address", exact=True).fill("not-an-address")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("This is not a valid address for the network chosen.")).to_be_visible()
    assert _mail_count(context, base) == mails_before  # no code was mailed

    # A wrong email code is refused and spends nothing: the right one then works.
    page.get_by_label("Address", exact=True).fill(TRON)
    page.get_by_role("button", name="Continue").click()
    right = newest_mail_code(context, base)
    page.get_by_label("Email verification code").fill("000000" if right != "000000" else "111111")
    page.get_by_label("Authenticator (2FA) code").fill(app.code())
    page.get_by_role("button", name="Add address").click()
    expect(page.get_by_text("email code is incorrect")).to_be_visible()
    page.get_by_label("Email verification code").fill(right)
    page.get_by_label("Authenticator (2FA) code").fill(app.code())
    page.get_by_role("button", name="Add address").click()
    expect(page.get_by_text("The address is on your withdrawal allow-list.")).to_be_visible()

    # A price off the tick is refused on the order form and places nothing.
    page.goto(base + "/markets/BTC-USDT?env=demo")
    form = page.locator("form[data-order-form]")
    form.get_by_label("Price (USDT)").fill("40000.05")
    form.get_by_label("Size", exact=True).fill("0.001")
    form.get_by_role("button", name="Place order").click()
    expect(page.get_by_text("The price must be a multiple of the tick size, 0.1.")).to_be_visible()
    expect(page.get_by_text("No open orders in this market.")).to_be_visible()
    page.screenshot(path=str(artifacts / "console-refused-order.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts / "console-refused-order-390px.png"), full_page=True)
