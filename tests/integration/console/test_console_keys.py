"""API Management through the console's forms: create (2FA + email code), reveal once, activate,
edit, revoke, delete, audit trail and report; precise errors that change nothing."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from sandex.domain.keys.model import KeyState
from sandex.transport.console import ROUTERS
from tests.support.console import Console, Visitor, call_okx, revealed
from tests.support.factories import PASSPHRASE


def _state(app: Console, api_key: str) -> KeyState:
    info = app.runtime.keys.keys.get(api_key)
    assert info is not None
    return info.state


async def _active_key(alice: Visitor, label: str = "bot", **extra: str) -> dict[str, str]:
    created = await alice.create_key(label, **extra)
    assert created.status_code == 200, created.text
    creds = revealed(created)
    activation = await alice.newest_mail_code()  # mailed on creation, bound to this key
    await alice.get(f"/account/api/{creds['api-key']}/activate")
    done = await alice.post(f"/account/api/{creds['api-key']}/activate", {"email_code": activation})
    assert done.status_code == 303 and "notice=key-activated" in done.headers["location"]
    return creds


async def test_a_console_key_is_revealed_once_and_pending_until_activated(
    app: Console, alice: Visitor
) -> None:
    await alice.enable_2fa()
    created = await alice.create_key("grid bot", ip="127.0.0.1, 10.0.0.0/8")
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    creds = revealed(created)
    assert set(creds) == {"api-key", "secret", "passphrase"} and creds["passphrase"] == PASSPHRASE
    assert _state(app, creds["api-key"]) is KeyState.PENDING
    assert (await call_okx(alice, creds))["code"] == "50111"

    listing = await alice.get("/account/api")
    row = listing.text.split(f'data-key="{creds["api-key"]}"')[1].split("</tr>")[0]
    for shown in ("grid bot", "Read", "Trade", "127.0.0.1", "10.0.0.0/8", "Live", "Pending", "Activate"):
        assert shown in row, shown
    await alice.get(f"/account/api/{creds['api-key']}/activate")
    wrong = await alice.post(f"/account/api/{creds['api-key']}/activate", {"email_code": "000000"})
    assert wrong.status_code == 400 and "That email code is incorrect" in wrong.text
    activation = await alice.send_code("api_key_activate", creds["api-key"])  # "Send code" mails a new one
    done = await alice.post(f"/account/api/{creds['api-key']}/activate", {"email_code": activation})
    assert done.status_code == 303
    assert _state(app, creds["api-key"]) is KeyState.ACTIVE
    assert (await call_okx(alice, creds))["code"] == "0"


async def test_the_secret_and_passphrase_never_appear_again(app: Console, alice: Visitor) -> None:
    creds = await _active_key(alice)
    secret, passphrase = creds["secret"], creds["passphrase"]
    api_key = creds["api-key"]
    await alice.get("/account/subaccounts")
    await alice.post("/account/subaccounts", {"name": "desk0001"})
    alice.seen.clear()
    pages = [  # every page of the console, found from its routes
        route.path.replace("{api_key}", api_key)
        .replace("{name}", "desk0001")
        .replace("{inst_id}", "BTC-USDT")
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and "GET" in route.methods
    ]
    assert len(pages) >= 20 and f"/account/api/{api_key}" in pages
    pages.append("/static/console.js")
    for path in pages:
        page = await alice.get(path)
        assert page.status_code in (200, 303), path
    await alice.get("/account/api/new")
    # a refused form is rendered again, without the passphrase typed into it
    refused = await alice.post("/account/api/new", {"label": "x y ", "passphrase": passphrase})
    assert refused.status_code == 400
    sent = await alice.post("/account/email-code", {"purpose": "api_key_edit"}, accept="application/json")
    assert sent.status_code == 200
    await alice.get(f"/account/api/{api_key}/revoke")
    await alice.post(f"/account/api/{api_key}/revoke", {"totp_code": alice.totp_code()})
    await alice.get("/account/api")
    assert len(alice.seen) > len(pages)
    for body in alice.seen:
        assert secret not in body and secret.lower() not in body
        assert passphrase not in body and "Sandex&#35;2026" not in body and "Sandex%232026" not in body


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"ip": "127.0.0.1, 300.1.1.1"},
            "ip",
            "“300.1.1.1” is not an IPv4 or IPv6 address or a CIDR network.",
        ),
        ({"ip": " ".join(f"10.0.0.{i}" for i in range(21))}, "ip", "Bind at most 20 IP addresses"),
        ({"passphrase": "weakpass"}, "passphrase", "The passphrase needs 8–32 characters"),
        ({"label": "bad/label"}, "label", "Use 1–50 letters, digits, spaces"),
        ({"perm_withdraw": "1", "ip": ""}, "ip", "Withdraw needs an IP allow-list"),
        ({"perm_withdraw": "1", "ip": "0.0.0.0/0"}, "ip", "Withdraw needs an IP allow-list"),
        ({"expiry": "date", "expiry_date": "2001-01-01"}, "expiry", "Choose an expiry date in the future."),
        ({"expiry": "date", "expiry_date": "soon"}, "expiry", "Choose an expiry date in the future."),
        ({"expiry": "date", "expiry_date": "9999-12-31"}, "expiry", "Choose an expiry date in the future."),
        ({"environment": "mars"}, "environment", "Parameter environment error"),
        ({"email_code": ""}, "email_code", "Enter the code we emailed you"),
        ({"email_code": "000000"}, "email_code", "That email code is incorrect (4 attempts left)."),
    ],
)
async def test_refusals_name_the_field_and_create_nothing(
    app: Console, alice: Visitor, fields: dict[str, str], field: str, message: str
) -> None:
    refused = await alice.create_key(**({"label": "bot"} | fields))
    assert refused.status_code == 400
    assert message in refused.text
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message[:20])}', refused.text), refused.text
    assert 'name="passphrase" type="password" value=""' in refused.text  # never echoed back
    assert app.runtime.keys.keys.list(app.runtime.accounts.list_users()[0].id) == []


async def test_a_refused_request_keeps_the_email_code_usable(app: Console, alice: Visitor) -> None:
    refused = await alice.create_key("bot", ip="not-an-ip")
    assert refused.status_code == 400
    kept = re.search(r'name="email_code" type="text" value="(\d{6})"', refused.text)
    assert kept, "the unused email code is shown back in the form"
    fixed = await alice.post(
        "/account/api/new",
        {
            "label": "bot",
            "passphrase": PASSPHRASE,
            "environment": "live",
            "ip": "127.0.0.1",
            "expiry": "never",
            "email_code": kept.group(1),
            "totp_code": alice.totp_code(),
        },
    )
    assert fixed.status_code == 200 and revealed(fixed)["api-key"]


async def test_2fa_users_must_give_a_fresh_authenticator_code(app: Console, alice: Visitor) -> None:
    await alice.enable_2fa()
    missing = await alice.create_key("bot", totp_code="")
    assert (
        missing.status_code == 400 and "Enter the 6-digit code from your authenticator app." in missing.text
    )
    assert 'id="totp_code-error"' in missing.text
    wrong = await alice.create_key("bot", totp_code="000000")
    assert "That 2FA code is incorrect" in wrong.text
    assert app.runtime.keys.keys.list(app.runtime.accounts.list_users()[0].id) == []


async def test_edit_changes_permissions_ips_and_expiry_with_codes(app: Console, alice: Visitor) -> None:
    creds = await _active_key(alice)
    api_key = creds["api-key"]
    page = await alice.get(f"/account/api/{api_key}/edit")
    assert 'name="perm_trade" value="1" checked' in page.text and ">127.0.0.1</textarea>" in page.text
    change = {"label": "bot", "ip": "127.0.0.1\n192.0.2.7", "expiry": "7"}  # trade switched off
    totp = {"totp_code": alice.totp_code()}
    refused = await alice.post(f"/account/api/{api_key}/edit", {**change, **totp, "email_code": "000000"})
    assert refused.status_code == 400 and "That email code is incorrect" in refused.text
    assert app.runtime.keys.keys.get(api_key).perm_text == "read_only,trade"  # type: ignore[union-attr]
    code = await alice.send_code("api_key_edit")
    totp = {"totp_code": alice.totp_code()}
    saved = await alice.post(f"/account/api/{api_key}/edit", {**change, **totp, "email_code": code})
    assert saved.status_code == 303 and saved.headers["location"] == "/account/api?notice=key-updated"
    info = app.runtime.keys.keys.get(api_key)
    assert info is not None and info.perm_text == "read_only" and info.ip_text == "127.0.0.1,192.0.2.7"
    listing = await alice.get("/account/api")
    assert "Expires in 6d 23h" in listing.text or "Expires in 7d 0h" in listing.text
    detail = await alice.get(f"/account/api/{api_key}")
    assert "perm: read_only,trade -&gt; read_only" in detail.text
    assert [e for e in ("Created", "Activated", "Edited") if f"<strong>{e}</strong>" in detail.text] == [
        "Created",
        "Activated",
        "Edited",
    ]


async def test_revoke_needs_the_2fa_code_only_and_delete_needs_codes(app: Console, alice: Visitor) -> None:
    first = (await _active_key(alice, "first"))["api-key"]
    second = (await _active_key(alice, "second"))["api-key"]
    page = await alice.get(f"/account/api/{first}/revoke")
    assert 'name="totp_code"' in page.text and 'name="email_code"' not in page.text  # seed 000
    for code in ("", "000000"):
        refused = await alice.post(f"/account/api/{first}/revoke", {"totp_code": code})
        assert refused.status_code == 400 and 'id="totp_code-error"' in refused.text
        assert _state(app, first) is KeyState.ACTIVE
    revoked = await alice.post(f"/account/api/{first}/revoke", {"totp_code": alice.totp_code()})
    assert revoked.headers["location"] == "/account/api?notice=key-revoked"
    assert _state(app, first) is KeyState.REVOKED
    row = (await alice.get("/account/api")).text.split(f'data-key="{first}"')[1].split("</tr>")[0]
    assert "Revoked" in row and "/revoke" not in row and "/edit" not in row

    await alice.get(f"/account/api/{second}/delete")
    refused = await alice.post(f"/account/api/{second}/delete", {"email_code": ""})
    assert refused.status_code == 400 and _state(app, second) is KeyState.ACTIVE
    code = await alice.send_code("api_key_delete")
    deleted = await alice.post(
        f"/account/api/{second}/delete", {"email_code": code, "totp_code": alice.totp_code()}
    )
    assert deleted.headers["location"] == "/account/api?notice=key-deleted"
    assert second not in (await alice.get("/account/api")).text
    assert (await alice.get(f"/account/api/{second}")).status_code == 404


async def test_nobody_else_can_see_or_touch_a_key(app: Console, alice: Visitor) -> None:
    api_key = (await _active_key(alice))["api-key"]
    async with app.visitor() as mallory:
        await mallory.sign_up("mallory@example.com")
        for path in ("", "/edit", "/activate", "/revoke", "/delete"):
            page = await mallory.get(f"/account/api/{api_key}{path}")
            assert page.status_code == 404 and "not yours" in page.text
        await mallory.get("/account/api")
        assert (await mallory.post(f"/account/api/{api_key}/revoke")).status_code == 404
        sent = await mallory.post(
            "/account/email-code",
            {"purpose": "api_key_activate", "reference": api_key},
            accept="application/json",
        )
        assert sent.json()["ok"] is False
    assert _state(app, api_key) is KeyState.ACTIVE


async def test_the_least_privilege_report_flags_unbound_keys(app: Console, alice: Visitor) -> None:
    await _active_key(alice, "anywhere", ip="")
    await _active_key(alice, "bound")
    report = await alice.get("/account/api/report")
    assert report.status_code == 200
    assert report.text.count("No IP allow-list") == 1 and "anywhere" in report.text
    listing = await alice.get("/account/api")
    assert "14 days after its last use" in listing.text  # the unbound trade key's expiry note
