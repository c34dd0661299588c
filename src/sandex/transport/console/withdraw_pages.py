"""Withdrawals from the web: pick an allow-listed address, an amount (the chain's fee shown), confirm
with the email code mailed for that withdrawal (and the 2FA code when 2FA is on); then follow its
state on its own page (refreshed while it moves) and cancel it while it is still waiting.

Two steps without script, as the allow-list: the first form is checked and mails the code bound to
that withdrawal; the second page asks for the codes and carries the withdrawal along.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.model import WithdrawalState
from sandex.domain.instruments import Catalogue, Chain
from sandex.domain.money import parse_decimal
from sandex.services.funding.views import AllowListView, Funder, HistoryFilter, WithdrawalView
from sandex.services.funding.web_withdrawal import WebWithdrawal
from sandex.transport.console.context import Console, ConsoleContext
from sandex.transport.console.forms import Form, FormData
from sandex.transport.console.headers import ConsoleRoute
from sandex.transport.console.markets import environment_of
from sandex.transport.console.messages import describe
from sandex.transport.console.numbers import plain
from sandex.transport.console.render import redirect, render
from sandex.transport.console.responses import not_found
from sandex.transport.console.session import Fresh, Signed, Viewer
from sandex.transport.okx.client_ip import client_ip

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

WITHDRAW = "/assets/withdraw"
WITHDRAWAL = "/assets/withdrawal"  # one withdrawal: ?id=…&env=…
STATE_NAMES = {
    WithdrawalState.WAITING: "Waiting",
    WithdrawalState.BROADCASTING: "Broadcasting",
    WithdrawalState.SUCCESS: "Completed",
    WithdrawalState.FAILED: "Failed",
    WithdrawalState.CANCELED: "Canceled",
}
_BY_REASON = {
    Reason.WITHDRAW_ADDRESS_UNKNOWN: ("entry", "Choose an address from your allow-list."),
    Reason.WITHDRAWAL_BELOW_MIN: ("amount", "Less than the minimum withdrawal on this network."),
    Reason.WITHDRAWAL_ABOVE_MAX: ("amount", "More than one withdrawal may take."),
    Reason.TRANSFER_AMOUNT_INVALID: ("amount", "The amount must be more than 0."),
    Reason.FUNDING_INSUFFICIENT: ("amount", "More than the account has available, with the fee."),
    Reason.WITHDRAWAL_DAILY_LIMIT: ("amount", "This would pass your daily withdrawal limit."),
}
_FIELDS = {"amt": "amount", "totp": "totp_code", "code": "email_code"}


def _errors(refused: Rejected) -> dict[str, str]:
    known = _BY_REASON.get(refused.reason)
    if known is not None:
        return {known[0]: known[1]}
    problem = describe(refused)
    if refused == Rejected.of(Reason.PARAM_ERROR, field="amt"):
        return {"amount": "Too many decimals for this network."}
    return {problem.field or _FIELDS.get(refused.params.get("field", ""), ""): problem.message}


def _chain(catalogue: Catalogue | None, name: str) -> tuple[str, Chain] | None:
    """The currency and chain an allow-list entry's network belongs to."""
    for currency in [] if catalogue is None else catalogue.currencies.values():
        for chain in currency.chains:
            if chain.name == name:
                return currency.ccy, chain
    return None


def _entries(console: ConsoleContext, viewer: Viewer) -> list[tuple[AllowListView, str, Chain]]:
    """The on-chain allow-list entries, each with its currency and chain (fee, minimum)."""
    listed = [] if console.addresses is None else console.addresses.list(viewer.id)
    found = [(e, _chain(console.catalogue, e.chain)) for e in listed if e.chain]
    return [(e, pair[0], pair[1]) for e, pair in found if pair is not None]


def _values(form: FormData | None) -> dict[str, str]:
    return {"entry": "", "amount": ""} if form is None else {n: form.text(n) for n in ("entry", "amount")}


def _ask(
    console: ConsoleContext, viewer: Viewer, values: dict[str, str]
) -> tuple[WebWithdrawal, AllowListView] | dict[str, str]:
    """The withdrawal the form describes, or the form's errors."""
    entry = next((row for row in _entries(console, viewer) if row[0].id == values["entry"]), None)
    if entry is None:
        return {"entry": "Choose an address from your allow-list."}
    amount = parse_decimal(values["amount"]) if values["amount"] else None
    if amount is None:
        return {"amount": "Enter an amount, like 100 or 0.5."}
    if amount <= 0:
        return {"amount": "The amount must be more than 0."}
    return WebWithdrawal(int(entry[0].id), entry[1], amount), entry[0]


def _env(form: FormData) -> Environment:
    return Environment.DEMO if form.text("env") == "demo" else Environment.LIVE


def _form_page(
    request: Request,
    console: ConsoleContext,
    viewer: Viewer,
    env: Environment,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    status: int = 200,
) -> Response:
    recent: list[WithdrawalView] | Rejected = []
    if console.funding is not None:
        recent = console.funding.withdrawal_history(Funder(viewer.id, env), HistoryFilter(limit=20))
    return render(
        request,
        "withdraw.html",
        status=status,
        viewer=viewer,
        env=env.value,
        entries=_entries(console, viewer),
        values=values,
        errors=errors,
        recent=[] if isinstance(recent, Rejected) else recent,
        state_names=STATE_NAMES,
        plain=plain,
    )


@router.get(WITHDRAW)
def withdraw_page(request: Request, console: Console, viewer: Signed) -> Response:
    if console.withdrawals is None:
        return not_found(request, viewer=viewer)
    return _form_page(request, console, viewer, environment_of(request), _values(None), {})


@router.get(WITHDRAW + "/{step:path}")
def back_to_the_form(request: Request, step: str, viewer: Signed) -> Response:
    """The form steps are POSTs; a GET of one (the way back from /reauth) shows the form again."""
    del step, viewer
    return redirect(request, WITHDRAW)


@router.post(WITHDRAW + "/start")
async def start(request: Request, form: Form, console: Console, viewer: Fresh) -> Response:
    """Check the withdrawal and mail the code bound to it; then ask for the codes."""
    if console.withdrawals is None:
        return not_found(request, viewer=viewer)
    env, values = _env(form), _values(form)
    ask = _ask(console, viewer, values)
    if isinstance(ask, dict):
        return _form_page(request, console, viewer, env, values, ask, status=400)
    wanted, entry = ask
    refused = await console.withdrawals.send_code(
        Funder(viewer.id, env), wanted, ip=client_ip(request, console.trusted_proxies)
    )
    if refused is not None:
        return _form_page(request, console, viewer, env, values, _errors(refused), status=400)
    return _confirm_page(request, console, viewer, env, values, entry, {})


@router.post(WITHDRAW + "/confirm")
async def confirm(request: Request, form: Form, console: Console, viewer: Fresh) -> Response:
    if console.withdrawals is None:
        return not_found(request, viewer=viewer)
    env, values = _env(form), _values(form)
    ask = _ask(console, viewer, values)
    if isinstance(ask, dict):
        return _form_page(request, console, viewer, env, values, ask, status=400)
    wanted, entry = ask
    done = await console.withdrawals.withdraw(
        Funder(viewer.id, env),
        wanted,
        totp_code=form.text("totp_code") or None,
        email_code=form.text("email_code") or None,
    )
    if not isinstance(done, Rejected):
        return redirect(request, _detail_path(done.wd_id, env))
    errors = _errors(done)
    if set(errors) & {"entry", "amount", ""}:  # the withdrawal itself: back to the form
        return _form_page(request, console, viewer, env, values, errors, status=400)
    return _confirm_page(
        request, console, viewer, env, values, entry, errors, status=400, email_code=form.text("email_code")
    )


def _confirm_page(
    request: Request,
    console: ConsoleContext,
    viewer: Viewer,
    env: Environment,
    values: dict[str, str],
    entry: AllowListView,
    errors: dict[str, str],
    *,
    status: int = 200,
    email_code: str = "",
) -> Response:
    found = _chain(console.catalogue, entry.chain)
    return render(
        request,
        "withdraw_confirm.html",
        status=status,
        viewer=viewer,
        env=env.value,
        values=values,
        entry=entry,
        ccy=found[0] if found else "",
        fee=plain(found[1].wd_fee) if found else "0",
        errors=errors,
        email_code=email_code,
    )


# --- one withdrawal: its state, and cancel while waiting -----------------------------------------
def _detail_path(wd_id: str, env: Environment) -> str:
    return f"{WITHDRAWAL}?id={wd_id}&env={env.value}"


def _find(console: ConsoleContext, viewer: Viewer, env: Environment, wd_id: str) -> WithdrawalView | None:
    if console.funding is None:
        return None
    found = console.funding.withdrawal_history(Funder(viewer.id, env), HistoryFilter(record_id=wd_id))
    return None if isinstance(found, Rejected) or not found else found[0]


@router.get(WITHDRAWAL)
def withdrawal(request: Request, console: Console, viewer: Signed) -> Response:
    """One withdrawal (`?id=`): without an id, the withdraw page and its recent withdrawals."""
    env, wd_id = environment_of(request), request.query_params.get("id", "")
    if not wd_id:
        return redirect(request, f"{WITHDRAW}?env={env.value}")
    found = _find(console, viewer, env, wd_id)
    if found is None:
        return not_found(request, viewer=viewer)
    return _detail(request, viewer, env, found, {})


def _detail(
    request: Request,
    viewer: Viewer,
    env: Environment,
    found: WithdrawalView,
    errors: dict[str, str],
    *,
    status: int = 200,
) -> Response:
    return render(
        request,
        "withdrawal.html",
        status=status,
        viewer=viewer,
        env=env.value,
        wd=found,
        state_name=STATE_NAMES[found.state],
        cancellable=found.state is WithdrawalState.WAITING,
        moving=not found.state.is_final,
        errors=errors,
        plain=plain,
    )


@router.post(WITHDRAWAL + "/cancel")
async def cancel(request: Request, form: Form, console: Console, viewer: Signed) -> Response:
    env, wd_id = _env(form), form.text("id")
    if console.funding is None or _find(console, viewer, env, wd_id) is None:
        return not_found(request, viewer=viewer)
    canceled = await console.funding.cancel_withdrawal(Funder(viewer.id, env), wd_id)
    if isinstance(canceled, Rejected):
        found = _find(console, viewer, env, wd_id)
        assert found is not None, "withdrawals are never deleted"
        return _detail(request, viewer, env, found, {"": describe(canceled).message}, status=400)
    return redirect(request, _detail_path(wd_id, env), notice="withdrawal-canceled")
