"""Funding pages: deposit addresses, transfers between the funding and trading accounts, and the
withdrawal-address allow-list (adding or removing an address needs an email code, plus the 2FA code
when 2FA is on, and a recently typed password).

Allow-list changes take two steps, without script: the first form is checked and mails the code
bound to that very address; the second page asks for the codes and carries the address along.
"""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.model import AccountType, TransferType
from sandex.domain.funding.transfers import TransferRequest
from sandex.domain.money import format_decimal, parse_decimal
from sandex.services.funding.views import Funder
from sandex.transport.console.context import Console, ConsoleContext
from sandex.transport.console.forms import Form, FormData
from sandex.transport.console.headers import ConsoleRoute
from sandex.transport.console.markets import environment_of
from sandex.transport.console.messages import describe
from sandex.transport.console.render import redirect, render
from sandex.transport.console.responses import not_found
from sandex.transport.console.session import Fresh, Signed, Viewer
from sandex.transport.okx.client_ip import client_ip

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

ADDRESSES = "/assets/withdraw-addresses"
# Service field names → this module's form fields (anything else is about the whole form).
_FIELDS = {
    "ccy": "ccy",
    "amt": "amount",
    "amount": "amount",
    "chain": "chain",
    "addr": "addr",
    "toAddr": "addr",
    "to_addr": "addr",
    "tag": "tag",
    "label": "label",
    "from": "direction",
    "to": "direction",
    "totp": "totp_code",
    "code": "email_code",
}
_DIRECTIONS = {
    "to-trading": (AccountType.FUNDING, AccountType.TRADING),
    "to-funding": (AccountType.TRADING, AccountType.FUNDING),
}


# Refusals that are about one field whatever the service named (or did not name).
_BY_REASON = {
    Reason.CURRENCY_NOT_FOUND: ("ccy", "Choose a currency from the list."),
    Reason.TRANSFER_EXCEEDS_AVAILABLE: ("amount", "More than the account has available."),
    Reason.WITHDRAWAL_ADDRESS_INVALID: ("addr", "This is not a valid address for the network chosen."),
    Reason.WITHDRAWAL_TAG_REQUIRED: ("tag", "This network needs a memo / tag with the address."),
    Reason.WITHDRAW_ADDRESS_EXISTS: ("addr", "This address is already on your allow-list."),
}


def _errors(refused: Rejected) -> dict[str, str]:
    known = _BY_REASON.get(refused.reason)
    if known is not None:
        return {known[0]: known[1]}
    problem = describe(refused)
    field = problem.field or _FIELDS.get(refused.params.get("field", ""), "")
    return {field: problem.message}


def _ccys(console: ConsoleContext) -> list[str]:
    return [] if console.catalogue is None else list(console.catalogue.currencies)


# --- deposit addresses ---------------------------------------------------------------------------
@router.get("/assets/deposit")
def deposit(request: Request, console: Console, viewer: Signed) -> Response:
    if console.funding is None or console.catalogue is None:
        return not_found(request, viewer=viewer)
    env = environment_of(request)
    ccy = request.query_params.get("ccy", "USDT").upper()
    found = console.funding.deposit_addresses(Funder(viewer.id, env), viewer.user.uid, ccy)
    errors = _errors(found) if isinstance(found, Rejected) else {}
    addresses = [] if isinstance(found, Rejected) else found
    return render(
        request,
        "deposit.html",
        status=400 if errors else 200,
        viewer=viewer,
        env=env.value,
        ccy=ccy,
        ccys=_ccys(console),
        addresses=addresses,
        errors=errors,
    )


# --- transfers -----------------------------------------------------------------------------------
@router.get("/assets/transfer")
def transfer_page(request: Request, console: Console, viewer: Signed) -> Response:
    if console.funding is None:
        return not_found(request, viewer=viewer)
    values = {"ccy": "USDT", "amount": "", "direction": "to-trading"}
    return _transfer_form(request, console, viewer, environment_of(request), values, {})


@router.post("/assets/transfer")
async def transfer(request: Request, form: Form, console: Console, viewer: Signed) -> Response:
    if console.funding is None:
        return not_found(request, viewer=viewer)
    env = Environment.DEMO if form.text("env") == "demo" else Environment.LIVE
    values = {
        "ccy": form.text("ccy").upper(),
        "amount": form.text("amount"),
        "direction": form.text("direction"),
    }
    errors = _check_transfer(values)
    if not errors:
        src, dst = _DIRECTIONS[values["direction"]]
        amount = parse_decimal(values["amount"])
        assert amount is not None, "checked by _check_transfer"
        ask = TransferRequest(TransferType.WITHIN, values["ccy"], amount, src, dst)
        done = await console.funding.transfer(Funder(viewer.id, env), ask)
        if not isinstance(done, Rejected):
            return redirect(request, f"/assets?env={env.value}", notice="transfer-done")
        errors = transfer_errors(console, values["ccy"], done)
    return _transfer_form(request, console, viewer, env, values, errors, status=400)


def transfer_errors(console: ConsoleContext, ccy: str, refused: Rejected) -> dict[str, str]:
    """`_errors`, saying which step the currency moves in when the amount is finer than that."""
    currency = None if console.catalogue is None else console.catalogue.currency(ccy)
    if refused == Rejected.of(Reason.PARAM_ERROR, field="amt") and currency is not None:
        step = format_decimal(Decimal(1).scaleb(-currency.unit_decimals))
        return {"amount": f"{ccy} moves in steps of {step}. Use fewer decimals."}
    return _errors(refused)


def _check_transfer(values: dict[str, str]) -> dict[str, str]:
    if values["direction"] not in _DIRECTIONS:
        return {"direction": "Choose which way the money moves."}
    typed = values["amount"]
    if not typed:
        return {"amount": "Enter an amount."}
    amount = parse_decimal(typed)
    if amount is None:
        return {"amount": f"“{typed}” is not a number. Use digits and a decimal point, like 100 or 0.5."}
    if amount <= 0:
        return {"amount": "The amount must be more than 0."}
    return {}


def _transfer_form(
    request: Request,
    console: ConsoleContext,
    viewer: Viewer,
    env: Environment,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    status: int = 200,
) -> Response:
    return render(
        request,
        "transfer.html",
        status=status,
        viewer=viewer,
        env=env.value,
        ccys=_ccys(console),
        values=values,
        errors=errors,
    )


# --- the withdrawal-address allow-list -----------------------------------------------------------
def _chains(console: ConsoleContext) -> list[str]:
    if console.catalogue is None:
        return []
    return sorted({c.name for cur in console.catalogue.currencies.values() for c in cur.chains})


def _entry_values(form: FormData | None) -> dict[str, str]:
    if form is None:
        return {"chain": "", "addr": "", "tag": "", "label": ""}
    return {name: form.text(name) for name in ("chain", "addr", "tag", "label")}


def _list_page(
    request: Request,
    console: ConsoleContext,
    viewer: Viewer,
    errors: dict[str, str],
    values: dict[str, str],
    *,
    status: int = 200,
) -> Response:
    entries = [] if console.addresses is None else console.addresses.list(viewer.id)
    return render(
        request,
        "withdraw_addresses.html",
        status=status,
        viewer=viewer,
        entries=entries,
        chains=_chains(console),
        values=values,
        errors=errors,
    )


@router.get(ADDRESSES)
def addresses(request: Request, console: Console, viewer: Signed) -> Response:
    if console.addresses is None:
        return not_found(request, viewer=viewer)
    return _list_page(request, console, viewer, {}, _entry_values(None))


@router.get(ADDRESSES + "/{step:path}")
def back_to_the_list(request: Request, step: str, viewer: Signed) -> Response:
    """The form steps are POSTs; a GET of one (the way back from /reauth) shows the list again."""
    del step, viewer
    return redirect(request, ADDRESSES)


@router.post(ADDRESSES + "/new")
def add_start(request: Request, form: Form, console: Console, viewer: Fresh) -> Response:
    """Check the address and mail the code bound to it; then ask for the codes."""
    if console.addresses is None:
        return not_found(request, viewer=viewer)
    values = _entry_values(form)
    refused = console.addresses.send_add_code(
        viewer.id,
        chain=values["chain"],
        addr=values["addr"],
        tag=values["tag"],
        ip=client_ip(request, console.trusted_proxies),
    )
    if refused is not None:
        return _list_page(request, console, viewer, _errors(refused), values, status=400)
    return render(
        request, "withdraw_address_confirm.html", viewer=viewer, action="add", values=values, errors={}
    )


@router.post(ADDRESSES + "/confirm")
def add_confirm(request: Request, form: Form, console: Console, viewer: Fresh) -> Response:
    if console.addresses is None:
        return not_found(request, viewer=viewer)
    values = _entry_values(form)
    added = console.addresses.add(
        viewer.id,
        chain=values["chain"],
        addr=values["addr"],
        tag=values["tag"],
        label=values["label"],
        totp_code=form.text("totp_code") or None,
        email_code=form.text("email_code") or None,
    )
    if isinstance(added, Rejected):
        errors = _errors(added)
        if set(errors) & {"chain", "addr", "tag", "label", ""}:  # the address itself: back to the list
            return _list_page(request, console, viewer, errors, values, status=400)
        return render(
            request,
            "withdraw_address_confirm.html",
            status=400,
            viewer=viewer,
            action="add",
            values=values,
            errors=errors,
            email_code=form.text("email_code"),
        )
    return redirect(request, ADDRESSES, notice="address-added")


@router.post(ADDRESSES + "/{entry_id}/remove/start")
def remove_start(request: Request, entry_id: int, form: Form, console: Console, viewer: Fresh) -> Response:
    del form
    if console.addresses is None:
        return not_found(request, viewer=viewer)
    entry = next((e for e in console.addresses.list(viewer.id) if e.id == str(entry_id)), None)
    if entry is None:
        return _not_listed(request, console, viewer)
    refused = console.addresses.send_remove_code(
        viewer.id, entry_id, ip=client_ip(request, console.trusted_proxies)
    )
    if refused is not None:
        return _list_page(
            request, console, viewer, {"": describe(refused).message}, _entry_values(None), status=400
        )
    values = {"chain": entry.chain, "addr": entry.addr, "tag": entry.tag, "label": entry.label}
    return render(
        request,
        "withdraw_address_confirm.html",
        viewer=viewer,
        action="remove",
        entry_id=entry_id,
        values=values,
        errors={},
    )


@router.post(ADDRESSES + "/{entry_id}/remove")
def remove(request: Request, entry_id: int, form: Form, console: Console, viewer: Fresh) -> Response:
    if console.addresses is None:
        return not_found(request, viewer=viewer)
    entry = next((e for e in console.addresses.list(viewer.id) if e.id == str(entry_id)), None)
    if entry is None:
        return _not_listed(request, console, viewer)
    refused = console.addresses.remove(
        viewer.id,
        entry_id,
        totp_code=form.text("totp_code") or None,
        email_code=form.text("email_code") or None,
    )
    if refused is not None:
        values = {"chain": entry.chain, "addr": entry.addr, "tag": entry.tag, "label": entry.label}
        return render(
            request,
            "withdraw_address_confirm.html",
            status=400,
            viewer=viewer,
            action="remove",
            entry_id=entry_id,
            values=values,
            errors=_errors(refused),
            email_code=form.text("email_code"),
        )
    return redirect(request, ADDRESSES, notice="address-removed")


def _not_listed(request: Request, console: ConsoleContext, viewer: Viewer) -> Response:
    errors = {"": "This address is not on your allow-list."}
    return _list_page(request, console, viewer, errors, _entry_values(None), status=400)
