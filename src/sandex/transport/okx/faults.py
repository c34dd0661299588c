"""Injected faults on OKX REST routes: an ASGI middleware in front of every `/api/v5/` request.

It asks the fault injector first (a no-op while no fault is armed; in a cluster's API process a
request an armed fault could hit is decided by the sequencer's process). An injected answer replaces the
whole request: no authentication, no rate-limit charge, no handler, so nothing changes. Wire shapes:

* `kind=error` answers as OKX would refuse. The HTTP status, the body form and the default message
  come from the one error table (`transport/okx/errors.py`): e.g. 50001 -> HTTP 503
  `{"code":"50001","msg":"Service temporarily unavailable…","data":[]}`, 50011 -> HTTP 429
  `{"msg":"Too Many Requests","code":"50011"}` (bare, as OKX sends it). Codes not in the table
  answer HTTP 200 `{"code":…,"msg":…,"data":[]}`.
* On the order routes (place, cancel, amend; single and batch) a business code (any code outside
  the 50xxx request-level class, e.g. 51008) answers in the per-item form a real rejection has:
  HTTP 200 `{"code":"1","msg":"All operations failed","data":[{…,"sCode":"51008","sMsg":…}],
  "inTime":…,"outTime":…}` with one item per order of the request, echoing its `clOrdId`/`ordId`/
  `tag`/`reqId`. 50xxx codes stay request-level there too (`{"code":"50001",…}`).
* `kind=http` answers the status with a small HTML page (or the given body): what a failing proxy
  or load balancer sends, which clients cannot parse as JSON.
* `latency_ms` (any kind) waits that long (real time, not the sandex clock) before answering or
  serving the request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sandex.domain.clock import Clock
from sandex.domain.faults import DEFAULT_HTTP_STATUS, Fault, FaultInjector, FaultKind
from sandex.transport.okx.envelope import OkxJSON
from sandex.transport.okx.errors import ERRORS, WireError

OKX_PREFIX = "/api/v5/"

# Order routes answer business codes per item; the fields each item echoes from its request.
_PLACE = ("clOrdId", "ordId", "tag")
_CANCEL = ("clOrdId", "ordId")
_AMEND = ("clOrdId", "ordId", "reqId")
ITEM_ROUTES: Mapping[str, tuple[str, ...]] = {
    "/api/v5/trade/order": _PLACE,
    "/api/v5/trade/batch-orders": _PLACE,
    "/api/v5/trade/cancel-order": _CANCEL,
    "/api/v5/trade/cancel-batch-orders": _CANCEL,
    "/api/v5/trade/amend-order": _AMEND,
    "/api/v5/trade/amend-batch-orders": _AMEND,
}
ALL_FAILED_MSG = "All operations failed"

# OKX codes worth injecting that no domain reason produces (status, message).
_EXTRA: Mapping[str, tuple[int, str]] = {
    "50004": (
        400,
        "Endpoint request timeout (does not indicate success or failure of order, please check "
        "order status).",
    ),
    "50005": (410, "API is offline or unavailable."),
}


def _first_by_code() -> dict[str, WireError]:
    table: dict[str, WireError] = {}
    for entry in ERRORS.values():
        table.setdefault(entry.code, entry)
    return table


_BY_CODE = _first_by_code()


class FaultMiddleware:
    def __init__(self, app: ASGIApp, injector: FaultInjector, clock: Clock) -> None:
        self._app = app
        self._injector = injector
        self._clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._injector.armed or not scope["path"].startswith(OKX_PREFIX):
            await self._app(scope, receive, send)
            return
        api_key = Headers(scope=scope).get("ok-access-key")
        injection = await self._injector.ask_http(scope["method"], scope["path"], api_key)
        if injection is not None and injection.latency_ms:
            await asyncio.sleep(injection.latency_ms / 1000)
        if injection is None or injection.answer is None:
            await self._app(scope, receive, send)
            return
        response = await self._answer(injection.answer, scope, receive)
        await response(scope, receive, send)

    async def _answer(self, fault: Fault, scope: Scope, receive: Receive) -> Response:
        spec = fault.spec
        if spec.kind is FaultKind.HTTP:
            return http_page(spec.status or DEFAULT_HTTP_STATUS, spec.body)
        code = spec.code or "50026"
        fields = ITEM_ROUTES.get(scope["path"]) if scope["method"] == "POST" else None
        if fields is not None and is_item_code(code):
            items = _items(await _read_body(receive))
            return self._per_item(code, spec.msg, items, fields)
        return request_error(code, spec.msg, spec.status)

    def _per_item(
        self, code: str, msg: str | None, items: list[Mapping[str, Any]], fields: tuple[str, ...]
    ) -> Response:
        now_ms = self._clock.now_ms()
        data = []
        for item in items:
            row = {name: _text(item.get(name)) for name in fields}  # a placement carries no ordId: ""
            row.update(ts=str(now_ms), sCode=code, sMsg=msg or message_for(code, _params(item)))
            data.append(row)
        micros = str(now_ms * 1000)
        body = {"code": "1", "msg": ALL_FAILED_MSG, "data": data, "inTime": micros, "outTime": micros}
        return OkxJSON(body)


def is_item_code(code: str) -> bool:
    """Business codes (51xxx…59xxx) are per order; 50xxx codes concern the request as a whole."""
    return len(code) == 5 and code[0] == "5" and code[1] != "0"


def request_error(code: str, msg: str | None, status: int | None) -> Response:
    entry = _BY_CODE.get(code)
    if entry is None:
        default_status, default_msg = _EXTRA.get(code, (200, f"Injected error {code}"))
        body: dict[str, Any] = {"code": code, "msg": msg or default_msg, "data": []}
        return OkxJSON(body, status_code=status or default_status)
    text = msg or message_for(code, {})
    if entry.bare:
        return OkxJSON({"msg": text, "code": code}, status_code=status or entry.http_status)
    return OkxJSON({"code": code, "msg": text, "data": []}, status_code=status or entry.http_status)


def message_for(code: str, params: Mapping[str, str]) -> str:
    """OKX's text for `code` with what is known filled in and unknown placeholders left out."""
    entry = _BY_CODE.get(code)
    if entry is None:
        return _EXTRA.get(code, (200, f"Injected error {code}"))[1]
    filled = entry.message.format_map(_Blank(params))
    return " ".join(filled.split())


def http_page(status: int, body: str | None) -> Response:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    page = (
        body
        if body is not None
        else (
            f"<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {phrase}</h1></center>\r\n</body>\r\n</html>\r\n"
        )
    )
    return Response(page, status_code=status, media_type="text/html")


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _params(item: Mapping[str, Any]) -> dict[str, str]:
    """Placeholders an order can fill: the currency a buy spends (quote) or a sell spends (base)."""
    base, _, quote = _text(item.get("instId")).partition("-")
    ccy = quote if _text(item.get("side")) == "buy" else base
    return {"ccy": ccy} if ccy else {}


def _items(body: bytes) -> list[Mapping[str, Any]]:
    try:
        parsed = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError:
        parsed = {}
    found: list[Mapping[str, Any]] = []
    if isinstance(parsed, list):
        found = [item for item in parsed if isinstance(item, dict)]
    elif isinstance(parsed, dict):
        found = [parsed]
    return found or [{}]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
