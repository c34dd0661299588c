"""What the browser tests share: mail read from /dev/mail in a tab (TOTP codes: `tests.support.totp`)."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, Page


def newest_mail_code(context: BrowserContext, base_url: str) -> str:
    """The code in the newest mail, read from /dev/mail in another tab, as a user would."""
    tab: Page = context.new_page()
    try:
        tab.goto(base_url + "/dev/mail")
        return tab.locator("[data-mail-code]").first.inner_text().strip()
    finally:
        tab.close()
