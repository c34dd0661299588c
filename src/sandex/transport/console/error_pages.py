"""Errors on console URLs leave as pages: unknown paths (404), wrong methods (405), malformed
addresses (400) and crashes (500), each with its status code and a way back.

The console's handlers go in front of the ones installed before them (the OKX JSON answers) and
hand them every path that is not the console's (`paths.is_console_path`), so the APIs answer
exactly as they did.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from sandex.transport.console.context import console_of
from sandex.transport.console.headers import secure
from sandex.transport.console.paths import is_console_path
from sandex.transport.console.render import render
from sandex.transport.console.session import Viewer, any_session, optional_viewer

Handler = Callable[[Request, Exception], Awaitable[Response]]

log = logging.getLogger("sandex.console")

# (title, message) by status; any other HTTP error is shown as the 500 page
PAGES = {
    400: (
        "This address is not valid",
        "Part of the address is malformed. Go back and follow a link instead.",
    ),
    404: ("Not found", "This page does not exist."),
    405: (
        "Nothing to see here",
        "This address takes a form sent from its page, not a visit. Go back and use the page's button.",
    ),
    500: ("Something went wrong", "The server could not show this page. Try again in a moment."),
}
# what the page says when even the error page cannot be rendered
BARE_500 = (
    "<!doctype html><title>Server error · sandex</title>"
    "<h1>Something went wrong</h1><p><a href='/'>Go to the start page</a></p>"
)


def error_page(
    request: Request, status: int, *, viewer: Viewer | None = None, headers: dict[str, str] | None = None
) -> Response:
    title, message = PAGES.get(status, PAGES[500])
    response = render(request, "error.html", status=status, viewer=viewer, title=title, message=message)
    response.headers.update(headers or {})  # 405's `Allow`
    return response


def _signed_in(request: Request) -> Viewer | None:
    """Who is asking, for the navigation and the way back (a blocking read: run in a thread)."""
    return optional_viewer(any_session(request, console_of(request)))


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code if exc.status_code in PAGES else 500
    viewer = await run_in_threadpool(_signed_in, request)
    return error_page(request, status, viewer=viewer, headers=dict(exc.headers or {}))


async def _on_validation(request: Request, _exc: Exception) -> Response:
    return error_page(request, 400, viewer=await run_in_threadpool(_signed_in, request))


async def _on_crash(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    try:  # no viewer: the database may be what failed
        return error_page(request, 500)
    except Exception:  # the page itself failed (templates, database): still a page, not a traceback
        log.exception("the error page failed too")
        return secure(HTMLResponse(BARE_500, status_code=500), request)


def _pages_first(app: FastAPI, exc_class: type[Exception], page: Handler) -> None:
    """Answer `exc_class` with `page` on console paths and with the handler installed before elsewhere."""
    other = app.exception_handlers.get(exc_class)

    async def handler(request: Request, exc: Exception) -> Response:
        if is_console_path(request.url.path):
            return await page(request, exc)
        if other is None:  # nothing installed before: Starlette's own answer
            raise exc
        answer = other(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    app.add_exception_handler(exc_class, handler)


def install_error_pages(app: FastAPI) -> None:
    _pages_first(app, HTTPException, _on_http)
    _pages_first(app, RequestValidationError, _on_validation)
    _pages_first(app, Exception, _on_crash)
