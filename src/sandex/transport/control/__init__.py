"""The control API (`/sandex/v1/...`): users, keys, money, clock, market, faults, reset, snapshots.

A sub-application mounted on the main app, so it has its own error format (`errors.py`) and its
own authentication: every route requires the admin token (`Authorization: Bearer …`), never an
OKX API key. Its OpenAPI page is `/sandex/v1/docs`.
"""

from __future__ import annotations

import re

from fastapi import Depends, FastAPI
from starlette.routing import Mount

from sandex.transport.control import accounts, clock, faults, funding_rates, market, state, swaps
from sandex.transport.control.context import ADMIN_TOKEN_SCHEME, ControlContext, require_admin
from sandex.transport.control.errors import install_control_errors
from sandex.transport.control.schemas import ControlErrorBody

PREFIX = "/sandex/v1"

__all__ = ["PREFIX", "ControlContext", "build_control_app", "install_control"]


def build_control_app(context: ControlContext) -> FastAPI:
    app = FastAPI(
        title="sandex control API",
        # The scheme only documents the token (it never refuses); `require_admin` checks it.
        dependencies=[Depends(ADMIN_TOKEN_SCHEME), Depends(require_admin)],
        responses={
            "4XX": {"model": ControlErrorBody, "description": "refused: 400 bad input, 401, 404, 409"},
            "501": {"model": ControlErrorBody, "description": "the service this route needs is not running"},
        },
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.control = context
    install_control_errors(app)
    for module in (state, accounts, clock, faults, market, funding_rates, swaps):
        app.include_router(module.router)
    return app


def install_control(app: FastAPI, context: ControlContext) -> None:
    mount = Mount(PREFIX, app=build_control_app(context))
    # Starlette's mount pattern (`.*`) stops at a newline: a path id holding one (`%0A`) would miss
    # the control API and be answered by the OKX 404 instead of the control API's own.
    mount.path_regex = re.compile(mount.path_regex.pattern, re.DOTALL)
    app.router.routes.append(mount)
