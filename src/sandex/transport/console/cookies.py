"""The console's cookies: HttpOnly, SameSite=Lax, Secure when served over TLS, browser-session lived."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from sandex.transport.console.headers import is_https

SESSION_COOKIE = "sandex_session"


def set_cookie(response: Response, request: Request, name: str, value: str) -> None:
    response.set_cookie(name, value, path="/", httponly=True, samesite="lax", secure=is_https(request))


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=is_https(request))
