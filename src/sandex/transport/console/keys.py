"""API Management: the key list, Create API Key with its reveal-once dialog, activation, a key's
audit trail, and the least-privilege report. Edit, revoke and delete are in `keys_manage`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandex.domain.accounts.email_codes import CodePurpose
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.keys.rules import MAX_KEYS_PER_ACCOUNT, check_key_count
from sandex.services.keys.views import CreatedKey, KeyInfo
from sandex.transport.console.context import Console, ConsoleContext
from sandex.transport.console.forms import Form, FormData
from sandex.transport.console.headers import ConsoleRoute
from sandex.transport.console.keys_download import key_file_href, key_file_name
from sandex.transport.console.keys_forms import (
    EXPIRY_CHOICES,
    KEEP,
    KeyFormValues,
    confirmation,
    create_request,
    environment_of,
)
from sandex.transport.console.keys_search import QUERY_MAX, count_keys, matching
from sandex.transport.console.keys_view import OwnedKey, key_row, owned_key
from sandex.transport.console.keys_words import audit_detail, event_name, outcome
from sandex.transport.console.messages import KEY_PHRASE_RULE, LABEL_RULE, describe, errors_of
from sandex.transport.console.render import redirect, render
from sandex.transport.console.responses import not_found
from sandex.transport.console.session import Fresh, Signed, Viewer
from sandex.transport.okx.client_ip import client_ip

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

KEY_NOT_FOUND = "This API key does not exist, or it is not yours."


@router.get("/account/api")
def key_list(request: Request, console: Console, viewer: Signed) -> Response:
    now = console.clock.now_ms()
    keys = console.keys.list(viewer.id)
    query = request.query_params.get("q", "").strip()[:QUERY_MAX]
    rows = [key_row(info, now) for info in matching(keys, query)]
    return render(request, "keys_list.html", viewer=viewer, rows=rows, query=query, counts=count_keys(keys))


# --- create --------------------------------------------------------------------------------------
@router.get("/account/api/new")
def new_key_page(request: Request, console: Console, viewer: Fresh) -> Response:
    return new_key_form(request, console, viewer, owner_id=viewer.id, action="/account/api/new")


@router.post("/account/api/new")
def create_key(request: Request, form: Form, console: Console, viewer: Fresh) -> Response:
    return submit_new_key(request, console, viewer, form, owner_id=viewer.id, action="/account/api/new")


def submit_new_key(
    request: Request,
    console: ConsoleContext,
    viewer: Viewer,
    form: FormData,
    *,
    owner_id: int,
    action: str,
    sub_name: str | None = None,
) -> Response:
    """Create a key for the viewer or one of their sub-accounts: confirmed with 2FA (when on) and the
    email code; the key starts pending and the answer is the one page that ever shows its secret."""
    blocked = creation_blocked(request, console, viewer, owner_id, sub_name)
    if blocked is not None:
        return blocked
    values = KeyFormValues.posted(form)
    created = _create(console, owner_id, values, form)
    if isinstance(created, Rejected):
        return key_form(
            request,
            console,
            viewer,
            values=values,
            action=action,
            sub_name=sub_name,
            errors=errors_of(created),
            email_code=kept_code(created, form),
            status=400,
        )
    owner = sub_name or "Main account"
    row = key_row(created.info, console.clock.now_ms(), owner)
    home = f"/account/subaccounts/{sub_name}" if sub_name else "/account/api"
    download = {"href": key_file_href(created, owner), "name": key_file_name(created)}
    return render(
        request, "key_reveal.html", viewer=viewer, created=created, row=row, home=home, download=download
    )


def new_key_form(
    request: Request,
    console: ConsoleContext,
    viewer: Viewer,
    *,
    owner_id: int,
    action: str,
    sub_name: str | None = None,
) -> Response:
    """The empty Create form, or why a key cannot be created now."""
    blocked = creation_blocked(request, console, viewer, owner_id, sub_name)
    if blocked is not None:
        return blocked
    return key_form(request, console, viewer, values=KeyFormValues(), action=action, sub_name=sub_name)


def creation_blocked(
    request: Request, console: ConsoleContext, viewer: Viewer, owner_id: int, sub_name: str | None
) -> Response | None:
    """A page instead of the Create form when a key cannot be made: 2FA is off (OKX asks for it
    before any key) or the account already has its 50 keys. Shown before any email code is sent,
    so none is spent on a request that must fail."""
    home = f"/account/subaccounts/{sub_name}" if sub_name else "/account/api"
    if not viewer.user.totp_enabled:
        return render(request, "key_needs_2fa.html", status=403, viewer=viewer, home=home)
    held = len(console.keys.list(owner_id))
    if check_key_count(held) is not None:
        context = {"home": home, "held": held, "limit": MAX_KEYS_PER_ACCOUNT, "sub_name": sub_name}
        return render(request, "key_limit.html", status=409, viewer=viewer, **context)
    return None


def _create(
    console: ConsoleContext, owner_id: int, values: KeyFormValues, form: FormData
) -> CreatedKey | Rejected:
    environment = environment_of(values)
    if isinstance(environment, Rejected):
        return environment
    wanted = create_request(values, form.raw("passphrase"), console.clock.now_ms())
    if isinstance(wanted, Rejected):
        return wanted
    return console.keys.create_from_console(owner_id, wanted, confirmation(form), environment=environment)


def key_form(
    request: Request,
    console: ConsoleContext,
    viewer: Viewer,
    *,
    values: KeyFormValues,
    action: str,
    sub_name: str | None = None,
    key: OwnedKey | None = None,
    errors: dict[str, str] | None = None,
    email_code: str = "",
    status: int = 200,
) -> Response:
    """The Create / Edit form (the passphrase field is always empty: it is never echoed back)."""
    editing = key is not None
    choices = ((KEEP, "Keep the current expiry"), *EXPIRY_CHOICES) if editing else EXPIRY_CHOICES
    context: dict[str, Any] = {
        "values": values,
        "action": action,
        "sub_name": sub_name if key is None else key.sub_name,
        "key": None if key is None else key_row(key.info, console.clock.now_ms(), key.owner),
        "errors": errors or {},
        "expiry_choices": choices,
        "environments": [(env.value, env.value.capitalize()) for env in Environment],
        "passphrase_rule": KEY_PHRASE_RULE,
        "label_rule": LABEL_RULE,
        "code_purpose": (CodePurpose.API_KEY_EDIT if editing else CodePurpose.API_KEY_CREATE).value,
        "my_ip": client_ip(request, console.trusted_proxies),
        "email_code": email_code,
    }
    return render(request, "key_form.html", status=status, viewer=viewer, **context)


# --- the least-privilege report (before /{api_key}: "report" is not a key) ------------------------
@router.get("/account/api/report")
def report(request: Request, console: Console, viewer: Signed) -> Response:
    keys: list[KeyInfo] = list(console.keys.list(viewer.id))
    owners = {viewer.id: "Main account"}
    for sub in console.accounts.list_subaccounts(viewer.id):
        found = console.accounts.get_subaccount(viewer.id, sub.name)
        if not isinstance(found, Rejected):
            owners[found.id] = sub.name
            keys += console.keys.list(found.id)
    findings = console.maintenance.report(keys)
    return render(request, "keys_report.html", viewer=viewer, report=findings, owners=owners)


# --- one key -------------------------------------------------------------------------------------
@router.get("/account/api/{api_key}")
def key_detail(request: Request, api_key: str, console: Console, viewer: Signed) -> Response:
    owned = owned_key(console, viewer, api_key)
    details = console.keys.show(api_key) if owned is not None else None
    if owned is None or details is None or isinstance(details, Rejected):
        return not_found(request, KEY_NOT_FOUND, viewer)
    row = key_row(details.info, console.clock.now_ms(), owned.owner)
    return render(
        request,
        "key_detail.html",
        viewer=viewer,
        row=row,
        audit=details.audit,
        usage=details.usage,
        owned=owned,
        outcome=outcome,
        event_name=event_name,
        audit_detail=audit_detail,
    )


@router.get("/account/api/{api_key}/activate")
def activate_page(request: Request, api_key: str, console: Console, viewer: Signed) -> Response:
    owned = owned_key(console, viewer, api_key)
    if owned is None:
        return not_found(request, KEY_NOT_FOUND, viewer)
    return _activate_form(request, console, viewer, owned, {})


@router.post("/account/api/{api_key}/activate")
def activate(request: Request, form: Form, api_key: str, console: Console, viewer: Signed) -> Response:
    owned = owned_key(console, viewer, api_key)
    if owned is None:
        return not_found(request, KEY_NOT_FOUND, viewer)
    active = console.keys.activate(owned.owner_id, api_key, form.text("email_code"))
    if isinstance(active, Rejected):
        return _activate_form(request, console, viewer, owned, errors_of(active), status=400)
    return redirect(request, home_of(owned), notice="key-activated")


def _activate_form(
    request: Request,
    console: ConsoleContext,
    viewer: Viewer,
    owned: OwnedKey,
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    row = key_row(owned.info, console.clock.now_ms(), owned.owner)
    home = home_of(owned)
    return render(
        request, "key_activate.html", status=status, viewer=viewer, row=row, errors=errors, home=home
    )


def kept_code(refused: Rejected, form: FormData) -> str:
    """The email code typed, shown back after a refusal that did not use it up (a wrong label must
    not send the user back to their mailbox); never after the code itself was refused."""
    return "" if describe(refused).field == "email_code" else form.text("email_code")


def home_of(owned: OwnedKey) -> str:
    """The list a key is shown in: API Management, or its sub-account's page."""
    return f"/account/subaccounts/{owned.sub_name}" if owned.sub_name else "/account/api"
