"""Funding pages: deposit addresses, transfers between funding and trading, and the withdrawal-address
allow-list (an email code bound to the address, a recent password; nothing changes on a refusal)."""

from __future__ import annotations

import re
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.services.console.sessions import SessionPolicy
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.trading.views import Trader
from tests.support.console import Console, Visitor

TRON = "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE"


def _uid(app: Console) -> int:
    user = app.runtime.accounts.get_user_by_email("alice@example.com")
    assert user is not None
    return user.id


def _balance(app: Console, env: Environment, kind: LedgerAccountKind, ccy: str = "USDT") -> Decimal:
    view = app.runtime.trading.service.balances(Trader(_uid(app), env), [ccy], kind=kind)
    return next((d.available for d in view.details), Decimal(0))


def _error(page: str, name: str) -> str:
    found = re.search(rf'id="{name}-error">([^<]+)<', page)
    assert found, page
    return found.group(1)


async def test_deposit_addresses_one_per_network_stable_and_per_environment(alice: Visitor) -> None:
    page = (await alice.get("/assets/deposit?ccy=USDT")).text
    live = re.findall(r'<h2>(USDT-[A-Z0-9]+)</h2>.*?<code id="addr-\d+">([^<]+)</code>', page, re.S)
    assert [chain for chain, _ in live] == ["USDT-TRC20", "USDT-ERC20"]
    assert live == re.findall(
        r'<h2>(USDT-[A-Z0-9]+)</h2>.*?<code id="addr-\d+">([^<]+)</code>',
        (await alice.get("/assets/deposit?ccy=USDT")).text,
        re.S,
    )
    demo = (await alice.get("/assets/deposit?ccy=USDT&env=demo")).text
    assert not {addr for _, addr in live} & set(re.findall(r'<code id="addr-\d+">([^<]+)</code>', demo))
    xrp = (await alice.get("/assets/deposit?ccy=XRP")).text
    assert re.search(r'<code id="tag-1">\d+</code>', xrp) and "or the deposit cannot be credited" in xrp
    missing = await alice.get("/assets/deposit?ccy=NOPE")
    assert missing.status_code == 400 and _error(missing.text, "ccy") == "Choose a currency from the list."


async def test_a_transfer_moves_money_between_the_accounts_of_one_environment(
    app: Console, alice: Visitor
) -> None:
    await alice.get("/assets?env=demo")
    await alice.post("/assets/faucet", {"ccy": "USDT", "amount": "100"})
    await alice.get("/assets/transfer?env=demo")
    done = await alice.post(
        "/assets/transfer", {"env": "demo", "ccy": "USDT", "amount": "40", "direction": "to-funding"}
    )
    assert done.status_code == 303 and done.headers["location"] == "/assets?env=demo&notice=transfer-done"
    assert _balance(app, Environment.DEMO, LedgerAccountKind.TRADING) == 60
    assert _balance(app, Environment.DEMO, LedgerAccountKind.FUNDING) == 40
    assert _balance(app, Environment.LIVE, LedgerAccountKind.FUNDING) == 0


async def test_a_refused_transfer_names_the_field_and_moves_nothing(app: Console, alice: Visitor) -> None:
    await alice.get("/assets?env=demo")
    await alice.post("/assets/faucet", {"ccy": "USDT", "amount": "100"})
    await alice.get("/assets/transfer?env=demo")
    base = {"env": "demo", "ccy": "USDT", "direction": "to-funding"}
    cases = [
        ({**base, "amount": "500"}, "amount", "More than the account has available."),
        ({**base, "amount": "ten"}, "amount", "“ten” is not a number."),
        ({**base, "amount": "0"}, "amount", "The amount must be more than 0."),
        ({**base, "amount": "1", "direction": "sideways"}, "direction", "Choose which way the money moves."),
        ({**base, "amount": "1", "ccy": "NOPE"}, "ccy", "Choose a currency from the list."),
        ({**base, "amount": "10.0000001"}, "amount", "USDT moves in steps of 0.000001."),
    ]
    for fields, name, message in cases:
        refused = await alice.post("/assets/transfer", fields)
        assert refused.status_code == 400, fields
        assert message in _error(refused.text, name), fields
    forged = await alice.post("/assets/transfer", {**base, "amount": "1"}, csrf="forged")
    assert forged.status_code == 403
    assert _balance(app, Environment.DEMO, LedgerAccountKind.TRADING) == 100
    assert _balance(app, Environment.DEMO, LedgerAccountKind.FUNDING) == 0


async def test_adding_an_address_needs_the_email_code_mailed_for_it(app: Console, alice: Visitor) -> None:
    await alice.get("/assets/withdraw-addresses")
    entry = {"chain": "USDT-TRC20", "addr": TRON, "tag": "", "label": "cold wallet"}
    asked = await alice.post("/assets/withdraw-addresses/new", entry)
    assert asked.status_code == 200 and "Add this address?" in asked.text and TRON in asked.text
    wrong = await alice.post("/assets/withdraw-addresses/confirm", {**entry, "email_code": "000000"})
    assert wrong.status_code == 400 and "email code is incorrect" in _error(wrong.text, "email_code")
    assert app.runtime.funding.addresses.list(_uid(app)) == []
    code = await alice.newest_mail_code()
    other = await alice.post(
        "/assets/withdraw-addresses/confirm", {**entry, "addr": TRON[:-1] + "F", "email_code": code}
    )
    assert other.status_code == 400  # the code was mailed for another address
    assert app.runtime.funding.addresses.list(_uid(app)) == []
    code = await alice.newest_mail_code()
    added = await alice.post("/assets/withdraw-addresses/confirm", {**entry, "email_code": code})
    assert added.status_code == 303, added.text
    listed = (await alice.get(added.headers["location"])).text
    assert (
        "The address is on your withdrawal allow-list." in listed
        and TRON in listed
        and "cold wallet" in listed
    )


async def test_a_bad_address_is_refused_before_any_code_is_mailed(app: Console, alice: Visitor) -> None:
    await alice.get("/assets/withdraw-addresses")
    mails = len(app.runtime.accounts.list_mail("alice@example.com"))
    bad = await alice.post("/assets/withdraw-addresses/new", {"chain": "USDT-TRC20", "addr": "aaaaaaaaaa"})
    assert bad.status_code == 400
    assert _error(bad.text, "addr") == "This is not a valid address for the network chosen."
    for addr in ("not-an-address", "0x52908400098527886E0F7030069857D2E4169EE7"):  # neither is a TRON one
        wrong = await alice.post("/assets/withdraw-addresses/new", {"chain": "USDT-TRC20", "addr": addr})
        assert wrong.status_code == 400
        assert _error(wrong.text, "addr") == "This is not a valid address for the network chosen."
    no_tag = await alice.post("/assets/withdraw-addresses/new", {"chain": "XRP-Ripple", "addr": TRON})
    assert _error(no_tag.text, "tag") == "This network needs a memo / tag with the address."
    assert len(app.runtime.accounts.list_mail("alice@example.com")) == mails


async def test_removing_an_address_needs_its_own_code(app: Console, alice: Visitor) -> None:
    await alice.get("/assets/withdraw-addresses")
    entry = {"chain": "USDT-TRC20", "addr": TRON, "tag": "", "label": ""}
    await alice.post("/assets/withdraw-addresses/new", entry)
    await alice.post(
        "/assets/withdraw-addresses/confirm", {**entry, "email_code": await alice.newest_mail_code()}
    )
    (listed,) = app.runtime.funding.addresses.list(_uid(app))
    await alice.get("/assets/withdraw-addresses")
    start = await alice.post(f"/assets/withdraw-addresses/{listed.id}/remove/start")
    assert start.status_code == 200 and "Remove this address?" in start.text
    refused = await alice.post(f"/assets/withdraw-addresses/{listed.id}/remove", {"email_code": "123"})
    assert refused.status_code == 400 and app.runtime.funding.addresses.list(_uid(app)) != []
    code = await alice.newest_mail_code()
    removed = await alice.post(f"/assets/withdraw-addresses/{listed.id}/remove", {"email_code": code})
    assert removed.status_code == 303
    assert app.runtime.funding.addresses.list(_uid(app)) == []
    gone = await alice.post(f"/assets/withdraw-addresses/{listed.id}/remove/start")
    assert gone.status_code == 400 and "not on your allow-list" in gone.text


async def test_allow_list_changes_need_a_recent_password(app: Console, alice: Visitor) -> None:
    await alice.get("/assets/withdraw-addresses")
    mails = len(app.runtime.accounts.list_mail("alice@example.com"))
    app.context.sessions.policy = SessionPolicy(reauth_ms=0)
    entry = {"chain": "USDT-TRC20", "addr": TRON, "tag": "", "label": ""}
    stale = await alice.post("/assets/withdraw-addresses/new", entry)
    assert stale.status_code == 303
    assert stale.headers["location"] == "/reauth?next=/assets/withdraw-addresses/new"
    assert len(app.runtime.accounts.list_mail("alice@example.com")) == mails  # no code mailed
    back = await alice.get("/assets/withdraw-addresses/new")  # where /reauth sends the user afterwards
    assert back.status_code == 303 and back.headers["location"] == "/assets/withdraw-addresses"
