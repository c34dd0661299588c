"""Edit, revoke and delete one API key (the viewer's own, or one of their sub-accounts').

Edit and delete are confirmed like creation (2FA when on + an email code). Revoking asks for the
2FA code only (as OKX does): cutting off a leaked key must never wait for a mail.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandex.domain.errors import Rejected
from sandex.transport.console.context import Console, ConsoleContext
from sandex.transport.console.forms import Form
from sandex.transport.console.headers import ConsoleRoute
from sandex.transport.console.keys import KEY_NOT_FOUND, home_of, kept_code, key_form
from sandex.transport.console.keys_forms import KeyFormValues, confirmation, edit_request
from sandex.transport.console.keys_view import OwnedKey, key_row, owned_key
from sandex.transport.console.messages import errors_of
from sandex.transport.console.render import redirect, render
from sandex.transport.console.responses import not_found
from sandex.transport.console.session import Fresh, Signed, Viewer

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


# --- edit ----------------------------------------------------------------------------------------
@router.get("/account/api/{api_key}/edit")
def edit_page(request: Request, api_key: str, console: Console, viewer: Fresh) -> Response:
    owned = owned_key(console, viewer, api_key)
    if owned is None:
        return not_found(request, KEY_NOT_FOUND, viewer)
    values = KeyFormValues.of_key(owned.info)
    return key_form(request, console, viewer, values=values, action=request.url.path, key=owned)


@router.post("/account/api/{api_key}/edit")
def edit(request: Request, form: Form, api_key: str, console: Console, viewer: Fresh) -> Response:
    owned = owned_key(console, viewer, api_key)
    if owned is None:
        return not_found(request, KEY_NOT_FOUND, viewer)
    values = KeyFormValues.posted(form)
    wanted = edit_request(values, console.clock.now_ms())
    updated = (
        wanted
        if isinstance(wanted, Rejected)
        else console.keys.update_from_console(owned.owner_id, api_key, wanted, confirmation(form))
    )
    if isinstance(updated, Rejected):
        return key_form(
            request,
            console,
            viewer,
            values=values,
            action=request.url.path,
            key=owned,
            errors=errors_of(updated),
            email_code=kept_code(updated, form),
            status=400,
        )
    return redirect(request, home_of(owned), notice="key-updated")


# --- revoke --------------------------------------------------------------------------------------
@router.get("/account/api/{api_key}/revoke")
def revoke_page(request: Request, api_key: str, console: Console, viewer: Signed) -> Response:
    owned = owned_key(console, viewer, api_key)
    if owned is None:
        return not_found(request, KEY_NOT_FOUND, viewer)
    return _page(request, console, viewer, owned, "key_revoke.html", {})


@router.post("/account/api/{api_key}/revoke")
def revoke(request: Request, form: Form, api_key: str, console: Console, viewer: Signed) -> Response:
    owned = owned_key(console, viewer, api_key)
    if owned is None:
        return not_found(request, KEY_NOT_FOUND, viewer)
    revoked = console.keys.revoke_from_console(api_key, owned.owner_id, form.text("totp_code"))
    if isinstance(revoked, Rejected):
        return _page(request, console, viewer, owned, "key_revoke.html", errors_of(revoked), status=400)
    return redirect(request, home_of(owned), notice="key-revoked")


# --- delete --------------------------------------------------------------------------------------
@router.get("/account/api/{api_key}/delete")
def delete_page(request: Request, api_key: str, console: Console, viewer: Fresh) -> Response:
    owned = owned_key(console, viewer, api_key)
    if owned is None:
        return not_found(request, KEY_NOT_FOUND, viewer)
    return _page(request, console, viewer, owned, "key_delete.html", {})


@router.post("/account/api/{api_key}/delete")
def delete(request: Request, form: Form, api_key: str, console: Console, viewer: Fresh) -> Response:
    owned = owned_key(console, viewer, api_key)
    if owned is None:
        return not_found(request, KEY_NOT_FOUND, viewer)
    deleted = console.keys.delete_from_console(api_key, owned.owner_id, confirmation(form))
    if isinstance(deleted, Rejected):
        errors, kept = errors_of(deleted), kept_code(deleted, form)
        return _page(request, console, viewer, owned, "key_delete.html", errors, status=400, email_code=kept)
    return redirect(request, home_of(owned), notice="key-deleted")


def _page(
    request: Request,
    console: ConsoleContext,
    viewer: Viewer,
    owned: OwnedKey,
    template: str,
    errors: dict[str, str],
    status: int = 200,
    email_code: str = "",
) -> Response:
    row = key_row(owned.info, console.clock.now_ms(), owned.owner)
    return render(
        request, template, status=status, viewer=viewer, row=row, errors=errors, email_code=email_code
    )
