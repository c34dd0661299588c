"""sandex's client signs what it sends with the server's own signing code: every request verifies."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import httpx

from sandex.client import AsyncOkxClient, Credentials
from sandex.domain.keys.signing import prehash, verify
from sandex.domain.keys.timestamps import parse_rest_timestamp, within_window

CREDS = Credentials("key-1", "SECRET123", "Pass#word1")
OK = {"code": "0", "msg": "", "data": [{"ordId": "1", "clOrdId": "", "sCode": "0", "sMsg": "", "ts": "1"}]}


def _recording(seen: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=OK)

    return httpx.MockTransport(handler)


def _verifies(request: httpx.Request, secret: str) -> bool:
    target = request.url.raw_path  # path and query exactly as sent
    message = prehash(request.headers["OK-ACCESS-TIMESTAMP"], request.method, target, request.content)
    return verify(secret, message, request.headers["OK-ACCESS-SIGN"])


async def test_a_signed_get_verifies_with_its_query_exactly_as_sent() -> None:
    seen: list[httpx.Request] = []
    async with AsyncOkxClient("http://x", CREDS, transport=_recording(seen)) as okx:
        await okx.request("GET", "/api/v5/asset/currencies", {"ccy": "BTC,USDT", "none": None})
    request = seen[0]
    assert request.url.raw_path == b"/api/v5/asset/currencies?ccy=BTC%2CUSDT"
    assert _verifies(request, CREDS.secret_key)
    assert not _verifies(request, "OTHER")
    assert request.headers["OK-ACCESS-KEY"] == "key-1"
    assert request.headers["OK-ACCESS-PASSPHRASE"] == "Pass#word1"
    assert "x-simulated-trading" not in request.headers


async def test_a_signed_post_verifies_with_its_compact_body() -> None:
    seen: list[httpx.Request] = []
    async with AsyncOkxClient("http://x", CREDS, transport=_recording(seen)) as okx:
        await okx.place_order("BTC-USDT", "buy", "limit", Decimal("0.010"), px=Decimal(30000), cl_ord_id="c1")
    request = seen[0]
    assert request.content == (
        b'{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","sz":"0.010",'
        b'"px":"30000","clOrdId":"c1"}'
    )
    assert json.loads(request.content)["sz"] == "0.010"  # Decimals go out as exact strings
    assert _verifies(request, CREDS.secret_key)


async def test_the_timestamp_is_okx_iso_in_the_window_and_follows_the_offset() -> None:
    seen: list[httpx.Request] = []
    day = 86_400_000
    async with AsyncOkxClient("http://x", CREDS, transport=_recording(seen), time_offset_ms=day) as okx:
        await okx.request("GET", "/api/v5/account/config")
    stamp = parse_rest_timestamp(seen[0].headers["OK-ACCESS-TIMESTAMP"])
    assert stamp is not None
    now = time.time_ns() // 1_000_000
    assert within_window(stamp, now + day) and not within_window(stamp, now)


async def test_demo_credentials_send_the_simulated_trading_header() -> None:
    seen: list[httpx.Request] = []
    demo = Credentials("k", "s", "p", demo=True)
    async with AsyncOkxClient("http://x", demo, transport=_recording(seen)) as okx:
        await okx.request("GET", "/api/v5/account/config")
    assert seen[0].headers["x-simulated-trading"] == "1"


async def test_unsigned_requests_carry_no_credentials() -> None:
    seen: list[httpx.Request] = []
    async with AsyncOkxClient("http://x", None, transport=_recording(seen)) as okx:
        await okx.request("GET", "/api/v5/public/time", signed=False)
    assert not any(name.lower().startswith("ok-access") for name in seen[0].headers)


async def test_sync_time_signs_with_the_servers_clock() -> None:
    server_ahead_ms = 5 * 86_400_000

    def handler(request: httpx.Request) -> httpx.Response:
        now = time.time_ns() // 1_000_000 + server_ahead_ms
        return httpx.Response(200, json={"code": "0", "msg": "", "data": [{"ts": str(now)}]})

    async with AsyncOkxClient("http://x", CREDS, transport=httpx.MockTransport(handler)) as okx:
        offset = await okx.sync_time()
    assert abs(offset - server_ahead_ms) < 1000
