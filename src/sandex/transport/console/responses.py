"""How the console's control-flow exceptions leave: redirects and error pages, never OKX JSON."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from sandex.transport.console.forms import CsrfRejected
from sandex.transport.console.render import redirect, render
from sandex.transport.console.session import LoginRequired, ReauthRequired, Viewer


def not_found(
    request: Request, what: str = "This page does not exist.", viewer: Viewer | None = None
) -> Response:
    return render(request, "error.html", status=404, viewer=viewer, title="Not found", message=what)


async def _on_login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return redirect(request, "/login?next=" + quote(exc.next_path, safe="/"))


async def _on_reauth_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ReauthRequired)
    return redirect(request, "/reauth?next=" + quote(exc.next_path, safe="/"))


async def _on_csrf(request: Request, _exc: Exception) -> Response:
    return render(
        request,
        "error.html",
        status=403,
        title="This form has expired",
        message="The page was open too long or came from somewhere else. Reload it and try again.",
    )


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(LoginRequired, _on_login_required)
    app.add_exception_handler(ReauthRequired, _on_reauth_required)
    app.add_exception_handler(CsrfRejected, _on_csrf)
