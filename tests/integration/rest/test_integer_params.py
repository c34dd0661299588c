"""Every integer parameter the OpenAPI table documents (ids, ms cursors, page sizes, `expTime`) that
does not fit 64 bits, or is longer than Python converts from text, is refused: never a 5xx.

The routes come from the document's own table, so a new route's integers are checked too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from sandex.transport.okx.openapi import OKX_ROUTES
from sandex.transport.okx.openapi.vocab import DIGITS, Doc, Param
from tests.support.apps import PEER, sandbox
from tests.support.okx import headers_for

TOO_LARGE = (str(1 << 63), "9" * 5000)  # past int64; past Python's int-from-text limit (4,300 digits)


def _integers(doc: Doc) -> list[Param]:
    return [p for p in (*doc.query, *doc.body, *doc.headers) if p.pattern == DIGITS]


def _valid(params: tuple[Param, ...]) -> dict[str, Any]:
    """The required parameters, at their documented example (or first allowed value)."""
    return {p.name: p.example or (p.enum[0] if p.enum else "1") for p in params if p.required}


ROUTES = sorted(route for route, doc in OKX_ROUTES.items() if _integers(doc))


@pytest.mark.parametrize("route", ROUTES)
async def test_integers_too_large_are_refused_not_crashing(tmp_path: Path, route: str) -> None:
    method, path = route.split(" ")
    doc = OKX_ROUTES[route]
    crashed = []
    async with sandbox(tmp_path) as box:
        key = box.key(box.user().id, perm="read_only,trade,withdraw")
        transport = httpx.ASGITransport(app=box.app, client=(PEER, 50000), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandex.test") as http:
            for param in _integers(doc):
                for value in TOO_LARGE:
                    query, body = _valid(doc.query), _valid(doc.body)
                    extra = {param.name: value} if param in doc.headers else {}
                    (query if param in doc.query else body if param in doc.body else extra)[param.name] = (
                        value
                    )
                    target = f"{path}?{urlencode(query)}" if query else path
                    content = json.dumps([body] if doc.batch else body) if method == "POST" else ""
                    headers = {**headers_for(key, method, target, content, now_ms=box.now_ms()), **extra}
                    answer = await http.request(method, target, content=content or None, headers=headers)
                    if answer.status_code >= 500:
                        crashed.append(f"{param.name}={value[:25]}: {answer.status_code} {answer.text}")
    assert crashed == []
