"""An in-process sandex with users, keys and signed OKX REST calls, for the funding tests.

Imported by module name (pytest puts this directory on sys.path). The server's clock is frozen so
that deposits and withdrawals move only when a test moves time (`Box.travel`), and requests are
signed with the server's time, so travelling never trips the ±30 s timestamp window.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from sandex.app import Runtime, create_app, open_runtime
from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.funding.withdrawals import Limits
from sandex.domain.keys import signing
from sandex.domain.keys.rules import CreateKeyRequest
from sandex.domain.keys.timestamps import format_rest_timestamp
from sandex.services.accounts.views import UserView
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.funding.views import AllowListView
from sandex.services.keys.views import CreatedKey
from sandex.storage.orm.trading import LedgerAccountRow, LedgerBalanceRow, PostingRow

PASSWORD = "Correct-Horse-9"
PASSPHRASE = "Sandex#2026"
PEER = "127.0.0.1"
TRON_ADDR = "TXtvfb7cdrn6VX9H49mgio8bUxZ3DGfvYF"
WITHDRAW = "read_only,withdraw"


@dataclass
class Box:
    app: FastAPI
    runtime: Runtime
    stack: AsyncExitStack

    def user(self, email: str) -> UserView:
        user = self.runtime.accounts.register(email, PASSWORD)
        assert not isinstance(user, Rejected), user
        return user

    def sub(self, master: UserView, name: str) -> UserView:
        sub = self.runtime.accounts.create_subaccount(master.id, name)
        assert not isinstance(sub, Rejected), sub
        return sub

    def key(
        self, user_id: int, perm: str = "read_only,trade", *, demo: bool = False, label: str = "bot"
    ) -> CreatedKey:
        environment = Environment.DEMO if demo else Environment.LIVE
        created = self.runtime.keys.keys.create(
            user_id, CreateKeyRequest(label, PASSPHRASE, perm, PEER), environment=environment
        )
        assert not isinstance(created, Rejected), created
        return created

    def client(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(PEER, 50000))
        http = httpx.AsyncClient(transport=transport, base_url="http://sandex.test")
        self.stack.push_async_callback(http.aclose)
        return http

    def now_ms(self) -> int:
        return self.runtime.clock.now_ms()

    async def travel(self, ms: int) -> int:
        """Move the server clock on and let the funding clock act on it; answers state changes."""
        self.runtime.clock.advance(ms)
        return await self.runtime.funding.service.advance()

    async def credit(self, user: UserView, ccy: str, amount: str, *, demo: bool = False) -> None:
        """An operator credit (instant, to the funding account: what deposits into funding look like)."""
        environment = Environment.DEMO if demo else Environment.LIVE
        done = await self.runtime.trading.service.deposit(
            user.id, environment, ccy, Decimal(amount), LedgerAccountKind.FUNDING
        )
        assert not isinstance(done, Rejected), done

    def allow(self, user: UserView, chain: str, addr: str, tag: str = "") -> AllowListView:
        """Add an allow-list entry the way the console will: email code (from the outbox), then add."""
        book = self.runtime.funding.addresses
        assert book.send_add_code(user.id, chain=chain, addr=addr, tag=tag) is None
        code = self.runtime.accounts.list_mail(user.email or "")[0].code
        added = book.add(user.id, chain=chain, addr=addr, tag=tag, totp_code=None, email_code=code)
        assert not isinstance(added, Rejected), added
        return added


@dataclass
class Client:
    """One key calling OKX REST routes as a client would (signed raw bytes)."""

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
        query = urlencode({k: v for k, v in params.items() if v is not None})
        target = f"/api/v5/{path}" + (f"?{query}" if query else "")
        response = await self.box.client().get(target, headers=self._headers("GET", target, ""))
        result: dict[str, Any] = response.json()
        return result

    async def data(self, path: str, **params: Any) -> list[dict[str, Any]]:
        answer = await self.get(path, **params)
        assert answer["code"] == "0", answer
        rows: list[dict[str, Any]] = answer["data"]
        return rows

    def _headers(self, method: str, target: str, body: str) -> dict[str, str]:
        ts = format_rest_timestamp(self.box.now_ms())
        headers = {
            "OK-ACCESS-KEY": self.key.info.api_key,
            "OK-ACCESS-SIGN": signing.sign(self.key.secret, signing.prehash(ts, method, target, body)),
            "OK-ACCESS-TIMESTAMP": ts,
            "OK-ACCESS-PASSPHRASE": self.key.passphrase,
            "Content-Type": "application/json",
        }
        if self.key.info.environment is Environment.DEMO:
            headers["x-simulated-trading"] = "1"
        return headers

    async def funding(self, ccy: str) -> dict[str, str]:
        rows = await self.data("asset/balances", ccy=ccy)
        return rows[0] if rows else {"availBal": "0", "bal": "0", "frozenBal": "0", "ccy": ccy}

    async def trading(self, ccy: str) -> dict[str, str]:
        answer = await self.data("account/balance", ccy=ccy)
        details = answer[0]["details"]
        return details[0] if details else {"availBal": "0", "frozenBal": "0", "eq": "0"}


@asynccontextmanager
async def funding_box(tmp_path: Path, *, limits: Limits | None = None, **settings: Any) -> AsyncIterator[Box]:
    config = Settings(data_dir=tmp_path / "data", **{"rate_limits": "off", **settings})
    runtime = open_runtime(config, fast_hashing=True, funding_limits=limits)
    app = create_app(config, runtime)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        runtime.clock.freeze()  # only tests move time from here on
        await runtime.funding.clock.stop()  # and only `travel` advances deposits and withdrawals
        yield Box(app, runtime, stack)


def assert_conserved(rt: Runtime) -> None:
    """Per environment and currency: every committed balance (fee accounts included) adds up to the
    deposits minus the withdrawals recorded in the postings."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    external: dict[tuple[str, str], int] = defaultdict(int)
    with rt.sessions() as s:
        balances = select(
            LedgerAccountRow.environment,
            LedgerBalanceRow.ccy,
            LedgerBalanceRow.available,
            LedgerBalanceRow.frozen,
        ).join(LedgerAccountRow, LedgerAccountRow.id == LedgerBalanceRow.account_id)
        for env, ccy, available, frozen in s.execute(balances):
            totals[(env, ccy)] += available + frozen
        for env, ccy, delta in s.execute(
            select(LedgerAccountRow.environment, PostingRow.ccy, PostingRow.delta_available)
            .join(LedgerAccountRow, LedgerAccountRow.id == PostingRow.account_id)
            .where(PostingRow.reason.in_(["deposit", "withdrawal"]))
        ):
            external[(env, ccy)] += delta
    assert {k: v for k, v in totals.items() if v} == {k: v for k, v in external.items() if v}
