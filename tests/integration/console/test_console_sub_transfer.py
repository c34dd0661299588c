"""Transfers between a master and its sub-account, made by the master in the console (OKX types 1
and 2): money moves both ways between any of the accounts; refusals move nothing."""

from __future__ import annotations

import re
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.model import AccountType, TransferType
from sandex.domain.funding.transfers import TransferRequest
from sandex.services.accounts.views import UserView
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.funding.views import Funder
from sandex.services.trading.views import Trader
from tests.support.console import Console, Visitor

LIVE = Environment.LIVE
FUNDING, TRADING = LedgerAccountKind.FUNDING, LedgerAccountKind.TRADING


def _id(app: Console, who: str) -> int:
    """A user's id: alice by email, her sub-accounts by name."""
    master = app.runtime.accounts.get_user_by_email("alice@example.com")
    assert master is not None
    if who == master.email:
        return master.id
    found = app.runtime.accounts.get_subaccount(master.id, who)
    assert isinstance(found, UserView), found
    return found.id


def _usdt(app: Console, who: str, kind: LedgerAccountKind) -> Decimal:
    view = app.runtime.trading.service.balances(Trader(_id(app, who), LIVE), ["USDT"], kind=kind)
    return next((d.available for d in view.details), Decimal(0))


def _error(page: str, name: str) -> str:
    found = re.search(rf'id="{name}-error">([^<]+)<', page)
    assert found, page
    return found.group(1)


async def _world(app: Console, alice: Visitor) -> None:
    await alice.get("/account/subaccounts")
    created = await alice.post("/account/subaccounts", {"name": "desk0001"})
    assert created.status_code in (200, 303), created.text
    done = await app.runtime.trading.service.deposit(
        _id(app, "alice@example.com"), LIVE, "USDT", Decimal(100), FUNDING
    )
    assert not isinstance(done, Rejected), done


def _body(direction: str, amount: str, src: str = "funding", dst: str = "funding") -> dict[str, str]:
    return {"env": "live", "direction": direction, "ccy": "USDT", "amount": amount, "src": src, "dst": dst}


async def test_the_master_moves_money_to_and_from_its_sub_account(app: Console, alice: Visitor) -> None:
    await _world(app, alice)
    page = await alice.get("/account/subaccounts/desk0001/transfer")
    assert page.status_code == 200 and "Transfer with desk0001" in page.text
    assert "Allowed: its API keys may move its money" in page.text  # OKX's default: canTransOut true
    sent = await alice.post("/account/subaccounts/desk0001/transfer", _body("to-sub", "40"))
    assert sent.status_code == 303
    assert sent.headers["location"] == "/account/subaccounts/desk0001?env=live&notice=transfer-done"
    assert (_usdt(app, "alice@example.com", FUNDING), _usdt(app, "desk0001", FUNDING)) == (60, 40)
    back = await alice.post("/account/subaccounts/desk0001/transfer", _body("from-sub", "15", dst="trading"))
    assert back.status_code == 303
    assert _usdt(app, "desk0001", FUNDING) == 25 and _usdt(app, "alice@example.com", TRADING) == 15


async def test_refused_sub_account_transfers_move_nothing(app: Console, alice: Visitor) -> None:
    await _world(app, alice)
    cases = [
        (_body("to-sub", "100.5"), "amount", "More than the account has available."),
        (_body("to-sub", "1.0000001"), "amount", "USDT moves in steps of 0.000001."),
        (_body("from-sub", "1"), "amount", "More than the account has available."),
        (_body("sideways", "1"), "direction", "Choose which way the money moves."),
        (_body("to-sub", "0"), "amount", "The amount must be more than 0."),
    ]
    for body, name, message in cases:
        refused = await alice.post("/account/subaccounts/desk0001/transfer", body)
        assert refused.status_code == 400, body
        assert message in _error(refused.text, name), (body, refused.text)
    missing = await alice.post("/account/subaccounts/nosuch01/transfer", _body("to-sub", "1"))
    assert missing.status_code == 404
    frozen = app.runtime.accounts.set_subaccount_enabled(_id(app, "alice@example.com"), "desk0001", False)
    assert not isinstance(frozen, Rejected), frozen
    refused = await alice.post("/account/subaccounts/desk0001/transfer", _body("to-sub", "1"))
    assert refused.status_code == 400
    assert (_usdt(app, "alice@example.com", FUNDING), _usdt(app, "desk0001", FUNDING)) == (100, 0)


async def test_the_master_approves_the_sub_accounts_own_transfers_out(app: Console, alice: Visitor) -> None:
    await _world(app, alice)
    await alice.post("/account/subaccounts/desk0001/transfer", _body("to-sub", "40"))
    sub = Funder(_id(app, "desk0001"), LIVE, is_sub=True)
    by_sub_key = TransferRequest(
        TransferType.SUB_TO_MASTER_BY_SUB, "USDT", Decimal(5), AccountType.FUNDING, AccountType.FUNDING
    )
    await alice.get("/account/subaccounts/desk0001/transfer")
    stopped = await alice.post("/account/subaccounts/desk0001/transfer-out", {"env": "live", "allow": "0"})
    assert stopped.status_code == 303
    page = (await alice.get(stopped.headers["location"])).text
    assert "may no longer transfer money out" in page and "Allow its transfers out" in page
    assert await app.runtime.funding.service.transfer(sub, by_sub_key) == Rejected.of(
        Reason.TRANSFER_OUT_NOT_ALLOWED, sub="desk0001"
    )
    assert _usdt(app, "desk0001", FUNDING) == 40
    allowed = await alice.post("/account/subaccounts/desk0001/transfer-out", {"env": "live", "allow": "1"})
    assert allowed.status_code == 303
    assert not isinstance(await app.runtime.funding.service.transfer(sub, by_sub_key), Rejected)
    assert (_usdt(app, "desk0001", FUNDING), _usdt(app, "alice@example.com", FUNDING)) == (35, 65)
    other = await alice.post("/account/subaccounts/nosuch01/transfer-out", {"env": "live", "allow": "1"})
    assert other.status_code == 404
