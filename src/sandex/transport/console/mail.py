"""Email codes: the "Send code" button, and the embedded outbox at /dev/mail (local mode only).

/dev/mail shows the signed-in user's own mail: an outbox open to anyone would hand out everyone's
codes. With SMTP configured it does not exist (404): mail then goes to real inboxes.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from sandex.domain.accounts.email_codes import CodePurpose
from sandex.domain.keys.model import KeyState
from sandex.transport.console.context import Console, ConsoleContext
from sandex.transport.console.forms import Form
from sandex.transport.console.headers import ConsoleRoute
from sandex.transport.console.keys_view import owned_key
from sandex.transport.console.messages import describe
from sandex.transport.console.render import redirect, render, safe_next
from sandex.transport.console.responses import not_found
from sandex.transport.console.session import LoginRequired, MaybeSigned, Signed, Viewer
from sandex.transport.okx.client_ip import client_ip

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

MAIL_SHOWN = 50
# What the console may ask a code for; activation codes are bound to their key (the reference).
_PURPOSES = frozenset(
    {
        CodePurpose.API_KEY_CREATE,
        CodePurpose.API_KEY_EDIT,
        CodePurpose.API_KEY_DELETE,
        CodePurpose.API_KEY_ACTIVATE,
        CodePurpose.TOTP_DISABLE,
    }
)


@router.post("/account/email-code")
def send_code(request: Request, form: Form, console: Console, viewer: Signed) -> Response:
    """Mail a code. Answers JSON to the page's script, or (no script) goes back to the form."""
    address = client_ip(request, console.trusted_proxies)
    sent_to = _send(console, viewer, form.text("purpose"), form.text("reference"), address)
    wants_json = "application/json" in request.headers.get("accept", "")
    if wants_json:
        ok = sent_to is None
        message = f"Code sent to {_masked(viewer.email)}." if ok else sent_to
        return JSONResponse(
            {"ok": ok, "message": message, "mailbox": "/dev/mail" if console.dev_mail else None}
        )
    if sent_to is not None:
        return render(request, "error.html", status=400, viewer=viewer, title="No code sent", message=sent_to)
    return redirect(request, safe_next(form.text("return_to"), "/account"), notice="code-sent")


def _send(
    console: ConsoleContext, viewer: Viewer, purpose_text: str, reference: str, address: str
) -> str | None:
    """None when mailed, else why not (as a sentence)."""
    try:
        purpose = CodePurpose(purpose_text)
    except ValueError:
        return "Unknown kind of code."
    if purpose not in _PURPOSES:
        return "Unknown kind of code."
    if purpose is CodePurpose.API_KEY_ACTIVATE:
        owned = owned_key(console, viewer, reference)
        if owned is None or owned.info.state is not KeyState.PENDING:
            return "This API key is not waiting for activation."
    else:
        reference = ""  # the other confirmations are not bound to one key
    refused = console.accounts.send_email_code(viewer.id, purpose.value, reference, ip=address)
    return None if refused is None else describe(refused).message


def _masked(email: str) -> str:
    local, _, domain = email.partition("@")
    shown = local[:1] + "•••" + (local[-1:] if len(local) > 2 else "")
    return f"{shown}@{domain}"


@router.get("/dev/mail")
def dev_mail(request: Request, console: Console, viewer: MaybeSigned) -> Response:
    if not console.dev_mail:
        return not_found(request, viewer=viewer)
    if viewer is None:
        raise LoginRequired(request.url.path)
    mail = console.accounts.list_mail(viewer.email, MAIL_SHOWN)
    return render(request, "mail.html", viewer=viewer, mail=mail)
