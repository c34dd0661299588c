"""What the browser tests share: mail read from /dev/mail in a tab (TOTP codes: `tests.support.totp`)."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, Page, expect

from sandex.runtime.clock import SystemClock
from tests.support.totp import Authenticator


def newest_mail_code(context: BrowserContext, base_url: str) -> str:
    """The code in the newest mail, read from /dev/mail in another tab, as a user would."""
    tab: Page = context.new_page()
    try:
        tab.goto(base_url + "/dev/mail")
        return tab.locator("[data-mail-code]").first.inner_text().strip()
    finally:
        tab.close()


def turn_on_2fa(page: Page, base_url: str, clock: SystemClock) -> Authenticator:
    """Turn 2FA on from the Security page (QR page's setup key), as a user does; the app that
    gives the codes from then on, made from the server's `clock`."""
    page.goto(base_url + "/account/security")
    page.get_by_role("button", name="Set up two-factor authentication").click()
    app = Authenticator(page.locator("[data-totp-secret]").inner_text(), clock)
    page.get_by_label("6-digit code").fill(app.code())
    page.get_by_role("button", name="Turn on 2FA").click()
    page.get_by_label("I have stored my recovery codes").check()
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_text("Two-factor authentication is on.")).to_be_visible()
    return app
