"""Security headers on every console response, and a route class and static-file app that add them.

The policy allows scripts and styles from our own origin only (no inline script, no inline style
attribute), nothing framed us (`frame-ancestors 'none'`), and forms post only to us.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000"


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def secure(response: Response, request: Request, *, cacheable: bool = False) -> Response:
    """Add the security headers (idempotent). Pages are `no-store`: one of them shows a secret once,
    and none should linger in a shared browser's cache or history."""
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    if not cacheable:
        response.headers["Cache-Control"] = "no-store"
    if is_https(request):
        response.headers["Strict-Transport-Security"] = HSTS
    return response


class ConsoleRoute(APIRoute):
    """Every response of a console endpoint leaves with the security headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def secured(request: Request) -> Response:
            return secure(await handler(request), request)

        return secured


class SecureStaticFiles(StaticFiles):
    """The console's CSS and JS, with the same headers (cacheable: they hold nothing private)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        return secure(response, Request(scope), cacheable=True)
