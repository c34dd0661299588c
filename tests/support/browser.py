"""What the browser tests share: TOTP codes that never replay, mail read from /dev/mail in a tab."""

from __future__ import annotations

import time

import pyotp
from playwright.sync_api import BrowserContext, Page

STEP_S = 30


class Authenticator:
    """An authenticator app that hands out each code once, as the server's replay guard wants.

    The server accepts the step before and after the current one, and only steps later than the
    last it accepted: starting one step back gives three codes per 30 seconds without waiting."""

    def __init__(self, secret: str) -> None:
        self._totp = pyotp.TOTP(secret)
        self._last: int | None = None

    def code(self) -> str:
        while True:
            now = int(time.time()) // STEP_S
            step = now - 1 if self._last is None else max(now - 1, self._last + 1)
            if step <= now + 1:
                self._last = step
                return str(self._totp.at(step * STEP_S))
            time.sleep((now + 1) * STEP_S - time.time() + 0.05)


def newest_mail_code(context: BrowserContext, base_url: str) -> str:
    """The code in the newest mail, read from /dev/mail in another tab, as a user would."""
    tab: Page = context.new_page()
    try:
        tab.goto(base_url + "/dev/mail")
        return tab.locator("[data-mail-code]").first.inner_text().strip()
    finally:
        tab.close()
