"""Signatures over the raw request as ccxt and python-okx send it, and who the caller is."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.apps import sandbox
from tests.support.okx import headers_for

READ = "/api/v5/test/read/x"


async def test_queries_are_verified_exactly_as_received(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        created = box.key(box.user().id)
        http = box.client()
        for target in (
            "/api/v5/asset/currencies?ccy=BTC%2CETH",  # ccxt: urlencoded
            "/api/v5/asset/currencies?ccy=BTC,ETH",  # python-okx: as typed
            "/api/v5/asset/currencies",
        ):
            response = await http.get(
                target, headers=headers_for(created, "GET", target, now_ms=box.now_ms())
            )
            assert response.json()["code"] == "0", (target, response.text)
        assert {row["ccy"] for row in response.json()["data"]} >= {"BTC", "ETH", "USDT"}
        # signing the decoded form of what is sent is a different message
        sent, signed = "/api/v5/asset/currencies?ccy=BTC%2CETH", "/api/v5/asset/currencies?ccy=BTC,ETH"
        response = await http.get(sent, headers=headers_for(created, "GET", signed, now_ms=box.now_ms()))
        assert response.json() == {"msg": "Invalid Sign", "code": "50113"}


async def test_bodies_are_verified_byte_for_byte(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        created = box.key(box.user().id)
        http = box.client()
        params = {"instId": "BTC-USDT", "sz": "1"}
        for body in (
            json.dumps(params, separators=(",", ":")),  # ccxt
            json.dumps(params),  # python-okx
            "{}",  # python-okx, no params
            "",
        ):  # ccxt, no params: no body at all
            headers = headers_for(created, "POST", READ, body, now_ms=box.now_ms())
            response = await http.post(READ, content=body.encode() or None, headers=headers)
            assert response.json()["code"] == "0", (body, response.text)
            assert response.json()["data"][0]["body"] == body
        compact = json.dumps(params, separators=(",", ":"))
        headers = headers_for(created, "POST", READ, compact, now_ms=box.now_ms())
        response = await http.post(READ, content=json.dumps(params).encode(), headers=headers)
        assert response.json() == {"msg": "Invalid Sign", "code": "50113"}


async def test_x_forwarded_for_counts_only_behind_a_trusted_proxy(tmp_path: Path) -> None:
    async with sandbox(tmp_path, trusted_proxies=("10.0.0.0/8",)) as box:
        created = box.key(box.user().id, ip="203.0.113.7")
        target = "/api/v5/account/config"
        headers = {
            **headers_for(created, "GET", target, now_ms=box.now_ms()),
            "X-Forwarded-For": "203.0.113.7",
        }
        behind_proxy = await box.client("10.1.2.3").get(target, headers=headers)
        assert behind_proxy.json()["code"] == "0", behind_proxy.text
        direct = await box.client("192.0.2.1").get(target, headers=headers)
        assert direct.json()["code"] == "50110" and "192.0.2.1" in direct.json()["msg"]
        spoofed = {**headers, "X-Forwarded-For": "203.0.113.7, 192.0.2.66"}
        chained = await box.client("10.1.2.3").get(target, headers=spoofed)
        assert chained.json()["code"] == "50110" and "192.0.2.66" in chained.json()["msg"]


async def test_ipv6_and_cidr_allow_lists(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        created = box.key(box.user().id, ip="2001:db8::/32, 198.51.100.0/24")
        target = "/api/v5/account/config"
        for ip, code in (
            ("2001:db8::5", "0"),
            ("198.51.100.77", "0"),
            ("198.51.101.1", "50110"),
            ("::ffff:198.51.100.3", "0"),
        ):
            headers = headers_for(created, "GET", target, now_ms=box.now_ms())
            response = await box.client(ip).get(target, headers=headers)
            assert response.json()["code"] == code, (ip, response.text)


async def test_private_rate_limits_are_charged_per_uid_after_authentication(tmp_path: Path) -> None:
    async with sandbox(tmp_path, rate_limits="okx") as box:
        box.runtime.clock.freeze()  # the 2 s window cannot end mid-test
        created = box.key(box.user().id)
        http = box.client()
        target = "/api/v5/account/config"  # OKX: 5 requests per 2 s per UID
        for _ in range(3):  # refused before authentication: costs nothing
            bad = await http.get(
                target,
                headers=headers_for(created, "GET", target, now_ms=box.now_ms(), passphrase="Wrong#Pass1"),
            )
            assert bad.json()["code"] == "50105"
        codes = []
        for _ in range(6):
            response = await http.get(
                target, headers=headers_for(created, "GET", target, now_ms=box.now_ms())
            )
            codes.append(response.json()["code"])
        assert codes == ["0"] * 5 + ["50011"]
        assert response.status_code == 429
