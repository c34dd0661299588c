"""Sign up, log in (password, then the 2FA code when it is on), re-authenticate and log out."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandex.domain.accounts.rules import PASSWORD_RULE
from sandex.domain.errors import Reason, Rejected
from sandex.transport.console.context import Console, ConsoleContext
from sandex.transport.console.cookies import SESSION_COOKIE
from sandex.transport.console.forms import Form
from sandex.transport.console.headers import ConsoleRoute
from sandex.transport.console.messages import describe, errors_of, password_problem
from sandex.transport.console.render import redirect, render, safe_next
from sandex.transport.console.session import AnySession, MaybeSigned, Pending, Signed
from sandex.transport.okx.client_ip import client_ip

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def peer_of(request: Request, console: ConsoleContext) -> tuple[str, str]:
    return client_ip(request, console.trusted_proxies), request.headers.get("user-agent", "")


@router.get("/")
def landing(request: Request, viewer: MaybeSigned) -> Response:
    if viewer is not None:
        return redirect(request, "/account")
    return render(request, "landing.html")


# --- sign up -------------------------------------------------------------------------------------
@router.get("/signup")
def signup_page(request: Request, viewer: MaybeSigned) -> Response:
    if viewer is not None:
        return redirect(request, "/account")
    return render(request, "signup.html", email="", errors={}, password_rule=PASSWORD_RULE)


@router.post("/signup")
def signup(request: Request, form: Form, console: Console) -> Response:
    email, password = form.text("email"), form.raw("password")
    errors: dict[str, str] = {}
    if password != form.raw("password_repeat"):
        errors = {"password_repeat": "The two passwords differ."}
    created = console.accounts.register(email, password) if not errors else None
    if isinstance(created, Rejected):
        errors = errors_of(created)
    if created is None or isinstance(created, Rejected):
        return render(
            request, "signup.html", status=400, email=email, errors=errors, password_rule=PASSWORD_RULE
        )
    issued = console.sessions.open(created.id)
    return redirect(request, "/account/security", notice="welcome", session_token=issued.token)


# --- log in --------------------------------------------------------------------------------------
@router.get("/login")
def login_page(request: Request, viewer: MaybeSigned) -> Response:
    target = safe_next(request.query_params.get("next", ""))
    if viewer is not None:
        return redirect(request, target)
    return render(request, "login.html", email="", next=target, errors={})


@router.post("/login")
def login(request: Request, form: Form, console: Console) -> Response:
    email, target = form.text("email"), safe_next(form.text("next"))
    ip, agent = peer_of(request, console)
    user = console.accounts.login(email, form.raw("password"), ip=ip, user_agent=agent)
    if isinstance(user, Rejected):
        status = 429 if user.reason is Reason.LOGIN_LOCKED else 400
        return render(request, "login.html", status=status, email=email, next=target, errors=errors_of(user))
    issued = console.sessions.open(user.id, second_factor_pending=user.totp_enabled)
    if user.totp_enabled:
        return redirect(request, "/login/2fa?next=" + quote(target, safe="/"), session_token=issued.token)
    return redirect(request, target, session_token=issued.token)


@router.get("/login/2fa")
def second_factor_page(request: Request, viewer: AnySession) -> Response:
    target = safe_next(request.query_params.get("next", ""))
    if viewer is None:  # signed out, or the pending session ran out: the password first
        return redirect(request, "/login?next=" + quote(target, safe="/"))
    if not viewer.pending:  # signed in already (Back after the code): on to where they were going
        return redirect(request, target)
    return render(request, "login_2fa.html", email=viewer.email, next=target, errors={})


@router.post("/login/2fa")
def second_factor(request: Request, form: Form, console: Console, viewer: Pending) -> Response:
    target = safe_next(form.text("next"))
    refused = console.accounts.verify_second_factor(viewer.id, form.text("totp_code"))
    if refused is not None:
        errors = {"totp_code": describe(refused).message}
        return render(request, "login_2fa.html", status=400, email=viewer.email, next=target, errors=errors)
    issued = console.sessions.promote(viewer.token)
    if issued is None:  # the pending session ran out meanwhile
        return redirect(request, "/login?next=" + quote(target, safe="/"))
    return redirect(request, target, session_token=issued.token)


# --- re-authenticate and log out -----------------------------------------------------------------
@router.get("/reauth")
def reauth_page(request: Request, viewer: Signed) -> Response:
    target = safe_next(request.query_params.get("next", ""))
    return render(request, "reauth.html", viewer=viewer, next=target, errors={})


@router.post("/reauth")
def reauth(request: Request, form: Form, console: Console, viewer: Signed) -> Response:
    target = safe_next(form.text("next"))
    ip, agent = peer_of(request, console)
    checked = console.accounts.login(viewer.email, form.raw("password"), ip=ip, user_agent=agent)
    if isinstance(checked, Rejected):
        errors = {"password": password_problem(checked)}
        return render(request, "reauth.html", status=400, viewer=viewer, next=target, errors=errors)
    console.sessions.reauthenticated(viewer.session)
    return redirect(request, target, notice="reauthenticated")


@router.post("/logout")
def logout(request: Request, form: Form, console: Console) -> Response:
    del form  # checked: logging someone out is a state change too
    console.sessions.close(request.cookies.get(SESSION_COOKIE, ""))
    return redirect(request, "/login", notice="signed-out", end_session=True)
