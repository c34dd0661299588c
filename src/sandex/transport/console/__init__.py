"""The web console: server-rendered pages (Jinja2, a little vanilla JS) for people, at `/`.

`install_console(app, context)` mounts every page family and the static files; it never touches
`/api/v5/*`, `/sandex/*` or `/ws/*`. Install it after the API's error handlers: on console paths its
error pages go in front of them (`error_pages`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from sandex.transport.console import (
    account,
    assets,
    auth,
    convert_pages,
    funding_pages,
    history,
    keys,
    keys_manage,
    mail,
    markets,
    positions,
    sub_transfer_pages,
    subaccounts,
    trade,
    withdraw_pages,
)
from sandex.transport.console.context import ConsoleContext
from sandex.transport.console.error_pages import install_error_pages
from sandex.transport.console.headers import SecureStaticFiles
from sandex.transport.console.responses import install_handlers

__all__ = ["ROUTERS", "ConsoleContext", "install_console"]

STATIC_DIR = Path(__file__).parent / "static"

# Every console page family; tests walk these to check CSRF and that no secret is ever rendered.
ROUTERS = (
    auth.router,
    account.router,
    keys.router,
    keys_manage.router,
    subaccounts.router,
    mail.router,
    markets.router,
    trade.router,
    assets.router,
    history.router,
    funding_pages.router,
    withdraw_pages.router,
    sub_transfer_pages.router,
    convert_pages.router,
    positions.router,
)


def install_console(app: FastAPI, context: ConsoleContext) -> None:
    app.state.console = context
    install_handlers(app)
    install_error_pages(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", SecureStaticFiles(directory=STATIC_DIR), name="console-static")
