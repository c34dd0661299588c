"""A user's whole API-key journey with the mouse, in Chromium, against a real sandex server.

Sign up, turn on 2FA from the QR page, create a trade key bound to 127.0.0.1 (email code + 2FA),
copy the secret from the reveal-once dialog, activate the key with the emailed code, use it with
unmodified ccxt, revoke it in the console, and watch ccxt get 50111. Screenshots go to artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import ccxt
import pytest
from playwright.sync_api import Browser, Page, expect

from sandex.testing.server import RunningServer
from tests.support.browser import newest_mail_code, turn_on_2fa
from tests.support.totp import Authenticator

pytestmark = pytest.mark.browser

EMAIL = "trader@example.com"
PASSWORD = "Correct-Horse-9"
PASSPHRASE = "Sandex#2026"
MOBILE_WIDTH = 390


def _okx(server: RunningServer, api_key: str, secret: str, passphrase: str) -> ccxt.okx:
    exchange = ccxt.okx({"apiKey": api_key, "secret": secret, "password": passphrase})
    exchange.urls["api"]["rest"] = server.base_url
    return exchange


def _shot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"console-{name}.png"), full_page=True)


def _no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE_WIDTH, f"{page.url} is {width}px wide at a {MOBILE_WIDTH}px viewport"


def test_create_use_and_revoke_a_key_with_the_mouse(
    browser: Browser, server: RunningServer, artifacts: Path
) -> None:
    base = server.base_url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    # Sign up from the landing page.
    page.goto(base + "/")
    _shot(page, artifacts, "landing")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Security", exact=True)).to_be_visible()

    # Two-factor authentication with the QR page's setup key.
    page.get_by_role("button", name="Set up two-factor authentication").click()
    expect(page.locator(".qr svg")).to_be_visible()
    _shot(page, artifacts, "2fa-setup")
    app = Authenticator(page.locator("[data-totp-secret]").inner_text(), server.runtime.clock)
    page.get_by_label("6-digit code").fill(app.code())
    page.get_by_role("button", name="Turn on 2FA").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_label("I have stored my recovery codes").check()
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_text("Two-factor authentication is on.")).to_be_visible()

    # Profile menu → API Management → Create API Key.
    page.get_by_label("Profile menu").click()
    page.locator("details.profile").get_by_role("link", name="API Management").click()
    expect(page.get_by_role("heading", name="API Management")).to_be_visible()
    page.get_by_role("link", name="Create API Key").first.click()
    page.get_by_label("API key name").fill("ccxt-bot")
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_role("switch", name="Trade").check()
    page.get_by_role("button", name="Add my IP (127.0.0.1)").click()
    expect(page.get_by_label("IP allow-list")).to_have_value("127.0.0.1")
    page.get_by_role("button", name="Send code").click()
    expect(page.locator("[data-code-status]")).to_contain_text("Code sent")
    page.get_by_label("Email verification code").fill(newest_mail_code(context, base))
    page.get_by_label("Authenticator (2FA) code").fill(app.code())
    _shot(page, artifacts, "create-key")
    page.get_by_role("button", name="Create API Key").click()

    # The reveal-once dialog.
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    _shot(page, artifacts, "key-reveal")
    api_key = dialog.locator("[data-reveal=api-key]").inner_text()
    secret = dialog.locator("[data-reveal=secret]").inner_text()
    passphrase = dialog.locator("[data-reveal=passphrase]").inner_text()
    assert passphrase == PASSPHRASE and len(secret) == 32
    page.get_by_label("I have stored the secret key and passphrase").check()
    page.get_by_role("button", name="Done").click()

    # Pending until the emailed activation code; then it works with ccxt.
    row = page.locator(f"tr[data-key='{api_key}']")
    expect(row.get_by_text("Pending")).to_be_visible()
    assert secret not in page.content() and PASSPHRASE not in page.content()
    row.get_by_role("link", name="Activate").click()
    page.get_by_label("Email verification code").fill(newest_mail_code(context, base))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("The API key is active.")).to_be_visible()
    expect(row.get_by_text("Active")).to_be_visible()
    expect(row.get_by_text("127.0.0.1")).to_be_visible()
    _shot(page, artifacts, "api-list")

    config = _okx(server, api_key, secret, passphrase).private_get_account_config()
    assert config["code"] == "0"
    assert (config["data"][0]["perm"], config["data"][0]["ip"], config["data"][0]["label"]) == (
        "read_only,trade",
        "127.0.0.1",
        "ccxt-bot",
    )

    # The key's page shows its audit trail and when it was last used.
    row.get_by_role("link", name="Details").click()
    expect(page.locator(".timeline li")).to_have_count(2)
    last_used = page.locator(".summary > div").filter(has=page.get_by_text("Last used", exact=True))
    expect(last_used.locator("dd")).to_contain_text("UTC")  # not "—": ccxt's call counts
    _shot(page, artifacts, "key-detail")

    # Usable at 390 px: the list and the form fit the screen.
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": 844})
    page.goto(base + "/account/api")
    _no_horizontal_scroll(page)
    _shot(page, artifacts, "api-list-390px")
    page.goto(base + "/account/api/new")
    _no_horizontal_scroll(page)
    _shot(page, artifacts, "create-key-390px")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Revoke in the console: ccxt is refused at once.
    page.goto(base + "/account/api")
    row.get_by_role("link", name="Revoke").click()
    page.get_by_label("Authenticator (2FA) code").fill(app.code())  # as OKX asks (seed 000)
    page.get_by_role("button", name="Revoke key").click()
    expect(page.get_by_text("The API key was revoked")).to_be_visible()
    expect(row.get_by_text("Revoked")).to_be_visible()
    with pytest.raises(ccxt.AuthenticationError, match="50111"):
        _okx(server, api_key, secret, passphrase).private_get_account_config()
    context.close()


def test_keyboard_reaches_the_profile_menu_and_log_out(browser: Browser, server: RunningServer) -> None:
    """Real links and buttons: Tab moves focus visibly, Enter opens the menu, Escape closes it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.base_url + "/signup")
    page.get_by_label("Email").fill("keys@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_label("Repeat password").press("Enter")  # Enter submits: the form's default button
    expect(page.get_by_role("heading", name="Security", exact=True)).to_be_visible()

    summary = page.get_by_label("Profile menu")
    summary.focus()
    outline = summary.evaluate("el => getComputedStyle(el).boxShadow")
    assert outline != "none", "focused controls must show where the focus is"
    page.keyboard.press("Enter")
    expect(page.locator("details.profile")).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(page.locator("details.profile")).not_to_have_attribute("open", "")
    page.keyboard.press("Enter")
    page.locator("details.profile").get_by_role("button", name="Log out").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    context.close()


PAGES = {
    "overview": "/account",
    "security": "/account/security",
    "subaccounts": "/account/subaccounts",
    "subaccount": "/account/subaccounts/desk0001",
    "report": "/account/api/report",
    "mail": "/dev/mail",
}


def test_every_page_fits_a_phone(browser: Browser, server: RunningServer, artifacts: Path) -> None:
    """Each page at desktop width (screenshots) and at 390 px, where nothing may scroll sideways."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.base_url + "/login")
    _shot(page, artifacts, "login")
    page.goto(server.base_url + "/signup")
    page.get_by_label("Email").fill("desk@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sub-accounts").click()
    page.get_by_label("Sub-account name").fill("desk0001")
    page.get_by_label("Label (optional)").fill("grid strategies")
    page.get_by_role("button", name="Create sub-account").click()
    expect(page.get_by_text("The sub-account was created.")).to_be_visible()
    page.get_by_role("button", name="Freeze").click()
    expect(page.get_by_text("This sub-account is frozen")).to_be_visible()
    turn_on_2fa(page, server.base_url, server.runtime.clock)  # Create (and its Send code) needs 2FA on
    page.goto(server.base_url + "/account/api/new")
    page.get_by_role("button", name="Send code").click()
    expect(page.locator("[data-code-status]")).to_contain_text("Code sent")
    for name, path in PAGES.items():
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(server.base_url + path)
        _shot(page, artifacts, name)
        page.set_viewport_size({"width": MOBILE_WIDTH, "height": 844})
        _no_horizontal_scroll(page)
    _shot(page, artifacts, "mail-390px")
    context.close()
