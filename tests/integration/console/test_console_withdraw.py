"""Withdrawals from the console: to an allow-listed address, confirmed with the email code mailed
for that very withdrawal; its state page follows it; cancel while waiting. A refusal moves nothing
and leaves the code usable; a code works once."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx

from sandex.domain.accounts.model import Environment
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.funding.views import Funder, HistoryFilter
from sandex.services.trading.views import Trader
from tests.support.console import Console, Visitor

TRON = "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE"
REVIEW_MS, BROADCAST_MS = 5_000, 5_000  # the default withdrawal timing
LIVE = Environment.LIVE


def _uid(app: Console) -> int:
    user = app.runtime.accounts.get_user_by_email("alice@example.com")
    assert user is not None
    return user.id


def _funding(app: Console) -> tuple[Decimal, Decimal]:
    """USDT (available, frozen) in alice's live funding account."""
    view = app.runtime.trading.service.balances(
        Trader(_uid(app), LIVE), ["USDT"], kind=LedgerAccountKind.FUNDING
    )
    row = next((d for d in view.details), None)
    return (row.available, row.frozen) if row else (Decimal(0), Decimal(0))


def _withdrawals(app: Console) -> list[str]:
    found = app.runtime.funding.service.withdrawal_history(Funder(_uid(app), LIVE), HistoryFilter())
    assert isinstance(found, list)
    return [w.wd_id for w in found]


def _error(page: str, name: str) -> str:
    found = re.search(rf'id="{name}-error">([^<]+)<', page)
    assert found, page
    return found.group(1)


async def _ready(app: Console, alice: Visitor) -> str:
    """100 USDT in live funding and TRON on the allow-list; answers the entry's id."""
    done = await app.runtime.trading.service.deposit(
        _uid(app), LIVE, "USDT", Decimal(100), LedgerAccountKind.FUNDING
    )
    assert not isinstance(done, Exception)
    await alice.get("/assets/withdraw-addresses")
    entry = {"chain": "USDT-TRC20", "addr": TRON, "tag": "", "label": "cold"}
    await alice.post("/assets/withdraw-addresses/new", entry)
    added = await alice.post(
        "/assets/withdraw-addresses/confirm", {**entry, "email_code": await alice.newest_mail_code()}
    )
    assert added.status_code == 303, added.text
    page = (await alice.get("/assets/withdraw")).text
    found = re.search(r'<option value="(\d+)"[^>]*>USDT · USDT-TRC20 · cold \(fee 1 USDT, min 1\)', page)
    assert found, page
    return found.group(1)


async def _start(alice: Visitor, entry: str, amount: str) -> httpx.Response:
    asked = await alice.post("/assets/withdraw/start", {"env": "live", "entry": entry, "amount": amount})
    assert asked.status_code == 200 and "Send this withdrawal?" in asked.text, asked.text
    return asked


async def _withdraw(alice: Visitor, entry: str, amount: str) -> str:
    await _start(alice, entry, amount)
    code = await alice.newest_mail_code()
    done = await alice.post(
        "/assets/withdraw/confirm", {"env": "live", "entry": entry, "amount": amount, "email_code": code}
    )
    assert done.status_code == 303, done.text
    found = re.fullmatch(r"/assets/withdrawal\?id=(\d+)&env=live", done.headers["location"])
    assert found, done.headers["location"]
    return found.group(1)


def _state(page: str) -> str:
    found = re.search(r'id="wd-state" data-state="([-0-9]+)">([^<]+)<', page)
    assert found, page
    return found.group(2)


async def test_a_withdrawal_is_confirmed_with_its_code_and_moves_through_its_states(
    app: Console, alice: Visitor
) -> None:
    entry = await _ready(app, alice)
    asked = await _start(alice, entry, "10")
    assert TRON in asked.text and "10 USDT" in asked.text and "1 USDT" in asked.text  # the fee shown
    assert _withdrawals(app) == [] and _funding(app) == (100, 0)  # nothing moves before the codes
    wd_id = await _withdraw(alice, entry, "10")
    assert _funding(app) == (89, 11)  # amount and fee held
    page = (await alice.get(f"/assets/withdrawal?id={wd_id}&env=live")).text
    assert _state(page) == "Waiting" and 'http-equiv="refresh"' in page and "Cancel withdrawal" in page
    app.runtime.clock.advance(REVIEW_MS)
    await app.runtime.funding.service.advance()
    page = (await alice.get(f"/assets/withdrawal?id={wd_id}&env=live")).text
    assert _state(page) == "Broadcasting" and "Cancel withdrawal" not in page
    app.runtime.clock.advance(BROADCAST_MS)
    await app.runtime.funding.service.advance()
    page = (await alice.get(f"/assets/withdrawal?id={wd_id}&env=live")).text
    assert _state(page) == "Completed" and 'http-equiv="refresh"' not in page
    assert _funding(app) == (89, 0)
    listed = (await alice.get("/assets/withdraw")).text
    assert f'href="/assets/withdrawal?id={wd_id}&amp;env=live">10 USDT</a>' in listed


async def test_a_waiting_withdrawal_can_be_canceled_and_its_hold_comes_back(
    app: Console, alice: Visitor
) -> None:
    entry = await _ready(app, alice)
    wd_id = await _withdraw(alice, entry, "10")
    canceled = await alice.post("/assets/withdrawal/cancel", {"env": "live", "id": wd_id})
    assert canceled.status_code == 303
    page = (await alice.get(canceled.headers["location"])).text
    assert _state(page) == "Canceled" and "amount and fee are back" in page
    assert _funding(app) == (100, 0)
    again = await alice.post("/assets/withdrawal/cancel", {"env": "live", "id": wd_id})
    assert again.status_code == 400 and _state(again.text) == "Canceled"


async def test_refusals_move_nothing_and_a_code_works_once(app: Console, alice: Visitor) -> None:
    entry = await _ready(app, alice)
    await _start(alice, entry, "10")
    code = await alice.newest_mail_code()
    body = {"env": "live", "entry": entry, "amount": "10"}
    wrong = await alice.post("/assets/withdraw/confirm", {**body, "email_code": "000000"})
    assert wrong.status_code == 400 and "email code is incorrect" in _error(wrong.text, "email_code")
    other = await alice.post("/assets/withdraw/confirm", {**body, "amount": "11", "email_code": code})
    assert other.status_code == 400  # the code was mailed for 10, not 11
    assert _withdrawals(app) == [] and _funding(app) == (100, 0)
    done = await alice.post("/assets/withdraw/confirm", {**body, "email_code": code})
    assert done.status_code == 303  # the refusals left the code usable
    replay = await alice.post("/assets/withdraw/confirm", {**body, "email_code": code})
    assert replay.status_code == 400
    assert len(_withdrawals(app)) == 1 and _funding(app) == (89, 11)


async def test_amounts_are_checked_before_a_code_is_mailed(app: Console, alice: Visitor) -> None:
    entry = await _ready(app, alice)
    mails = len(app.runtime.accounts.list_mail("alice@example.com"))
    cases = [
        ("10.0000001", "amount", "Too many decimals for this network."),  # wdTickSz 6
        ("0.5", "amount", "Less than the minimum withdrawal on this network."),
        ("ten", "amount", "Enter an amount, like 100 or 0.5."),
    ]
    for amount, name, message in cases:
        refused = await alice.post(
            "/assets/withdraw/start", {"env": "live", "entry": entry, "amount": amount}
        )
        assert refused.status_code == 400, amount
        assert _error(refused.text, name) == message, amount
    missing = await alice.post("/assets/withdraw/start", {"env": "live", "entry": "999", "amount": "10"})
    assert missing.status_code == 400
    assert _error(missing.text, "entry") == "Choose an address from your allow-list."
    assert len(app.runtime.accounts.list_mail("alice@example.com")) == mails
    # The balance is the sequencer's to check: after the codes.
    await _start(alice, entry, "99.5")  # 99.5 + fee 1 > 100
    code = await alice.newest_mail_code()
    refused = await alice.post(
        "/assets/withdraw/confirm", {"env": "live", "entry": entry, "amount": "99.5", "email_code": code}
    )
    assert refused.status_code == 400
    assert _error(refused.text, "amount") == "More than the account has available, with the fee."
    assert _withdrawals(app) == [] and _funding(app) == (100, 0)
