"""OKX REST as a client speaks it to an in-process sandex: signed requests, raw bytes, parsed answers.

`Trader` is one user with a key on a `Sandbox` (the trading tests); `Client` is one key on a funding
`Box`, signing with the server's (frozen) time so that travelling never trips the ±30 s window.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx

from sandex.domain.errors import Rejected
from sandex.services.accounts.views import UserView
from sandex.services.keys.views import CreatedKey
from tests.support.apps import Box, Sandbox
from tests.support.factories import environment_of
from tests.support.okx import headers_for

INST = "BTC-USDT"
# A limit buy of 0.01 BTC at 20000 USDT (200 USDT frozen while it rests).
LIMIT = {"instId": INST, "tdMode": "cash", "side": "buy", "ordType": "limit", "sz": "0.01", "px": "20000"}
JSON = {"Content-Type": "application/json"}


def signed_target(path: str, params: dict[str, Any]) -> str:
    """`/api/v5/<path>` with the query as it is signed and sent (None values left out)."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"/api/v5/{path}" + (f"?{query}" if query else "")


@dataclass
class Trader:
    """One user with a key, calling OKX REST routes as a client would (signed, raw bytes)."""

    box: Sandbox
    user: UserView
    key: CreatedKey
    demo: bool = False

    async def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = await self.post_raw(path, json.dumps(body), headers)
        assert response.status_code in (200, 400), response.text
        result: dict[str, Any] = response.json()
        return result

    async def post_raw(self, path: str, body: str, headers: dict[str, str] | None = None) -> httpx.Response:
        target = f"/api/v5/{path}"
        signed = headers_for(self.key, "POST", target, body, now_ms=self.box.now_ms())
        return await self.box.client().post(
            target, content=body.encode(), headers={**signed, **(headers or {})}
        )

    async def get(self, path: str, **params: Any) -> dict[str, Any]:
        response = await self.get_raw(path, **params)
        result: dict[str, Any] = response.json()
        return result

    async def get_raw(self, path: str, **params: Any) -> httpx.Response:
        target = signed_target(path, params)
        return await self.box.client().get(
            target, headers=headers_for(self.key, "GET", target, now_ms=self.box.now_ms())
        )

    async def deposit(self, ccy: str, amount: str) -> None:
        environment = environment_of(demo=self.demo)
        done = await self.box.runtime.trading.service.deposit(self.user.id, environment, ccy, Decimal(amount))
        assert not isinstance(done, Rejected), done

    async def place(self, **fields: Any) -> dict[str, Any]:
        """A limit order by default; returns the whole answer."""
        return await self.post("trade/order", {**LIMIT, **fields})

    async def placed_id(self, **fields: Any) -> str:
        answer = await self.place(**fields)
        assert answer["code"] == "0", answer
        ord_id: str = answer["data"][0]["ordId"]
        return ord_id

    async def balance(self, ccy: str) -> dict[str, str]:
        answer = await self.get("account/balance", ccy=ccy)
        details = answer["data"][0]["details"]
        return details[0] if details else {"availBal": "0", "frozenBal": "0", "eq": "0"}

    async def order(self, ord_id: str, inst_id: str = INST) -> dict[str, Any]:
        answer = await self.get("trade/order", instId=inst_id, ordId=ord_id)
        assert answer["code"] == "0", answer
        row: dict[str, Any] = answer["data"][0]
        return row


def trader(
    box: Sandbox, email: str = "alice@example.com", *, demo: bool = False, perm: str = "read_only,trade"
) -> Trader:
    user = box.user(email)
    return Trader(box, user, box.key(user.id, label="bot", perm=perm, demo=demo), demo)


@dataclass
class Client:
    """One key calling OKX REST routes on a funding `Box` (signed raw bytes, JSON content type)."""

    box: Box
    key: CreatedKey

    async def post(self, path: str, body: Any) -> dict[str, Any]:
        response = await self.post_raw(path, body)
        result: dict[str, Any] = response.json()
        return result

    async def post_raw(self, path: str, body: Any) -> httpx.Response:
        target, text = f"/api/v5/{path}", json.dumps(body)
        headers = self._headers("POST", target, text)
        return await self.box.client().post(target, content=text.encode(), headers=headers)

    async def get(self, path: str, **params: Any) -> dict[str, Any]:
        target = signed_target(path, params)
        response = await self.box.client().get(target, headers=self._headers("GET", target, ""))
        result: dict[str, Any] = response.json()
        return result

    async def data(self, path: str, **params: Any) -> list[dict[str, Any]]:
        answer = await self.get(path, **params)
        assert answer["code"] == "0", answer
        rows: list[dict[str, Any]] = answer["data"]
        return rows

    def _headers(self, method: str, target: str, body: str) -> dict[str, str]:
        return {**headers_for(self.key, method, target, body, now_ms=self.box.now_ms()), **JSON}

    async def funding(self, ccy: str) -> dict[str, str]:
        rows = await self.data("asset/balances", ccy=ccy)
        return rows[0] if rows else {"availBal": "0", "bal": "0", "frozenBal": "0", "ccy": ccy}

    async def trading(self, ccy: str) -> dict[str, str]:
        answer = await self.data("account/balance", ccy=ccy)
        details = answer[0]["details"]
        return details[0] if details else {"availBal": "0", "frozenBal": "0", "eq": "0"}
