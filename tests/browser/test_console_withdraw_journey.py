"""Moving money out from the web, in Chromium against a real server: demo funds to the funding
account, an address on the allow-list (email + 2FA codes), a withdrawal confirmed with its codes
that moves from Waiting to Completed on its own page, and one canceled while it waits. The server's
clock is frozen and moved on by the test, so the cancel never races the review."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from sandex.testing.server import RunningServer
from tests.support.browser import newest_mail_code
from tests.support.totp import Authenticator

pytestmark = pytest.mark.browser

EMAIL = "payer@example.com"
PASSWORD = "Correct-Horse-9"
TRON = "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE"
REVIEW_MS, BROADCAST_MS = 5_000, 5_000  # the default withdrawal timing, on the server's clock
REFRESH_TIMEOUT_MS = 30_000  # the state page reloads itself every 5 s


def _withdraw(page: Page, base: str, app: Authenticator, amount: str) -> None:
    page.goto(base + "/assets/withdraw?env=demo")
    page.get_by_label("To address").select_option(label="USDT · USDT-TRC20 · cold (fee 1 USDT, min 1)")
    page.get_by_label("Amount").fill(amount)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Send this withdrawal?")).to_be_visible()
    page.get_by_label("Email verification code").fill(newest_mail_code(page.context, base))
    page.get_by_label("Authenticator (2FA) code").fill(app.code())
    page.get_by_role("button", name="Withdraw", exact=True).click()
    expect(page.locator("#wd-state")).to_have_text("Waiting")


def test_withdraw_with_the_codes_watch_it_complete_and_cancel_another(
    browser: Browser, server: RunningServer, artifacts: Path
) -> None:
    base = server.base_url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    page.goto(base + "/signup")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("button", name="Set up two-factor authentication").click()
    app = Authenticator(page.locator("[data-totp-secret]").inner_text(), server.runtime.clock)
    page.get_by_label("6-digit code").fill(app.code())
    page.get_by_role("button", name="Turn on 2FA").click()
    page.get_by_label("I have stored my recovery codes").check()
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_text("Two-factor authentication is on.")).to_be_visible()

    # Demo funds, moved from the trading to the funding account.
    page.goto(base + "/assets?env=demo")
    page.get_by_label("Amount").fill("100")
    page.get_by_role("button", name="Get demo funds").click()
    page.goto(base + "/assets/transfer?env=demo")
    page.get_by_label("Trading → Funding").check()
    page.get_by_label("Amount").fill("100")
    page.get_by_role("button", name="Transfer").click()
    expect(page.get_by_text("The transfer is done.")).to_be_visible()

    # The address goes on the allow-list with its codes.
    page.goto(base + "/assets/withdraw-addresses")
    page.get_by_label("Network", exact=True).select_option("USDT-TRC20")
    page.get_by_label("Address", exact=True).fill(TRON)
    page.get_by_label("Label (optional)").fill("cold")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Email verification code").fill(newest_mail_code(context, base))
    page.get_by_label("Authenticator (2FA) code").fill(app.code())
    page.get_by_role("button", name="Add address").click()
    expect(page.get_by_text("The address is on your withdrawal allow-list.")).to_be_visible()

    # The server's clock stands still while the user cancels, so the review never passes first.
    clock = server.runtime.clock
    clock.freeze()

    # One withdrawal canceled while it waits: its hold comes back.
    _withdraw(page, base, app, "10")
    page.get_by_role("button", name="Cancel withdrawal").click()
    expect(page.locator("#wd-state")).to_have_text("Canceled")
    expect(page.get_by_text("amount and fee are back")).to_be_visible()

    # Another one moves through its states on the page, which refreshes itself. The clock runs
    # again for its 2FA code (codes are made of real time), then moves on when the test says so.
    clock.reset()
    _withdraw(page, base, app, "20")
    clock.freeze()
    page.screenshot(path=str(artifacts / "console-withdrawal-waiting.png"), full_page=True)
    clock.advance(REVIEW_MS)
    expect(page.locator("#wd-state")).to_have_text("Broadcasting", timeout=REFRESH_TIMEOUT_MS)
    expect(page.get_by_role("button", name="Cancel withdrawal")).to_have_count(0)
    clock.advance(BROADCAST_MS)
    expect(page.locator("#wd-state")).to_have_text("Completed", timeout=REFRESH_TIMEOUT_MS)
    clock.reset()
    page.goto(base + "/assets?env=demo")
    page.screenshot(path=str(artifacts / "console-withdrawal-done.png"), full_page=True)
    context.close()
