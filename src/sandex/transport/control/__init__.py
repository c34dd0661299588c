"""The control API (`/sandex/v1/...`): users, keys, money, clock, market, faults, reset, snapshots.

A sub-application mounted on the main app, so it has its own error format (`errors.py`) and its
own authentication: every route requires the admin token (`Authorization: Bearer …`), never an
OKX API key. Its OpenAPI page is `/sandex/v1/docs`.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI

from sandex.transport.control import accounts, clock, faults, market, state
from sandex.transport.control.context import ControlContext, require_admin
from sandex.transport.control.errors import install_control_errors

PREFIX = "/sandex/v1"

__all__ = ["PREFIX", "ControlContext", "build_control_app", "install_control"]


def build_control_app(context: ControlContext) -> FastAPI:
    app = FastAPI(
        title="sandex control API",
        dependencies=[Depends(require_admin)],
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.control = context
    install_control_errors(app)
    for module in (state, accounts, clock, faults, market):
        app.include_router(module.router)
    return app


def install_control(app: FastAPI, context: ControlContext) -> None:
    app.mount(PREFIX, build_control_app(context))
