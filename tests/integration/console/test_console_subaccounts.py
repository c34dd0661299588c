"""Sub-accounts in the console: create, freeze and unfreeze, and their own API keys."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.keys.model import KeyState
from sandex.services.exchange.records import LedgerAccountKind
from tests.support.console import Console, Visitor, balance_cell, call_okx, revealed


async def _sub(alice: Visitor, name: str = "desk0001") -> None:
    await alice.get("/account/subaccounts")
    created = await alice.post("/account/subaccounts", {"name": name, "label": "grid desk"})
    assert (
        created.status_code == 303
        and created.headers["location"] == f"/account/subaccounts/{name}?notice=sub-created"
    )


async def test_create_and_list_sub_accounts_with_precise_errors(app: Console, alice: Visitor) -> None:
    await _sub(alice)
    listing = await alice.get("/account/subaccounts")
    assert "desk0001" in listing.text and "grid desk" in listing.text and "Active" in listing.text
    bad = await alice.post("/account/subaccounts", {"name": "no spaces"})
    assert bad.status_code == 400 and "Use 6–20 letters or digits, no spaces." in bad.text
    assert 'id="name-error"' in bad.text and 'value="no spaces"' in bad.text
    taken = await alice.post("/account/subaccounts", {"name": "desk0001"})
    assert "That sub-account name is already taken." in taken.text
    master = app.runtime.accounts.list_users()[0]
    assert [sub.name for sub in app.runtime.accounts.list_subaccounts(master.id)] == ["desk0001"]


async def test_a_sub_account_key_acts_for_the_sub_and_stops_when_frozen(app: Console, alice: Visitor) -> None:
    await _sub(alice)
    await alice.enable_2fa()  # a key is created only with 2FA on
    form = await alice.get("/account/subaccounts/desk0001/api/new")
    assert "Sub-account keys cannot withdraw." in form.text and 'name="perm_withdraw"' not in form.text
    created = await alice.create_key("subbot", path="/account/subaccounts/desk0001/api/new")
    assert created.status_code == 200, created.text
    creds = revealed(created)
    activation = await alice.newest_mail_code()  # the sub-account's codes go to its master
    await alice.get(f"/account/api/{creds['api-key']}/activate")
    done = await alice.post(f"/account/api/{creds['api-key']}/activate", {"email_code": activation})
    assert done.headers["location"] == "/account/subaccounts/desk0001?notice=key-activated"
    page = await alice.get("/account/subaccounts/desk0001")
    assert creds["api-key"] in page.text and "Active" in page.text
    assert creds["api-key"] not in (await alice.get("/account/api")).text  # not a main-account key
    sub = app.runtime.accounts.get_subaccount(app.runtime.accounts.list_users()[0].id, "desk0001")
    assert app.runtime.keys.keys.get(creds["api-key"]).user_id == sub.id  # type: ignore[union-attr]
    assert (await call_okx(alice, creds))["code"] == "0"

    frozen = await alice.post("/account/subaccounts/desk0001/status", {"enable": "0"})
    assert frozen.headers["location"] == "/account/subaccounts/desk0001?notice=sub-frozen"
    page = await alice.get("/account/subaccounts/desk0001")
    assert "This sub-account is frozen" in page.text and "Unfreeze" in page.text
    assert await _code_soon(alice, creds, lambda code: code != "0") == "50007"  # account blocked
    await alice.post("/account/subaccounts/desk0001/status", {"enable": "1"})
    assert await _code_soon(alice, creds, lambda code: code == "0") == "0"
    assert app.runtime.keys.keys.get(creds["api-key"]).state is KeyState.ACTIVE  # type: ignore[union-attr]


async def _code_soon(alice: Visitor, creds: dict[str, str], wanted: Callable[[str], bool]) -> str:
    """Servers see an owner's new status within a poll of the change counters (250 ms)."""
    for _ in range(40):
        code = (await call_okx(alice, creds))["code"]
        if wanted(code):
            return code
        await asyncio.sleep(0.05)
    return code


async def test_someone_elses_sub_account_is_not_found(app: Console, alice: Visitor) -> None:
    await _sub(alice)
    async with app.visitor() as mallory:
        await mallory.sign_up("mallory@example.com")
        assert (await mallory.get("/account/subaccounts/desk0001")).status_code == 404
        assert (await mallory.get("/account/subaccounts/desk0001/api/new")).status_code == 404
        await mallory.get("/account/subaccounts")
        assert (
            await mallory.post("/account/subaccounts/desk0001/status", {"enable": "0"})
        ).status_code == 404
    master = app.runtime.accounts.list_users()[-1]
    assert app.runtime.accounts.list_subaccounts(master.id)[0].enabled


async def test_a_sub_accounts_page_shows_its_balances_per_environment(app: Console, alice: Visitor) -> None:
    await _sub(alice)
    sub = app.runtime.accounts.get_subaccount(app.runtime.accounts.list_users()[0].id, "desk0001")
    assert sub is not None
    service = app.runtime.trading.service
    await service.deposit(sub.id, Environment.LIVE, "USDT", Decimal("1500.25"))
    await service.deposit(sub.id, Environment.LIVE, "BTC", Decimal("0.5"), LedgerAccountKind.FUNDING)
    await service.deposit(sub.id, Environment.DEMO, "ETH", Decimal(2))
    live = (await alice.get("/account/subaccounts/desk0001")).text
    assert balance_cell(live, "trading", "USDT") == "1,500.25"
    assert balance_cell(live, "funding", "BTC") == "0.5"
    assert balance_cell(live, "trading", "ETH") is None  # demo money stays on the demo tab
    demo = (await alice.get("/account/subaccounts/desk0001?env=demo")).text
    assert balance_cell(demo, "trading", "ETH") == "2" and balance_cell(demo, "trading", "USDT") is None
    master = (await alice.get("/assets")).text
    assert balance_cell(master, "trading", "USDT") is None  # the master's own assets are its own
