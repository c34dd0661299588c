"""Control API errors: `{"error": {"reason", "message", "code"?, "field"?}}` with an HTTP status.

`reason` is the domain's `Reason` value (or `unauthorized`, `not_found`, `unavailable`…), `code`
the OKX code the same refusal has on the OKX API, `field` the request field at fault.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from sandex.domain.errors import Reason, Rejected
from sandex.transport.okx.errors import wire_error
from sandex.transport.okx.handlers import rejection_for_validation

log = logging.getLogger("sandex.control")

_NOT_FOUND = frozenset(
    {
        Reason.USER_NOT_FOUND,
        Reason.KEY_DOES_NOT_EXIST,
        Reason.SUBACCOUNT_NOT_FOUND,
        Reason.NOT_FOUND,
    }
)
_CONFLICT = frozenset({Reason.EMAIL_TAKEN, Reason.KEY_LABEL_TAKEN, Reason.SUBACCOUNT_NAME_TAKEN})


class ControlJSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class ControlFailure(Exception):  # noqa: N818 - a transport signal, not an error of ours
    """Raised by control transport code to answer with an error (rendered by a handler)."""

    def __init__(self, status: int, reason: str, message: str, **extra: str) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, str] = {"reason": reason, "message": message, **extra}


def refusal(rejected: Rejected) -> ControlFailure:
    entry, message = wire_error(rejected)
    status = 404 if rejected.reason in _NOT_FOUND else 409 if rejected.reason in _CONFLICT else 400
    extra = {"code": entry.code}
    if "field" in rejected.params:
        extra["field"] = rejected.params["field"]
    return ControlFailure(status, rejected.reason.value, message, **extra)


def error_response(failure: ControlFailure) -> ControlJSON:
    headers = {"WWW-Authenticate": "Bearer"} if failure.status == 401 else None
    return ControlJSON({"error": failure.body}, status_code=failure.status, headers=headers)


async def _on_failure(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ControlFailure)
    return error_response(exc)


async def _on_validation(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(refusal(rejection_for_validation(list(exc.errors()))))


async def _on_http(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    reason = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
    return error_response(ControlFailure(exc.status_code, reason, str(exc.detail)))


async def _on_crash(request: Request, exc: Exception) -> Response:
    log.exception("control API error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(ControlFailure(500, "internal_error", "internal error (see the server log)"))


def install_control_errors(app: FastAPI) -> None:
    app.add_exception_handler(ControlFailure, _on_failure)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(HTTPException, _on_http)
    app.add_exception_handler(Exception, _on_crash)
