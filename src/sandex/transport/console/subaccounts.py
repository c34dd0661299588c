"""Sub-accounts: list and create them, freeze and unfreeze them, and manage their API keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.services.accounts.views import UserView
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.trading.views import Trader
from sandex.transport.console.assets import usd_text
from sandex.transport.console.context import Console, ConsoleContext
from sandex.transport.console.forms import Form
from sandex.transport.console.headers import ConsoleRoute
from sandex.transport.console.keys import new_key_form, submit_new_key
from sandex.transport.console.keys_view import key_row
from sandex.transport.console.markets import environment_of
from sandex.transport.console.messages import errors_of
from sandex.transport.console.numbers import plain
from sandex.transport.console.render import redirect, render
from sandex.transport.console.responses import not_found
from sandex.transport.console.session import Fresh, Signed, Viewer

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

SUB_NOT_FOUND = "This sub-account does not exist, or it is not yours."


@router.get("/account/subaccounts")
def sub_list(request: Request, console: Console, viewer: Signed) -> Response:
    return _list(request, console, viewer, name="", label="", errors={})


@router.post("/account/subaccounts")
def sub_create(request: Request, form: Form, console: Console, viewer: Signed) -> Response:
    name, label = form.text("name"), form.text("label")
    created = console.accounts.create_subaccount(viewer.id, name, label)
    if isinstance(created, Rejected):
        return _list(request, console, viewer, name=name, label=label, errors=errors_of(created), status=400)
    return redirect(request, f"/account/subaccounts/{created.sub_name}", notice="sub-created")


def _list(
    request: Request,
    console: ConsoleContext,
    viewer: Viewer,
    *,
    name: str,
    label: str,
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    subs = console.accounts.list_subaccounts(viewer.id)
    return render(
        request,
        "subaccounts.html",
        status=status,
        viewer=viewer,
        subs=subs,
        name=name,
        label=label,
        errors=errors,
    )


@router.get("/account/subaccounts/{name}")
def sub_detail(request: Request, name: str, console: Console, viewer: Signed) -> Response:
    sub = _sub(console, viewer, name)
    if sub is None:
        return not_found(request, SUB_NOT_FOUND, viewer)
    now = console.clock.now_ms()
    rows = [key_row(info, now, name) for info in console.keys.list(sub.id)]
    env = environment_of(request)
    accounts = _balances(console, sub.id, env)
    return render(
        request,
        "subaccount.html",
        viewer=viewer,
        sub=sub,
        rows=rows,
        errors={},
        env=env.value,
        accounts=accounts,
        fmt=plain,
        usd=usd_text,
    )


def _balances(console: ConsoleContext, user_id: int, env: Environment) -> list[tuple[str, str, Any]]:
    """The sub-account's trading and funding balances in `env` (none without the trading service)."""
    trading = console.trading
    if trading is None:
        return []
    trader = Trader(user_id, env)
    return [
        ("trading", "Trading account", trading.balances(trader)),
        ("funding", "Funding account", trading.balances(trader, kind=LedgerAccountKind.FUNDING)),
    ]


@router.post("/account/subaccounts/{name}/status")
def sub_status(request: Request, form: Form, name: str, console: Console, viewer: Signed) -> Response:
    enable = form.text("enable") == "1"
    changed = console.accounts.set_subaccount_enabled(viewer.id, name, enable)
    if isinstance(changed, Rejected):
        return not_found(request, SUB_NOT_FOUND, viewer)
    return redirect(
        request, f"/account/subaccounts/{name}", notice="sub-unfrozen" if enable else "sub-frozen"
    )


@router.get("/account/subaccounts/{name}/api/new")
def sub_new_key_page(request: Request, name: str, console: Console, viewer: Fresh) -> Response:
    sub = _sub(console, viewer, name)
    if sub is None:
        return not_found(request, SUB_NOT_FOUND, viewer)
    return new_key_form(request, console, viewer, owner_id=sub.id, action=request.url.path, sub_name=name)


@router.post("/account/subaccounts/{name}/api/new")
def sub_create_key(request: Request, form: Form, name: str, console: Console, viewer: Fresh) -> Response:
    sub = _sub(console, viewer, name)
    if sub is None:
        return not_found(request, SUB_NOT_FOUND, viewer)
    return submit_new_key(
        request, console, viewer, form, owner_id=sub.id, action=request.url.path, sub_name=name
    )


def _sub(console: ConsoleContext, viewer: Viewer, name: str) -> UserView | None:
    found = console.accounts.get_subaccount(viewer.id, name)
    return None if isinstance(found, Rejected) else found
