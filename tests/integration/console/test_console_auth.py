"""Sign-up, login (with and without 2FA), logout, re-authentication and the session cookie."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sandex.services.console.sessions import SessionPolicy
from sandex.storage.orm.console import ConsoleSessionRow
from tests.support.console import Console, Visitor, console, revealed
from tests.support.factories import PASSWORD

GENERIC = "User not found or password invalid"


def _session_rows(app: Console) -> int:
    with app.runtime.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(ConsoleSessionRow)) or 0)


async def test_sign_up_signs_in_with_a_safe_session_cookie(app: Console) -> None:
    async with app.visitor() as visitor:
        response = await visitor.sign_up()
        assert response.status_code == 303
        assert response.headers["location"] == "/account/security?notice=welcome"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("sandex_session=")
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
        overview = await visitor.get("/account")
        assert overview.status_code == 200 and "alice@example.com" in overview.text
    with app.runtime.sessions() as db:
        row = db.scalars(select(ConsoleSessionRow)).one()
    token = cookie.split(";")[0].split("=", 1)[1]
    assert token not in row.token_hash and len(row.token_hash) == 64  # only a digest is stored


async def test_cookies_are_secure_over_https(tmp_path: Path) -> None:
    async with console(tmp_path, base_url="https://sandex.test") as app, app.visitor() as visitor:
        page = await visitor.get("/signup")
        assert "Secure" in page.headers["set-cookie"]
        assert page.headers["strict-transport-security"].startswith("max-age=")
        signed = await visitor.post(
            "/signup", {"email": "bob@example.com", "password": PASSWORD, "password_repeat": PASSWORD}
        )
        assert "Secure" in signed.headers["set-cookie"]


async def test_sign_up_errors_name_the_field_and_keep_the_email(app: Console) -> None:
    async with app.visitor() as visitor:
        await visitor.get("/signup")
        weak = await visitor.post(
            "/signup", {"email": "bob@example.com", "password": "short", "password_repeat": "short"}
        )
        assert weak.status_code == 400
        assert "Password too weak: 8-128 characters" in weak.text and 'value="bob@example.com"' in weak.text
        assert 'id="password-error"' in weak.text and 'aria-invalid="true"' in weak.text
        differ = await visitor.post(
            "/signup", {"email": "bob@example.com", "password": PASSWORD, "password_repeat": PASSWORD + "x"}
        )
        assert "The two passwords differ." in differ.text
        bad = await visitor.post(
            "/signup", {"email": "bob@", "password": PASSWORD, "password_repeat": PASSWORD}
        )
        assert "Enter a valid email address" in bad.text
    assert app.runtime.accounts.get_user_by_email("bob@example.com") is None


async def test_unknown_user_and_wrong_password_get_the_same_answer(alice: Visitor, app: Console) -> None:
    async with app.visitor() as stranger:
        unknown = await stranger.log_in("nobody@example.com")
        wrong = await stranger.log_in("alice@example.com", "Wrong-Horse-9")
    assert unknown.status_code == wrong.status_code == 400
    assert GENERIC in unknown.text and GENERIC in wrong.text
    assert "set-cookie" not in wrong.headers or "sandex_session" not in wrong.headers["set-cookie"]


async def test_logout_deletes_the_session(alice: Visitor, app: Console) -> None:
    await alice.get("/account")
    cookie = alice.http.cookies.get("sandex_session")
    assert cookie and _session_rows(app) == 1
    out = await alice.post("/logout")
    assert out.status_code == 303 and out.headers["location"] == "/login?notice=signed-out"
    assert _session_rows(app) == 0
    async with app.visitor() as replay:  # the old cookie is worthless now
        replay.http.cookies.set("sandex_session", cookie)
        again = await replay.http.get("/account")
    assert again.status_code == 303 and again.headers["location"] == "/login?next=/account"


async def test_signed_out_visitors_are_sent_to_login_and_back(alice: Visitor, app: Console) -> None:
    async with app.visitor() as visitor:
        page = await visitor.get("/account/api")
        assert page.status_code == 303 and page.headers["location"] == "/login?next=/account/api"
        await visitor.get("/login?next=/account/api")
        signed = await visitor.post(
            "/login", {"email": "alice@example.com", "password": PASSWORD, "next": "/account/api"}
        )
        assert signed.headers["location"] == "/account/api"


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"]
)
async def test_next_never_leaves_the_site(alice: Visitor, app: Console, target: str) -> None:
    async with app.visitor() as visitor:
        await visitor.get("/login")
        signed = await visitor.post(
            "/login", {"email": "alice@example.com", "password": PASSWORD, "next": target}
        )
    assert signed.headers["location"] == "/account"


async def test_login_with_2fa_needs_the_code_before_anything_else(alice: Visitor, app: Console) -> None:
    recovery = await alice.enable_2fa()
    assert len(recovery) == 10
    async with app.visitor() as visitor:
        visitor.totp, visitor.last_step = alice.totp, alice.last_step
        step_one = await visitor.log_in()
        assert step_one.headers["location"] == "/login/2fa?next=/account"
        pending_cookie = visitor.http.cookies.get("sandex_session")
        blocked = await visitor.http.get("/account/api")
        assert blocked.status_code == 303 and blocked.headers["location"].startswith("/login")
        await visitor.get("/login/2fa")
        wrong = await visitor.post("/login/2fa", {"totp_code": "000000"})
        assert wrong.status_code == 400 and "That 2FA code is incorrect" in wrong.text
        done = await visitor.post("/login/2fa", {"totp_code": visitor.totp_code()})
        assert done.status_code == 303 and done.headers["location"] == "/account"
        assert visitor.http.cookies.get("sandex_session") != pending_cookie  # a new token after the step
        assert (await visitor.get("/account/api")).status_code == 200
    async with app.visitor() as other:  # a recovery code works once in place of the app
        await other.log_in()
        await other.get("/login/2fa")
        assert (await other.post("/login/2fa", {"totp_code": recovery[0]})).status_code == 303


async def test_stale_sign_in_must_confirm_the_password_for_sensitive_pages(
    alice: Visitor, app: Console
) -> None:
    await alice.enable_2fa()  # the Create form is shown only with 2FA on
    app.context.sessions.policy = SessionPolicy(reauth_ms=0)
    page = await alice.get("/account/api/new")
    assert page.status_code == 303 and page.headers["location"] == "/reauth?next=/account/api/new"
    assert (await alice.get("/account/api")).status_code == 200  # reading is fine
    await alice.get("/reauth?next=/account/api/new")
    wrong = await alice.post("/reauth", {"password": "Wrong-Horse-9", "next": "/account/api/new"})
    assert wrong.status_code == 400 and "The password is incorrect." in wrong.text
    app.context.sessions.policy = SessionPolicy()
    ok = await alice.post("/reauth", {"password": PASSWORD, "next": "/account/api/new"})
    assert ok.headers["location"] == "/account/api/new?notice=reauthenticated"
    assert (await alice.get("/account/api/new")).status_code == 200


async def test_idle_sessions_end(alice: Visitor, app: Console) -> None:
    app.context.sessions.policy = SessionPolicy(idle_ms=0)
    page = await alice.get("/account")
    assert page.status_code == 303
    assert _session_rows(app) == 0


async def test_no_password_or_code_reaches_the_logs(app: Console, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with app.visitor() as visitor:
        await visitor.sign_up()
        await visitor.enable_2fa()
        created = await visitor.create_key()
        assert created.status_code == 200
        code = await visitor.newest_mail_code()
    secret = revealed(created)["secret"]
    text = caplog.text
    assert PASSWORD not in text and "Sandex#2026" not in text and secret not in text and code not in text
    assert visitor.totp is not None and visitor.totp.secret not in text
