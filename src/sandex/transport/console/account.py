"""The account overview and the Security page: TOTP two-factor set-up (QR code) and turning it off."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.transport.console.auth import peer_of
from sandex.transport.console.browsers import browser_name
from sandex.transport.console.context import Console
from sandex.transport.console.forms import Form
from sandex.transport.console.headers import ConsoleRoute
from sandex.transport.console.messages import errors_of, password_problem
from sandex.transport.console.render import redirect, render
from sandex.transport.console.session import Fresh, Signed, Viewer

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

RECENT_LOGINS = 10


@router.get("/account")
def overview(request: Request, console: Console, viewer: Signed) -> Response:
    logins = console.accounts.recent_logins(viewer.id, RECENT_LOGINS)
    keys = console.keys.list(viewer.id)
    subs = console.accounts.list_subaccounts(viewer.id)
    swaps = console.swaps.settings(viewer.id, Environment.LIVE) if console.swaps is not None else None
    return render(
        request,
        "account.html",
        viewer=viewer,
        logins=logins,
        key_count=len(keys),
        sub_count=len(subs),
        swaps=swaps,
        browser=browser_name,
    )


@router.get("/account/security")
def security(request: Request, viewer: Signed) -> Response:
    return render(request, "security.html", viewer=viewer, errors={})


# --- turning 2FA on --------------------------------------------------------------------------------
@router.post("/account/2fa/setup")
def totp_setup(request: Request, form: Form, console: Console, viewer: Fresh) -> Response:
    del form
    enrollment = console.accounts.begin_totp(viewer.id)
    if isinstance(enrollment, Rejected):
        return _security_error(request, viewer, enrollment)
    return render(request, "totp_setup.html", viewer=viewer, enrollment=enrollment, errors={})


@router.post("/account/2fa/confirm")
def totp_confirm(request: Request, form: Form, console: Console, viewer: Signed) -> Response:
    codes = console.accounts.confirm_totp(viewer.id, form.text("totp_code"))
    if isinstance(codes, Rejected):
        # The secret is not shown again: the app already has it, or the user starts over.
        return render(
            request, "totp_setup.html", status=400, viewer=viewer, enrollment=None, errors=errors_of(codes)
        )
    return render(request, "recovery_codes.html", viewer=viewer, codes=codes)


# --- turning 2FA off -------------------------------------------------------------------------------
@router.get("/account/2fa/disable")
def totp_disable_page(request: Request, viewer: Signed) -> Response:
    return render(request, "totp_disable.html", viewer=viewer, errors={})


@router.post("/account/2fa/disable")
def totp_disable(request: Request, form: Form, console: Console, viewer: Signed) -> Response:
    """Always needs the password again (whatever the session's age), a 2FA or recovery code, and the
    email code for `totp_disable`."""
    ip, agent = peer_of(request, console)
    checked = console.accounts.login(viewer.email, form.raw("password"), ip=ip, user_agent=agent)
    if isinstance(checked, Rejected):
        errors = {"password": password_problem(checked)}
        return render(request, "totp_disable.html", status=400, viewer=viewer, errors=errors)
    console.sessions.reauthenticated(viewer.session)
    refused = console.accounts.disable_totp(viewer.id, form.text("totp_code"), form.text("email_code"))
    if refused is not None:
        return render(request, "totp_disable.html", status=400, viewer=viewer, errors=errors_of(refused))
    return redirect(request, "/account/security", notice="2fa-disabled")


def _security_error(request: Request, viewer: Viewer, refused: Rejected) -> Response:
    return render(request, "security.html", status=400, viewer=viewer, errors=errors_of(refused))
