"""API Management with the mouse, the seed steps of issue 18: Create API Key is refused until 2FA
is on, then made with a description and the 2FA + email codes; the new key's details are
downloaded from the reveal dialog; at 50 keys the list searches and counts and the 51st is
refused before any code is sent; revoking asks for the 2FA code."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from sandex.domain.keys.rules import CreateKeyRequest
from sandex.testing.server import RunningServer
from tests.support.browser import newest_mail_code, turn_on_2fa

pytestmark = pytest.mark.browser

EMAIL = "fifty@example.com"
PASSWORD = "Correct-Horse-9"
PASSPHRASE = "Sandex#2026"


def test_create_download_search_at_50_and_revoke_with_a_code(
    browser: Browser, server: RunningServer, artifacts: Path
) -> None:
    base = server.base_url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(base + "/signup")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    # Without 2FA, Create API Key explains and leads to the Security page.
    page.goto(base + "/account/api")
    page.get_by_role("link", name="Create API Key").first.click()
    expect(page.get_by_role("heading", name="Turn on two-factor authentication first")).to_be_visible()
    expect(page.get_by_role("button", name="Send code")).to_have_count(0)
    app = turn_on_2fa(page, base, server.runtime.clock)

    # Create with a description, confirmed with the email code and the 2FA code.
    page.goto(base + "/account/api/new")
    page.get_by_label("API key name").fill("tax-export")
    page.get_by_label("Description (optional)").fill("Yearly tax report, laptop")
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Add my IP (127.0.0.1)").click()
    page.get_by_role("button", name="Send code").click()
    expect(page.locator("[data-code-status]")).to_contain_text("Code sent")
    page.get_by_label("Email verification code").fill(newest_mail_code(context, base))
    page.get_by_label("Authenticator (2FA) code").fill(app.code())
    page.get_by_role("button", name="Create API Key").click()

    # Download the details from the reveal dialog: the file holds what is shown only once.
    dialog = page.get_by_role("dialog")
    api_key = dialog.locator("[data-reveal=api-key]").inner_text()
    secret = dialog.locator("[data-reveal=secret]").inner_text()
    with page.expect_download() as started:
        dialog.get_by_role("link", name="Download key details").click()
    download = started.value
    assert download.suggested_filename == "sandex-api-key-tax-export.txt"
    saved = Path(download.path()).read_text(encoding="utf-8")
    assert f"API key: {api_key}\n" in saved and f"Secret key: {secret}\n" in saved
    assert f"Passphrase: {PASSPHRASE}\n" in saved and "Description: Yearly tax report, laptop\n" in saved
    page.screenshot(path=str(artifacts / "console-key-reveal-download.png"), full_page=True)
    page.get_by_label("I have stored the secret key and passphrase").check()
    page.get_by_role("button", name="Done").click()
    expect(page.locator(f"tr[data-key='{api_key}']")).to_contain_text("Yearly tax report, laptop")

    # 49 more keys (made by the operator): the list counts and searches them.
    owner = server.runtime.accounts.get_user_by_email(EMAIL)
    assert owner is not None
    for n in range(49):
        request = CreateKeyRequest(f"grid-{n:02d}", PASSPHRASE, "read_only,trade", "127.0.0.1")
        server.runtime.keys.keys.create(owner.id, request)
    page.goto(base + "/account/api")
    expect(page.locator("#key-counts")).to_contain_text("50 of 50 keys")
    expect(page.locator("#key-counts")).to_contain_text("The limit is reached")
    page.get_by_label("Search keys").fill("grid-4")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("tr[data-key]")).to_have_count(9)  # grid-40 … grid-48
    expect(page.locator("#key-counts")).to_contain_text("9 of 50 keys match")
    page.screenshot(path=str(artifacts / "console-api-list-50-search.png"), full_page=True)

    # The 51st key: refused on the form, before any code could be sent.
    page.get_by_role("link", name="Create API Key").first.click()
    expect(
        page.get_by_role("heading", name="You have 50 API keys, the most an account can have")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Send code")).to_have_count(0)

    # Revoke one, with the 2FA code (seed 000); the action names its key.
    page.goto(base + "/account/api?q=tax")
    page.get_by_role("link", name="Revoke “tax-export”").click()
    page.get_by_role("button", name="Revoke key").click()
    expect(page.get_by_text("Enter the 6-digit code from your authenticator app.")).to_be_visible()
    page.get_by_label("Authenticator (2FA) code").fill(app.code())
    page.get_by_role("button", name="Revoke key").click()
    expect(page.get_by_text("The API key was revoked")).to_be_visible()
    expect(page.locator(f"tr[data-key='{api_key}']")).to_contain_text("Revoked")
    context.close()
