"""Only requests for a name sandex serves: the `Host` check that stops DNS rebinding.

A web page on evil.example can make its own name resolve to 127.0.0.1 and then script requests
to a sandex on the visitor's machine as same-origin: the browser still sends `Host: evil.example`.
So every HTTP request and WebSocket handshake must name one of the served hosts (any port):
localhost, 127.0.0.1, [::1], the `--host` sandex listens on, the `--allowed-host` names, and
`sandex.test`, the reserved name (RFC 6761: never in public DNS, so no page can rebind it) that the
in-process test transport and the pytest plugin use. Listening on every interface (0.0.0.0, ::)
also serves any IP literal: a page cannot make a browser send one for its own origin.
`--allowed-host '*'` turns the check off (behind a proxy that checks names itself).

Refusals: OKX's JSON on `/api/`, the control API's JSON on `/sandex/v1/`, a small page
elsewhere (the console); a WebSocket handshake is closed before it is accepted (HTTP 403).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from html import escape

from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sandex.domain.errors import Reason, Rejected
from sandex.transport.control.errors import error_response, refusal
from sandex.transport.okx.envelope import fail
from sandex.transport.okx.errors import wire_error

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
IN_PROCESS_HOST = "sandex.test"  # httpx's ASGI transport in tests and the pytest plugin
WILDCARD_BINDS = frozenset({"0.0.0.0", "::", "[::]", ""})  # noqa: S104 - names, not a bind
ANY = "*"


def host_name(value: str) -> str:
    """`Host` without its port, lower case, no trailing dot; IPv6 keeps its brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[: value.find("]") + 1] if "]" in value else value
    return value.rpartition(":")[0].rstrip(".") if ":" in value else value.rstrip(".")


def _as_served(name: str) -> str:
    name = name.strip().lower()
    return f"[{name}]" if ":" in name and not name.startswith("[") else name


class AllowedHosts:
    def __init__(self, bind: str, extra: Iterable[str] = ()) -> None:
        names = [*LOOPBACK_NAMES, IN_PROCESS_HOST, _as_served(bind), *(_as_served(n) for n in extra)]
        self.any = ANY in names
        self.any_ip = bind.strip().lower() in WILDCARD_BINDS
        self.names = frozenset(host_name(n) for n in names if n not in WILDCARD_BINDS and n != ANY)

    def allows(self, host: str | None) -> bool:
        if host is None or self.any:
            return True  # no Host at all (HTTP/1.0 by hand) is no browser's request
        name = host_name(host)
        return name in self.names or (self.any_ip and _is_ip(name))


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


class HostGuard:
    """ASGI middleware: refuses HTTP requests and WebSocket handshakes for hosts not served."""

    def __init__(self, app: ASGIApp, allowed: AllowedHosts) -> None:
        self._app = app
        self._allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = _host_header(scope)
            if not self._allowed.allows(host):
                await _refuse(scope, receive, send, host or "")
                return
        await self._app(scope, receive, send)


def _host_header(scope: Scope) -> str | None:
    for key, value in scope["headers"]:
        if key == b"host":
            return str(value.decode("latin-1"))
    return None


async def _refuse(scope: Scope, receive: Receive, send: Send, host: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": "host not served"})
        return
    await refused(scope["path"], host)(scope, receive, send)


def refused(path: str, host: str) -> Response:
    """The answer in the form the path's clients read: OKX, control API, or a page (the console)."""
    rejected = Rejected.of(Reason.HOST_NOT_SERVED, host=host_name(host)[:100])
    if path.startswith("/api/"):
        return fail(rejected)
    if path.startswith("/sandex/v1/"):
        return error_response(refusal(rejected))
    _, message = wire_error(rejected)
    page = f"<!doctype html><title>Host not served</title><h1>Host not served</h1><p>{escape(message)}</p>"
    return HTMLResponse(page, status_code=400)
