"""A short way in for every OKX route: first the order writes, the hottest requests sandex serves,
then every other route of the OKX table (`routing.py`).

`OkxApp` is FastAPI with one addition: a request whose method and exact path are in the lane skips
FastAPI's middleware stack and router (server-error, telemetry, body-limit and exception
middleware, the async exit stack, the route walk: together ~15 % of an order's CPU) and runs its
endpoint behind the same host check, body bound and fault injection, with the same error answers.
Everything else, including every other method on those paths, takes the normal way; the routes
stay registered in the router too (OpenAPI, the permission matrix, anything reaching them by
another spelling).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sandex.transport.okx.envelope import OkxRejection, fail
from sandex.transport.okx.handlers import on_crash
from sandex.transport.scope_keys import BODY_READ

Endpoint = Callable[[Request], Awaitable[Response]]
Wrap = Callable[[ASGIApp], ASGIApp]  # middleware the lane keeps (fault injection)


class OkxApp(FastAPI):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lane: dict[str, dict[str, ASGIApp]] = {}  # method -> exact path -> app
        self._forward: tuple[tuple[str, ...], ASGIApp] | None = None

    def forward(self, prefixes: tuple[str, ...], handler: ASGIApp) -> None:
        """Hand every HTTP request under `prefixes` to `handler` before anything else (an API
        process of a cluster forwards what only the sequencer's process can serve)."""
        self._forward = (prefixes, handler)

    def add_fast_lane(self, path: str, endpoint: Endpoint, wrap: Wrap, *, method: str = "POST") -> None:
        """Serve `method` `path` with `endpoint` directly, inside `wrap` (it must behave as the app's
        own middleware and error handlers would: see `_served`)."""
        self._lane.setdefault(method, {})[path] = wrap(_served(endpoint))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self._forward is not None and scope["path"].startswith(self._forward[0]):
                await self._forward[1](scope, receive, send)
                return
            lane = self._lane.get(scope["method"], {}).get(scope["path"])
            if lane is not None:
                scope["app"] = self  # what Starlette sets: endpoints read `request.app.state`
                await lane(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


class BufferedRequest(Request):
    """A request whose body the body bound (`BodyLimit`) has already read: taken from the scope
    instead of replayed through `receive` chunk by chunk (~2 % of an order's CPU)."""

    async def body(self) -> bytes:
        read = self.scope.get(BODY_READ)
        return read if read is not None else await super().body()


def _served(endpoint: Endpoint) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = BufferedRequest(scope, receive)
        try:
            response = await endpoint(request)
        except OkxRejection as exc:  # as the app's OkxRejection handler answers
            response = fail(exc.rejected)
        except Exception as exc:  # as the app's crash handler: logged, a 50000-style envelope
            response = await on_crash(request, exc)
        await response(scope, receive, send)

    return app
