"""Transfers between the master and one of its sub-accounts, made by the master (OKX types 1 and 2):
the master's approval is the master acting. A sub-account's own API keys move money out (types 3
and 4) only when the master has allowed it (`canTransOut`, 58119 otherwise): the master switches
that here too.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.funding.model import AccountType, TransferType
from sandex.domain.funding.transfers import TransferRequest
from sandex.domain.money import parse_decimal
from sandex.services.accounts.views import UserView
from sandex.services.funding.views import Funder
from sandex.transport.console.context import Console, ConsoleContext
from sandex.transport.console.forms import Form
from sandex.transport.console.funding_pages import transfer_errors
from sandex.transport.console.headers import ConsoleRoute
from sandex.transport.console.markets import environment_of
from sandex.transport.console.render import redirect, render
from sandex.transport.console.responses import not_found
from sandex.transport.console.session import Signed, Viewer

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

PATH = "/account/subaccounts/{name}/transfer"
_DIRECTIONS = {"to-sub": TransferType.MASTER_TO_SUB, "from-sub": TransferType.SUB_TO_MASTER}
_ACCOUNTS = {"funding": AccountType.FUNDING, "trading": AccountType.TRADING}


def _sub(console: ConsoleContext, viewer: Viewer, name: str) -> UserView | None:
    found = console.accounts.get_subaccount(viewer.id, name)
    return None if isinstance(found, Rejected) else found


def _check(values: dict[str, str]) -> dict[str, str]:
    if values["direction"] not in _DIRECTIONS:
        return {"direction": "Choose which way the money moves."}
    if values["src"] not in _ACCOUNTS or values["dst"] not in _ACCOUNTS:
        return {"src": "Choose the funding or the trading account."}
    amount = parse_decimal(values["amount"]) if values["amount"] else None
    if amount is None:
        return {"amount": "Enter an amount, like 100 or 0.5."}
    if amount <= 0:
        return {"amount": "The amount must be more than 0."}
    return {}


@router.get(PATH)
def page(request: Request, name: str, console: Console, viewer: Signed) -> Response:
    sub = _sub(console, viewer, name)
    if sub is None or console.funding is None:
        return not_found(request, viewer=viewer)
    values = {"direction": "to-sub", "ccy": "USDT", "amount": "", "src": "funding", "dst": "funding"}
    return _form(request, console, viewer, sub, environment_of(request), values, {})


@router.post(PATH)
async def transfer(request: Request, name: str, form: Form, console: Console, viewer: Signed) -> Response:
    sub = _sub(console, viewer, name)
    if sub is None or console.funding is None:
        return not_found(request, viewer=viewer)
    env = Environment.DEMO if form.text("env") == "demo" else Environment.LIVE
    values = {n: form.text(n) for n in ("direction", "ccy", "amount", "src", "dst")}
    values["ccy"] = values["ccy"].upper()
    errors = _check(values)
    if not errors:
        amount = parse_decimal(values["amount"])
        assert amount is not None, "checked by _check"
        ask = TransferRequest(
            _DIRECTIONS[values["direction"]],
            values["ccy"],
            amount,
            _ACCOUNTS[values["src"]],
            _ACCOUNTS[values["dst"]],
            sub_acct=name,
        )
        done = await console.funding.transfer(Funder(viewer.id, env), ask)
        if not isinstance(done, Rejected):
            return redirect(request, f"/account/subaccounts/{name}?env={env.value}", notice="transfer-done")
        errors = transfer_errors(console, values["ccy"], done)
    return _form(request, console, viewer, sub, env, values, errors, status=400)


def _form(
    request: Request,
    console: ConsoleContext,
    viewer: Viewer,
    sub: UserView,
    env: Environment,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    status: int = 200,
) -> Response:
    return render(
        request,
        "sub_transfer.html",
        status=status,
        viewer=viewer,
        sub=sub,
        env=env.value,
        ccys=[] if console.catalogue is None else list(console.catalogue.currencies),
        values=values,
        errors=errors,
    )


@router.post("/account/subaccounts/{name}/transfer-out")
def approve_transfer_out(
    request: Request, name: str, form: Form, console: Console, viewer: Signed
) -> Response:
    """The master allows (or stops) the sub-account's own API keys moving money out."""
    allowed = form.text("allow") == "1"
    changed = console.accounts.set_subaccount_transfer_out(viewer.id, name, allowed)
    if isinstance(changed, Rejected):
        return not_found(request, viewer=viewer)
    env = "demo" if form.text("env") == "demo" else "live"
    notice = "sub-transfer-out-on" if allowed else "sub-transfer-out-off"
    return redirect(request, f"/account/subaccounts/{name}/transfer?env={env}", notice=notice)
