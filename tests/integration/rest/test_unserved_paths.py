"""OKX paths sandex does not serve answer like OKX: authentication first, then a documented code
that names what is not supported (never a framework's 404)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.apps import Sandbox, sandbox
from tests.support.okx import headers_for
from tests.support.rest import trader

UNAVAILABLE = "This feature is currently unavailable: sandex does not serve {}."
SPOT_MODE = (
    "Request unsupported under current account mode: {} needs a margin or derivatives account mode; "
    "sandex accounts are in Spot mode."
)
UNKNOWN_KEY = "00000000-0000-0000-0000-000000000000"
NO_PERMISSION = {"msg": "This API key doesn't have permission to use this function", "code": "50120"}


@pytest.fixture
async def box(tmp_path: Path) -> AsyncIterator[Sandbox]:
    async with sandbox(tmp_path) as b:
        yield b


async def test_an_unknown_private_read_is_authenticated_then_refused_with_50062(box: Sandbox) -> None:
    alice = trader(box)
    answer = await alice.get_raw("finance/savings/balance", ccy="USDT")
    assert answer.status_code == 200
    assert answer.json() == {
        "code": "50062",
        "msg": UNAVAILABLE.format("GET /api/v5/finance/savings/balance"),
        "data": [],
    }


async def test_authentication_comes_before_the_refusal(box: Sandbox) -> None:
    alice = trader(box)
    unsigned = await box.client().get("/api/v5/finance/savings/balance")
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "50103")
    for api_key, status, code in (("not-a-key", 401, "50111"), (UNKNOWN_KEY, 200, "50119")):
        target = "/api/v5/account/set-leverage"
        headers = headers_for(alice.key, "POST", target, "{}", now_ms=box.now_ms()) | {
            "OK-ACCESS-KEY": api_key
        }
        answer = await box.client().post(target, content=b"{}", headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (status, code)
    wrong_secret = headers_for(
        alice.key, "GET", "/api/v5/account/positions-history", now_ms=box.now_ms(), secret="0" * 32
    )
    answer = await box.client().get("/api/v5/account/positions-history", headers=wrong_secret)
    assert (answer.status_code, answer.json()) == (401, {"msg": "Invalid Sign", "code": "50113"})


async def test_a_write_needs_the_trade_permission_before_it_is_refused(box: Sandbox) -> None:
    reader = trader(box, "reader@example.com", perm="read_only")
    denied = await reader.post_raw("account/set-leverage", '{"instId":"BTC-USDT-SWAP","lever":"5"}')
    assert (denied.status_code, denied.json()) == (200, NO_PERMISSION)
    refused = await reader.get("account/leverage-info", instId="BTC-USDT-SWAP", mgnMode="cross")
    assert refused == {
        "code": "51010",
        "msg": SPOT_MODE.format("GET /api/v5/account/leverage-info"),
        "data": [],
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "account/set-leverage"),
        ("POST", "account/set-position-mode"),
        ("GET", "account/positions-history"),
        ("POST", "trade/close-position"),
        ("GET", "account/max-loan"),
        ("POST", "account/position/margin-balance"),
    ],
)
async def test_derivatives_requests_of_a_spot_account_answer_51010(
    box: Sandbox, method: str, path: str
) -> None:
    alice = trader(box)
    if method == "GET":
        answer = (await alice.get_raw(path, instId="BTC-USDT-SWAP")).json()
    else:
        answer = (
            await alice.post_raw(path, '{"instId":"BTC-USDT-SWAP","lever":"5","mgnMode":"cross"}')
        ).json()
    assert answer == {"code": "51010", "msg": SPOT_MODE.format(f"{method} /api/v5/{path}"), "data": []}


async def test_unserved_public_paths_answer_codes_without_a_key(box: Sandbox) -> None:
    http = box.client()
    futures = await http.get("/api/v5/public/estimated-price", params={"instId": "BTC-USD-250627"})
    assert (futures.status_code, futures.json()["code"]) == (200, "51001")  # no futures are listed
    options = await http.get("/api/v5/public/opt-summary", params={"instFamily": "BTC-USD"})
    assert options.json() == {
        "code": "50062",
        "msg": UNAVAILABLE.format("GET /api/v5/public/opt-summary"),
        "data": [],
    }
    copy = await http.get("/api/v5/copytrading/public-lead-traders")
    assert copy.json()["code"] == "50062"  # public: no key asked for
    rates = await http.get("/api/v5/finance/savings/lending-rate-summary")
    assert rates.json()["code"] == "50062"  # a documented public path outside the public families
    nowhere = await http.get("/api/v5/no/such/endpoint")
    assert (nowhere.status_code, nowhere.json()["code"]) == (401, "50103")  # private until proven public


async def test_paths_outside_the_okx_api_are_a_plain_404(box: Sandbox) -> None:
    answer = await box.client().get("/sandex/no-such-document")  # (the console answers pages elsewhere)
    assert answer.status_code == 404 and answer.json() == {"msg": "Not Found"}
