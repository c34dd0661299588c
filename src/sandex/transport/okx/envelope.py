"""The OKX envelope `{"code","msg","data"}` and the one JSON response class (orjson)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from starlette.responses import Response

from sandex.domain.errors import Rejected
from sandex.transport.okx import exact_json
from sandex.transport.okx.errors import wire_error


class OkxJSON(Response):
    """orjson-rendered JSON; key order is kept as built (OKX clients match some raw substrings)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=exact_json.default)


def ok(data: Sequence[Any], **extra: Any) -> OkxJSON:
    """Success: `{"code":"0","msg":"","data":[…]}` (data is always a list), plus e.g. inTime/outTime."""
    return OkxJSON({"code": "0", "msg": "", "data": list(data), **extra})


def body_for(rejected: Rejected) -> tuple[int, Mapping[str, Any]]:
    entry, message = wire_error(rejected)
    if entry.bare:
        return entry.http_status, {"msg": message, "code": entry.code}
    return entry.http_status, {"code": entry.code, "msg": message, "data": []}


def fail(rejected: Rejected) -> OkxJSON:
    """A refusal rendered with its OKX code, HTTP status and message."""
    status, body = body_for(rejected)
    return OkxJSON(body, status_code=status)


class OkxRejection(Exception):  # noqa: N818 - a transport signal, not an error of ours
    """Raised inside transport code to abort a request with an OKX error; rendered by a handler."""

    def __init__(self, rejected: Rejected) -> None:
        super().__init__(rejected.reason.value)
        self.rejected = rejected
