"""The "Send code" button and the embedded outbox at /dev/mail (local mode only)."""

from __future__ import annotations

from pathlib import Path

from sandex.domain.accounts.email_codes import ISSUE_POLICY
from tests.support.console import Console, Visitor, console
from tests.support.factories import PASSPHRASE


async def test_send_code_answers_the_page_script_and_mail_shows_the_code(
    app: Console, alice: Visitor
) -> None:
    await alice.get("/account/api/new")
    sent = await alice.post("/account/email-code", {"purpose": "api_key_create"}, accept="application/json")
    assert sent.json() == {"ok": True, "message": "Code sent to a•••e@example.com.", "mailbox": "/dev/mail"}
    mail = await alice.get("/dev/mail")
    assert "your verification code" in mail.text and "create an API key" in mail.text
    assert len(await alice.newest_mail_code()) == 6
    unknown = await alice.post("/account/email-code", {"purpose": "login"}, accept="application/json")
    assert unknown.json()["ok"] is False and unknown.json()["message"] == "Unknown kind of code."


async def test_without_script_send_code_goes_back_to_the_form(alice: Visitor) -> None:
    await alice.get("/account/api/new")
    sent = await alice.post(
        "/account/email-code", {"purpose": "api_key_create", "return_to": "/account/api/new"}
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/account/api/new?notice=code-sent"
    elsewhere = await alice.post(
        "/account/email-code", {"purpose": "api_key_create", "return_to": "//evil.test"}
    )
    assert elsewhere.headers["location"] == "/account?notice=code-sent"


async def test_each_user_sees_only_their_own_mail(app: Console, alice: Visitor) -> None:
    await alice.get("/account/api/new")
    await alice.post("/account/email-code", {"purpose": "api_key_create"}, accept="application/json")
    async with app.visitor() as bob:
        await bob.sign_up("bob@example.com")
        page = await bob.get("/dev/mail")
        assert page.status_code == 200 and "No mail yet" in page.text
    async with app.visitor() as anonymous:
        page = await anonymous.get("/dev/mail")
        assert page.status_code == 303 and page.headers["location"] == "/login?next=/dev/mail"


async def test_dev_mail_does_not_exist_when_smtp_is_configured(tmp_path: Path) -> None:
    async with console(tmp_path, smtp_url="smtp://127.0.0.1:1") as app, app.visitor() as visitor:
        assert (await visitor.get("/dev/mail")).status_code == 404
        await visitor.sign_up()
        page = await visitor.get("/dev/mail")
        assert page.status_code == 404 and "text/html" in page.headers["content-type"]
        assert "/dev/mail" not in (await visitor.get("/account")).text  # and no link to it


async def test_the_outbox_page_says_what_it_is_and_blanks_a_used_code(alice: Visitor) -> None:
    await alice.enable_2fa()  # a key is created only with 2FA on
    await alice.get("/account/api/new")
    code = await alice.send_code("api_key_create")
    page = await alice.get("/dev/mail")
    assert "development outbox" in page.text and "--smtp-url" in page.text
    assert f"data-mail-code>{code}<" in page.text  # a live code is there to be read

    await alice.get("/account/api/new")
    created = await alice.post(
        "/account/api/new",
        {
            "label": "bot",
            "passphrase": PASSPHRASE,
            "environment": "live",
            "ip": "127.0.0.1",
            "expiry": "never",
            "perm_trade": "1",
            "email_code": code,
            "totp_code": alice.totp_code(),
        },
    )
    assert created.status_code == 200, created.text
    page = await alice.get("/dev/mail")
    assert code not in page.text and "no longer valid" in page.text


async def test_send_code_refuses_a_flood_with_a_clear_message(alice: Visitor) -> None:
    answers = []
    for _ in range(ISSUE_POLICY.max_failures + 1):
        await alice.get("/account/api/new")
        sent = await alice.post("/account/email-code", {"purpose": "api_key_edit"}, accept="application/json")
        answers.append(sent.json())
    assert [a["ok"] for a in answers] == [True] * ISSUE_POLICY.max_failures + [False]
    assert answers[-1]["message"].startswith("Too many codes asked for. Ask for a new one in ")
