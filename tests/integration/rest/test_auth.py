"""Signed-request authentication over HTTP: one row per refusal, with OKX's code, status and body.

Every row sends a real, correctly signed request and breaks exactly one thing. Auth refusals are
HTTP 401 `{"msg","code"}` with no `data` (reference §1.6), in that key order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandex.domain.accounts.email_codes import CodePurpose
from sandex.domain.accounts.model import UserStatus
from sandex.domain.errors import Rejected
from sandex.domain.keys.rules import CreateKeyRequest
from sandex.domain.keys.timestamps import format_rest_timestamp
from sandex.services.keys.views import ConsoleConfirmation, CreatedKey
from tests.support.apps import Sandbox, sandbox
from tests.support.factories import PASSPHRASE
from tests.support.okx import headers_for

CONFIG = "/api/v5/account/config"


@dataclass
class Call:
    key: str  # which key of the world signs
    method: str = "GET"
    target: str = CONFIG
    body: str = ""
    ip: str = "127.0.0.1"
    sign: dict[str, Any] = field(default_factory=dict)  # headers_for overrides
    drop: tuple[str, ...] = ()  # headers removed after signing
    set: dict[str, str] = field(default_factory=dict)  # headers replaced after signing
    before: Callable[[Sandbox], None] | None = None


def bare(code: str, msg: str, status: int = 401) -> tuple[int, dict[str, Any]]:
    return status, {"msg": msg, "code": code}


def full(code: str, msg: str, status: int) -> tuple[int, dict[str, Any]]:
    return status, {"code": code, "msg": msg, "data": []}


CASES: dict[str, tuple[Call, tuple[int, dict[str, Any]]]] = {
    "no headers at all": (
        Call("main", drop=("OK-ACCESS-KEY", "OK-ACCESS-SIGN", "OK-ACCESS-TIMESTAMP", "OK-ACCESS-PASSPHRASE")),
        bare("50103", "Request header OK-ACCESS-KEY can not be empty."),
    ),
    "empty key header": (
        Call("main", set={"OK-ACCESS-KEY": ""}),
        bare("50103", "Request header OK-ACCESS-KEY can not be empty."),
    ),
    "no sign": (
        Call("main", drop=("OK-ACCESS-SIGN",)),
        bare("50106", "Request header OK-ACCESS-SIGN can not be empty."),
    ),
    "no timestamp": (
        Call("main", drop=("OK-ACCESS-TIMESTAMP",)),
        bare("50107", "Request header OK-ACCESS-TIMESTAMP can not be empty."),
    ),
    "no passphrase": (
        Call("main", drop=("OK-ACCESS-PASSPHRASE",)),
        bare("50104", "Request header OK-ACCESS-PASSPHRASE can not be empty."),
    ),
    "malformed timestamp": (
        Call("main", sign={"timestamp": "2026-08-22 16:40:00"}),
        bare("50112", "Invalid OK-ACCESS-TIMESTAMP"),
    ),
    "unix timestamp on REST": (
        Call("main", sign={"timestamp": "1787416800"}),
        bare("50112", "Invalid OK-ACCESS-TIMESTAMP"),
    ),
    "timestamp 31 s old": (
        Call("main", sign={"skew_ms": -31_000}),
        bare("50102", "Timestamp request expired"),
    ),
    "timestamp 31 s ahead": (
        Call("main", sign={"skew_ms": 31_000}),
        bare("50102", "Timestamp request expired"),
    ),
    "malformed key": (
        Call("main", set={"OK-ACCESS-KEY": "not-a-key"}),
        bare("50111", "Invalid OK-ACCESS-KEY"),
    ),
    "unknown key": (
        Call("main", set={"OK-ACCESS-KEY": "00000000-0000-0000-0000-000000000000"}),
        bare("50119", "API key doesn't exist", 200),
    ),
    "revoked key": (Call("revoked"), bare("50111", "Invalid OK-ACCESS-KEY")),
    "deleted key": (Call("deleted"), bare("50119", "API key doesn't exist", 200)),
    "pending key": (Call("pending"), bare("50111", "Invalid OK-ACCESS-KEY")),
    "expired key": (
        Call("expiring", before=lambda box: box.runtime.clock.advance(2_000)),
        bare("50111", "Invalid OK-ACCESS-KEY"),
    ),
    "frozen owner": (Call("frozen"), full("50007", "User blocked.", 200)),
    "demo key on live": (
        Call("demo", sign={"demo": False}),
        bare("50101", "APIKey does not match current environment."),
    ),
    "live key on demo": (
        Call("main", sign={"demo": True}),
        bare("50101", "APIKey does not match current environment."),
    ),
    "ip not allowed": (
        Call("main", ip="192.0.2.9"),
        bare("50110", "Your IP 192.0.2.9 is not included in your API key's IP whitelist."),
    ),
    "forwarded-for from an untrusted peer": (
        Call("main", ip="192.0.2.9", set={"X-Forwarded-For": "127.0.0.1"}),
        bare("50110", "Your IP 192.0.2.9 is not included in your API key's IP whitelist."),
    ),
    "wrong passphrase": (
        Call("main", sign={"passphrase": "Wrong#Pass1"}),
        bare("50105", "Request header OK-ACCESS-PASSPHRASE incorrect."),
    ),
    "wrong secret": (Call("main", sign={"secret": "0" * 32}), bare("50113", "Invalid Sign")),
    "signed another path": (
        Call("main", set={"__target": "/api/v5/account/config?x=1"}),
        bare("50113", "Invalid Sign"),
    ),
    "read-only key on a trade route": (
        Call("readonly", "POST", "/api/v5/test/trade", "{}"),
        bare("50120", "This API key doesn't have permission to use this function", 200),
    ),
    "trade key on a withdraw route": (
        Call("main", "POST", "/api/v5/test/withdraw", "{}"),
        bare("50120", "This API key doesn't have permission to use this function", 200),
    ),
    "unbound key managing sub-account keys": (
        Call(
            "unbound",
            "POST",
            "/api/v5/users/subaccount/apikey",
            json.dumps({"subAcct": "botdesk01", "label": "x", "passphrase": PASSPHRASE}),
        ),
        full("50035", "This endpoint requires that APIKey must be bound to IP", 403),
    ),
    "sub-account key on a master-only route": (
        Call("sub", target="/api/v5/users/subaccount/list"),
        full("59500", "Only the APIKey of the main account has permission", 200),
    ),
}


@dataclass
class World:
    box: Sandbox
    keys: dict[str, CreatedKey]


def _world(box: Sandbox) -> World:
    alice, bob = box.user(), box.user("bob@example.com")
    sub = box.sub(alice)
    now = box.now_ms()
    keys = {
        "main": box.key(alice.id),
        "readonly": box.key(alice.id, label="ro", perm="read_only"),
        "unbound": box.key(alice.id, label="unbound", ip=""),
        "demo": box.key(alice.id, label="demo", demo=True),
        "revoked": box.key(alice.id, label="revoked"),
        "deleted": box.key(alice.id, label="deleted"),
        "expiring": box.key(alice.id, label="expiring", expires_at_ms=now + 1_000),
        "frozen": box.key(bob.id, label="bob"),
        "sub": box.key(sub.id, label="sub"),
        "pending": _pending_key(box, alice.id),
    }
    box.runtime.keys.keys.revoke(keys["revoked"].info.api_key)
    box.runtime.keys.keys.delete(keys["deleted"].info.api_key)
    box.runtime.accounts.set_status(bob.id, UserStatus.FROZEN)
    return World(box, keys)


def _pending_key(box: Sandbox, user_id: int) -> CreatedKey:
    accounts = box.runtime.accounts
    assert accounts.send_email_code(user_id, CodePurpose.API_KEY_CREATE) is None
    code = accounts.list_mail("alice@example.com", 1)[0].code
    created = box.runtime.keys.keys.create_from_console(
        user_id,
        CreateKeyRequest("pending", PASSPHRASE, "read_only", "127.0.0.1"),
        ConsoleConfirmation(email_code=code),
    )
    assert not isinstance(created, Rejected)
    return created


async def _send(world: World, call: Call) -> httpx.Response:
    box = world.box
    if call.before is not None:
        call.before(box)
    options = dict(call.sign)
    skew = options.pop("skew_ms", 0)
    created = world.keys[call.key]
    headers = headers_for(created, call.method, call.target, call.body, now_ms=box.now_ms() + skew, **options)
    target = call.set.get("__target", call.target)
    headers.update({k: v for k, v in call.set.items() if not k.startswith("__")})
    for name in call.drop:
        headers.pop(name)
    http = box.client(call.ip)
    return await http.request(call.method, target, content=call.body.encode() or None, headers=headers)


@pytest.mark.parametrize("case", list(CASES))
async def test_refusal(tmp_path: Path, case: str) -> None:
    call, (status, body) = CASES[case]
    async with sandbox(tmp_path) as box:
        world = _world(box)
        response = await _send(world, call)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert list(response.json().items()) == list(body.items())  # keys in OKX's order, nothing more


async def test_the_same_calls_pass_when_nothing_is_broken(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        world = _world(box)
        for call in (
            Call("main"),
            Call("demo"),
            Call("main", sign={"skew_ms": -29_000}),
            Call("main", sign={"skew_ms": 29_000}),
            Call("sub"),
            Call("main", "POST", "/api/v5/test/trade", "{}"),
            Call("readonly", "POST", "/api/v5/test/read/x", '{"a": 1}'),
        ):
            response = await _send(world, call)
            assert response.status_code == 200, (call, response.text)
            assert response.json()["code"] == "0"


async def test_x_simulated_trading_0_means_live(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        world = _world(box)
        created = world.keys["main"]
        headers = headers_for(created, "GET", CONFIG, now_ms=box.now_ms())
        response = await box.client().get(CONFIG, headers={**headers, "x-simulated-trading": "0"})
        assert response.json()["code"] == "0"


async def test_timestamp_is_checked_before_the_key_is_looked_up(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        world = _world(box)
        headers = headers_for(
            world.keys["main"],
            "GET",
            CONFIG,
            now_ms=box.now_ms(),
            timestamp=format_rest_timestamp(1_600_000_000_000),
        )
        headers["OK-ACCESS-KEY"] = "00000000-0000-0000-0000-000000000000"
        response = await box.client().get(CONFIG, headers=headers)
        assert response.json() == {"msg": "Timestamp request expired", "code": "50102"}
