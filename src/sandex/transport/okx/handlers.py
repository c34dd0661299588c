"""Every error leaves as an OKX JSON body: validation, 405, our refusals and crashes alike. An unknown
`/api/v5/` path is authenticated and refused with OKX's codes (`unserved.py`); any other unknown path
is a plain HTTP 404."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from sandex.domain.errors import Reason, Rejected
from sandex.transport.okx.envelope import OkxRejection, fail
from sandex.transport.okx.unserved import answer_unserved, is_okx_path

log = logging.getLogger("sandex.http")


def rejection_for_validation(errors: list[Any]) -> Rejected:
    """FastAPI/pydantic validation errors as OKX's 50014 (missing) or 51000 (malformed)."""
    first = errors[0] if errors else {}
    kind = str(first.get("type", ""))
    if kind.startswith("json"):
        return Rejected.of(Reason.JSON_SYNTAX)
    location = [str(part) for part in first.get("loc", ()) if part not in ("query", "body", "path", "header")]
    name = location[-1] if location else "body"
    if kind == "missing" or first.get("input") == "":
        return Rejected.of(Reason.PARAM_EMPTY, field=name)
    return Rejected.of(Reason.PARAM_ERROR, field=name)


async def _on_rejection(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OkxRejection)
    return fail(exc.rejected)


async def _on_validation(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return fail(rejection_for_validation(list(exc.errors())))


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return fail(Rejected.of(Reason.METHOD_NOT_ALLOWED))
    if exc.status_code == 404:
        if is_okx_path(request.url.path):
            return await answer_unserved(request)
        return JSONResponse({"msg": "Not Found"}, status_code=404)  # not OKX's API: no OKX code
    return fail(Rejected.of(Reason.SYSTEM_ERROR))


async def on_crash(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return fail(Rejected.of(Reason.SYSTEM_ERROR))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OkxRejection, _on_rejection)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(HTTPException, _on_http)
    app.add_exception_handler(Exception, on_crash)
