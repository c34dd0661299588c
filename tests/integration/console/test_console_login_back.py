"""Back to a sign-in page once signed in: on to where the user was going, never a redirect loop."""

from __future__ import annotations

from tests.support.console import Console, Visitor
from tests.support.factories import PASSWORD


async def _lands(visitor: Visitor, path: str) -> str:
    """Where following the redirects from `path` ends (a loop raises TooManyRedirects)."""
    landed = await visitor.http.get(path, follow_redirects=True)
    assert landed.status_code == 200, landed.text
    return landed.url.path


async def _signed_in_with_2fa(alice: Visitor, app: Console, visitor: Visitor) -> None:
    await alice.enable_2fa()
    visitor.totp, visitor.last_step = alice.totp, alice.last_step
    step_one = await visitor.log_in()
    assert step_one.headers["location"] == "/login/2fa?next=/account"
    await visitor.get("/login/2fa?next=/account")
    done = await visitor.post("/login/2fa", {"totp_code": visitor.totp_code(), "next": "/assets"})
    assert done.status_code == 303 and done.headers["location"] == "/assets"


async def test_back_to_the_2fa_step_after_signing_in_goes_on_to_the_target(
    alice: Visitor, app: Console
) -> None:
    async with app.visitor() as visitor:
        await _signed_in_with_2fa(alice, app, visitor)
        back = await visitor.http.get("/login/2fa?next=/assets")
        assert back.status_code == 303 and back.headers["location"] == "/assets"
        assert await _lands(visitor, "/login/2fa") == "/account"
        assert await _lands(visitor, "/login?next=/login/2fa") == "/account"
        assert await _lands(visitor, "/login?next=/login") == "/account"
        assert await _lands(visitor, "/login?next=/orders") == "/orders"


async def test_the_2fa_step_when_signed_out_asks_for_the_password_keeping_the_target(app: Console) -> None:
    async with app.visitor() as visitor:
        page = await visitor.http.get("/login/2fa?next=/assets")
        assert page.status_code == 303 and page.headers["location"] == "/login?next=/assets"
        assert await _lands(visitor, "/login/2fa") == "/login"


async def test_signing_in_from_the_2fa_step_itself_does_not_come_back_to_it(
    alice: Visitor, app: Console
) -> None:
    async with app.visitor() as visitor:
        await alice.enable_2fa()
        visitor.totp, visitor.last_step = alice.totp, alice.last_step
        await visitor.get("/login?next=/login/2fa")
        step_one = await visitor.post(
            "/login", {"email": "alice@example.com", "password": PASSWORD, "next": "/login/2fa"}
        )
        assert step_one.headers["location"] == "/login/2fa?next=/account"
        await visitor.get(step_one.headers["location"])
        done = await visitor.post("/login/2fa", {"totp_code": visitor.totp_code(), "next": "/login/2fa"})
        assert done.status_code == 303 and done.headers["location"] == "/account"
        assert await _lands(visitor, "/login/2fa?next=/login/2fa") == "/account"
