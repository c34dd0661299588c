"""Every console form carries a CSRF token; a POST without it, or with a wrong one, is refused with
403 before anything runs, and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select

from sandex.storage.orm.accounts import MailRow
from sandex.storage.orm.console import ConsoleSessionRow
from sandex.transport.console import ROUTERS
from tests.support.console import Console, Visitor, revealed


def _post_paths(api_key: str, sub: str) -> list[str]:
    paths = [
        route.path.replace("{api_key}", api_key).replace("{name}", sub)
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and "POST" in route.methods
    ]
    assert len(paths) >= 17, paths  # every form of the console
    return paths


@dataclass(frozen=True)
class Snapshot:
    users: tuple[tuple[str, bool, str], ...]
    keys: tuple[tuple[str, str, str], ...]
    subs: tuple[tuple[str, bool], ...]
    sessions: int
    mails: int


def _snapshot(app: Console) -> Snapshot:
    accounts = app.runtime.accounts
    masters = accounts.list_users()
    owners = [user.id for user in masters]
    subs = []
    for master in masters:
        for sub in accounts.list_subaccounts(master.id):
            subs.append((sub.name, sub.enabled))
            found = accounts.get_subaccount(master.id, sub.name)
            owners.append(found.id)  # type: ignore[union-attr]
    keys = [
        (info.api_key, info.state.value, info.perm_text)
        for owner in owners
        for info in app.runtime.keys.keys.list(owner)
    ]
    with app.runtime.sessions() as db:
        sessions = int(db.scalar(select(func.count()).select_from(ConsoleSessionRow)) or 0)
        mails = int(db.scalar(select(func.count()).select_from(MailRow)) or 0)
    return Snapshot(
        tuple((u.email or "", u.totp_enabled, u.status.value) for u in masters),
        tuple(sorted(keys)),
        tuple(sorted(subs)),
        sessions,
        mails,
    )


async def _world(alice: Visitor) -> tuple[str, str]:
    created = await alice.create_key("victim")
    await alice.get("/account/subaccounts")
    await alice.post("/account/subaccounts", {"name": "desk0001"})
    await alice.get("/account/api")
    return revealed(created)["api-key"], "desk0001"


@pytest.mark.parametrize("token", [None, "", "forged-token"])
async def test_every_post_without_the_right_token_is_403_and_changes_nothing(
    app: Console, alice: Visitor, token: str | None
) -> None:
    api_key, sub = await _world(alice)
    before = _snapshot(app)
    fields = {
        "email": "mallory@example.com",
        "password": "Correct-Horse-9",
        "password_repeat": "Correct-Horse-9",
        "name": "mallory01",
        "enable": "0",
        "label": "evil",
        "passphrase": "Sandex#2026",
        "perm_trade": "1",
        "purpose": "api_key_create",
        "totp_code": "123456",
        "email_code": "123456",
    }
    for path in _post_paths(api_key, sub):
        refused = await alice.post(path, fields, csrf=token)
        assert refused.status_code == 403, path
        assert "This form has expired" in refused.text
        assert refused.headers["content-security-policy"].endswith("frame-ancestors 'none'")
    assert _snapshot(app) == before


async def test_a_token_from_another_browser_does_not_work(app: Console, alice: Visitor) -> None:
    api_key, _ = await _world(alice)
    async with app.visitor() as mallory:
        await mallory.sign_up("mallory@example.com")
        await mallory.get("/account")
        stolen_elsewhere = mallory.csrf()
    before = _snapshot(app)
    refused = await alice.post(f"/account/api/{api_key}/revoke", csrf=stolen_elsewhere)
    assert refused.status_code == 403
    assert _snapshot(app) == before
    # the page's own token works
    accepted = await alice.post(f"/account/api/{api_key}/revoke", {"totp_code": alice.totp_code()})
    assert accepted.status_code == 303


async def test_a_token_from_before_sign_in_is_dead_after_it(app: Console, alice: Visitor) -> None:
    async with app.visitor() as visitor:
        await visitor.get("/login")
        anonymous_token = visitor.csrf()
        await visitor.post("/login", {"email": "alice@example.com", "password": "Correct-Horse-9"})
        refused = await visitor.post("/account/subaccounts", {"name": "desk0002"}, csrf=anonymous_token)
        assert refused.status_code == 403
    assert app.runtime.accounts.list_subaccounts(app.runtime.accounts.list_users()[0].id) == []


async def test_a_json_or_multipart_post_is_not_a_console_form(app: Console, alice: Visitor) -> None:
    await alice.get("/account/subaccounts")
    token = alice.csrf()
    as_json = await alice.http.post("/account/subaccounts", json={"name": "desk0003", "csrf_token": token})
    assert as_json.status_code == 403
    header_only = await alice.http.post(
        "/account/subaccounts",
        content=b"name=desk0003",
        headers={"content-type": "application/x-www-form-urlencoded", "x-csrf-token": token},
    )
    assert header_only.status_code == 303  # the header is how the page's script sends the token
