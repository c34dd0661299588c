"""API Management, the rest of the seed steps (issue 18): 2FA before a key can be created, a
description beside the name, a download at the reveal step, revoke with the 2FA code, the 51st
key refused before any code is sent, search and counts at 50 keys, and the audit trail and recent
requests (refused ones too) in words."""

from __future__ import annotations

import re
from urllib.parse import unquote

from sandex.domain.keys.model import KeyState
from sandex.domain.keys.rules import MAX_KEYS_PER_ACCOUNT, CreateKeyRequest
from sandex.services.keys.views import KeyInfo
from tests.support.console import Console, Visitor, call_okx, revealed
from tests.support.factories import PASSPHRASE, PASSWORD

_DOWNLOAD = re.compile(r'id="reveal-download" href="([^"]+)" download="([^"]+)"')


def _alice_id(app: Console) -> int:
    return app.runtime.accounts.list_users()[0].id


def _operator_key(app: Console, label: str, ip: str = "127.0.0.1") -> KeyInfo:
    """A key made by the operator (control API / CLI): active at once, no 2FA asked."""
    request = CreateKeyRequest(label, PASSPHRASE, "read_only,trade", ip)
    created = app.runtime.keys.keys.create(_alice_id(app), request)
    assert not hasattr(created, "reason"), created
    return created.info  # type: ignore[union-attr]


def _state(app: Console, api_key: str) -> KeyState:
    info = app.runtime.keys.keys.get(api_key)
    assert info is not None
    return info.state


async def test_a_key_is_created_only_once_2fa_is_on(app: Console, alice: Visitor) -> None:
    for path in ("/account/api/new", "/account/subaccounts/desk0001/api/new"):
        if "desk" in path:
            await alice.get("/account/subaccounts")
            await alice.post("/account/subaccounts", {"name": "desk0001"})
        page = await alice.get(path)
        assert page.status_code == 403 and "Turn on two-factor authentication first" in page.text
        assert 'href="/account/security"' in page.text and "data-send-code" not in page.text
        await alice.get("/account/api")
        posted = await alice.post(path, {"label": "bot", "passphrase": PASSPHRASE, "email_code": "123456"})
        assert posted.status_code == 403
    assert app.runtime.keys.keys.list(_alice_id(app)) == []
    await alice.enable_2fa()
    form = await alice.get("/account/api/new")
    assert form.status_code == 200 and 'name="totp_code"' in form.text and "data-send-code" in form.text


async def test_the_51st_key_is_refused_before_any_email_code_is_spent(app: Console, alice: Visitor) -> None:
    await alice.enable_2fa()
    await alice.get("/account/api/new")
    code = await alice.send_code("api_key_create")  # asked for while there was still room
    keys = [_operator_key(app, f"bot-{n:02d}") for n in range(MAX_KEYS_PER_ACCOUNT)]

    page = await alice.get("/account/api/new")
    assert page.status_code == 409 and "50 API keys, the most an account can have" in page.text
    assert "data-send-code" not in page.text  # nothing on the page can mail a code
    fields = {"label": "one-more", "passphrase": PASSPHRASE, "ip": "127.0.0.1", "expiry": "never"}
    await alice.get("/account/api")
    refused = await alice.post(
        "/account/api/new", {**fields, "email_code": code, "totp_code": alice.totp_code()}
    )
    assert refused.status_code == 409 and len(app.runtime.keys.keys.list(_alice_id(app))) == 50
    listing = await alice.get("/account/api")
    assert "50 of 50 keys: 50 active." in listing.text and "The limit is reached" in listing.text

    app.runtime.keys.keys.delete(keys[0].api_key)  # room again: the same code still works
    await alice.get("/account/api/new")
    created = await alice.post(
        "/account/api/new", {**fields, "email_code": code, "totp_code": alice.totp_code()}
    )
    assert created.status_code == 200 and revealed(created)["api-key"]


async def test_the_list_at_50_keys_searches_and_counts(app: Console, alice: Visitor) -> None:
    keys = [_operator_key(app, f"grid-{n:02d}") for n in range(48)]
    _operator_key(app, "hedger")
    app.runtime.keys.keys.revoke(keys[3].api_key)
    everything = await alice.get("/account/api")
    assert "49 of 50 keys: 48 active, 1 revoked." in everything.text
    assert everything.text.count("data-key=") == 49
    assert 'aria-label="Revoke “grid-07”"' in everything.text  # each action names its key

    found = await alice.get("/account/api?q=GRID-0")
    assert found.text.count("data-key=") == 10 and "10 of 49 keys match “GRID-0”." in found.text
    assert "hedger" not in found.text and 'value="GRID-0"' in found.text
    by_key = await alice.get(f"/account/api?q={keys[41].api_key[:18]}")
    assert by_key.text.count("data-key=") == 1 and "grid-41" in by_key.text
    none = await alice.get("/account/api?q=nothing-like-it")
    assert "No key matches “nothing-like-it”." in none.text and "data-key=" not in none.text


async def test_a_description_sits_beside_the_name(app: Console, alice: Visitor) -> None:
    created = await alice.create_key("grid", description="Grid bot on the Frankfurt VPS")
    assert created.status_code == 200
    api_key = revealed(created)["api-key"]
    listing = await alice.get("/account/api")
    row = listing.text.split(f'data-key="{api_key}"')[1].split("</tr>")[0]
    assert "grid" in row and "Grid bot on the Frankfurt VPS" in row
    assert (await alice.get("/account/api?q=frankfurt")).text.count("data-key=") == 1

    edit = await alice.get(f"/account/api/{api_key}/edit")
    assert 'value="Grid bot on the Frankfurt VPS"' in edit.text
    change = {"label": "grid", "perm_trade": "1", "ip": "127.0.0.1", "expiry": "keep"}
    too_long = {**change, "description": "x" * 201, "totp_code": alice.totp_code(), "email_code": "000000"}
    refused = await alice.post(f"/account/api/{api_key}/edit", too_long)
    assert refused.status_code == 400 and "Keep the description to 200 characters" in refused.text
    code = await alice.send_code("api_key_edit")
    moved = {**change, "description": "Moved to Tokyo", "totp_code": alice.totp_code(), "email_code": code}
    saved = await alice.post(f"/account/api/{api_key}/edit", moved)
    assert saved.status_code == 303
    detail = await alice.get(f"/account/api/{api_key}")
    assert "Moved to Tokyo" in detail.text and "description changed" in detail.text
    info = app.runtime.keys.keys.get(api_key)
    assert info is not None and info.description == "Moved to Tokyo"


async def test_the_new_key_can_be_downloaded_at_the_reveal_step(app: Console, alice: Visitor) -> None:
    created = await alice.create_key("tax tool", trade=False)
    creds = revealed(created)
    found = _DOWNLOAD.search(created.text)
    assert found, "a Download link on the reveal dialog"
    href, name = found.groups()
    assert href.startswith("data:text/plain;charset=utf-8,") and name == "sandex-api-key-tax-tool.txt"
    text = unquote(href.partition(",")[2])
    for line in (
        "API key name: tax tool",
        f"API key: {creds['api-key']}",
        f"Secret key: {creds['secret']}",
        f"Passphrase: {creds['passphrase']}",
        "Permissions: read_only",
        "IP allow-list: 127.0.0.1",
    ):
        assert line in text.splitlines(), line
    again = await alice.get(f"/account/api/{creds['api-key']}")
    assert "reveal-download" not in again.text and creds["secret"] not in again.text


async def test_a_key_made_without_2fa_is_revoked_with_a_click(app: Console, alice: Visitor) -> None:
    """No 2FA, nothing to ask (the key came from the operator); OKX's code applies once 2FA is on."""
    api_key = _operator_key(app, "ops").api_key
    page = await alice.get(f"/account/api/{api_key}/revoke")
    assert 'name="totp_code"' not in page.text
    revoked = await alice.post(f"/account/api/{api_key}/revoke")
    assert revoked.status_code == 303 and _state(app, api_key) is KeyState.REVOKED


async def test_refused_requests_show_in_recent_requests_and_the_trail_in_words(
    app: Console, alice: Visitor
) -> None:
    await alice.enable_2fa()
    created = await alice.create_key("bot", expiry="30")
    creds = revealed(created)
    activation = await alice.newest_mail_code()
    await alice.get(f"/account/api/{creds['api-key']}/activate")
    await alice.post(f"/account/api/{creds['api-key']}/activate", {"email_code": activation})
    assert (await call_okx(alice, creds))["code"] == "0"
    async with app.visitor(ip="192.0.2.9") as elsewhere:
        assert (await call_okx(elsewhere, creds))["code"] == "50110"
        assert (await call_okx(elsewhere, creds))["code"] == "50110"
    app.runtime.keys.auth.flush_usage()

    detail = await alice.get(f"/account/api/{creds['api-key']}")
    requests = detail.text.split("<h2>Recent requests</h2>")[1].split("</section>")[0]
    refused = re.search(r"<tr>(?:(?!</tr>).)*192\.0\.2\.9(?:(?!</tr>).)*</tr>", requests, re.S)
    assert refused, requests
    assert "IP not allowed (50110)" in refused.group(0) and "(2×)" in refused.group(0)
    assert "OK" in requests.split("127.0.0.1")[1].split("</tr>")[0]
    trail = detail.text.split("<h2>Audit trail</h2>")[1]
    assert "<strong>Request refused</strong>" in trail and "IP not allowed (50110)" in trail
    assert "ip_not_allowed" not in detail.text
    assert not re.search(r"\b1\d{12}\b", trail), "dates, not epoch milliseconds"
    assert re.search(r"expires=\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", trail)


async def test_recent_sign_ins_name_the_browser(app: Console, alice: Visitor) -> None:
    firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
    async with app.visitor() as laptop:
        await laptop.get("/login")
        signed = await laptop.post(
            "/login", {"email": "alice@example.com", "password": PASSWORD}, **{"user-agent": firefox}
        )
        assert signed.status_code == 303, signed.text
    account = await alice.get("/account")
    assert "Firefox 133 on Linux" in account.text and f'title="{firefox}"' in account.text
