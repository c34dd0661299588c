"""How the client reports what went wrong: typed errors carrying OKX's code, or the raw answer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from sandex.client import (
    AsyncControlClient,
    AsyncOkxClient,
    ControlError,
    Credentials,
    HttpError,
    OkxError,
    Order,
)

CREDS = Credentials("key-1", "SECRET", "Pass#word1")


def _answering(status: int, body: Any = None, text: str | None = None) -> httpx.MockTransport:
    def handler(_request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text, headers={"content-type": "text/html"})
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handler)


async def test_a_request_level_code_raises_with_the_code_and_http_status() -> None:
    body = {"code": "50001", "msg": "Service temporarily unavailable.", "data": []}
    async with AsyncOkxClient("http://x", CREDS, transport=_answering(503, body)) as okx:
        with pytest.raises(OkxError) as caught:
            await okx.balance()
    assert (caught.value.code, caught.value.top_code, caught.value.http_status) == ("50001", "50001", 503)


async def test_a_refused_order_raises_with_its_scode() -> None:
    body = {
        "code": "1",
        "msg": "All operations failed",
        "data": [
            {
                "clOrdId": "c1",
                "ordId": "",
                "tag": "",
                "ts": "1",
                "sCode": "51008",
                "sMsg": "Insufficient USDT",
            }
        ],
    }
    async with AsyncOkxClient("http://x", CREDS, transport=_answering(200, body)) as okx:
        with pytest.raises(OkxError) as caught:
            await okx.place_order("BTC-USDT", "buy", "limit", "1", px="1")
    error = caught.value
    assert (error.code, error.top_code, error.msg) == ("51008", "1", "Insufficient USDT")
    assert error.data[0]["clOrdId"] == "c1"


async def test_a_bare_auth_error_raises_its_code() -> None:
    body = {"msg": "Invalid OK-ACCESS-KEY", "code": "50111"}
    async with AsyncOkxClient("http://x", CREDS, transport=_answering(401, body)) as okx:
        with pytest.raises(OkxError, match="50111") as caught:
            await okx.account_config()
    assert caught.value.data == [] and caught.value.http_status == 401


async def test_a_non_json_answer_raises_http_error_with_the_page() -> None:
    page = "<html><body>502 Bad Gateway</body></html>"
    async with AsyncOkxClient("http://x", CREDS, transport=_answering(502, text=page)) as okx:
        with pytest.raises(HttpError) as caught:
            await okx.server_time()
    assert caught.value.status == 502 and "Bad Gateway" in caught.value.body


async def test_control_refusals_carry_reason_code_and_field() -> None:
    body = {
        "error": {
            "reason": "param_error",
            "message": "Parameter amount error",
            "code": "51000",
            "field": "amount",
        }
    }
    async with AsyncControlClient("http://x", "t" * 20, transport=_answering(400, body)) as control:
        with pytest.raises(ControlError) as caught:
            await control.deposit("1", "USDT", Decimal("-1"))
    error = caught.value
    assert (error.status, error.reason, error.code, error.field) == (400, "param_error", "51000", "amount")


def test_orders_read_okx_strings_as_decimals_and_empty_as_none() -> None:
    order = Order.of(
        {
            "instId": "BTC-USDT",
            "ordId": "7",
            "px": "",
            "sz": "0.5",
            "accFillSz": "0.25",
            "avgPx": "30000.1",
            "state": "partially_filled",
            "cTime": "1700000000000",
        }
    )
    assert order.px is None and order.sz == Decimal("0.5") and order.avg_px == Decimal("30000.1")
    assert order.acc_fill_sz == Decimal("0.25") and order.c_time == 1_700_000_000_000
    assert order.state == "partially_filled"
