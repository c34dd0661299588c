"""The Security page: 2FA set-up (QR code shown once) and turning 2FA off (password + codes)."""

from __future__ import annotations

from tests.support.console import Console, Visitor
from tests.support.factories import PASSWORD


async def test_setup_shows_a_qr_code_and_a_wrong_code_does_not_show_the_secret_again(
    app: Console, alice: Visitor
) -> None:
    await alice.get("/account/security")
    setup = await alice.post("/account/2fa/setup")
    assert setup.status_code == 200
    assert '<figure class="qr" role="img"' in setup.text and "<svg" in setup.text
    secret = setup.text.split("data-totp-secret>")[1].split("<")[0]
    wrong = await alice.post("/account/2fa/confirm", {"totp_code": "000000"})
    assert wrong.status_code == 400 and "That 2FA code is incorrect" in wrong.text
    assert secret not in wrong.text and "Start over with a new key" in wrong.text
    assert not app.runtime.accounts.list_users()[0].totp_enabled


async def test_turning_2fa_off_needs_the_password_a_code_and_an_email_code(
    app: Console, alice: Visitor
) -> None:
    await alice.enable_2fa()
    await alice.get("/account/2fa/disable")
    totp = alice.totp_code()  # refusals before the 2FA check leave it unused
    no_password = await alice.post(
        "/account/2fa/disable", {"password": "Wrong-Horse-9", "totp_code": totp, "email_code": "1"}
    )
    assert no_password.status_code == 400 and "The password is incorrect." in no_password.text
    no_email = await alice.post("/account/2fa/disable", {"password": PASSWORD, "totp_code": totp})
    assert no_email.status_code == 400 and "Enter the code we emailed you" in no_email.text
    assert app.runtime.accounts.list_users()[0].totp_enabled
    code = await alice.send_code("totp_disable")
    done = await alice.post(
        "/account/2fa/disable", {"password": PASSWORD, "totp_code": totp, "email_code": code}
    )
    assert done.status_code == 303 and done.headers["location"] == "/account/security?notice=2fa-disabled"
    assert not app.runtime.accounts.list_users()[0].totp_enabled
    page = await alice.get("/account/security")
    assert "Set up two-factor authentication" in page.text
