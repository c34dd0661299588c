"""An in-process sandex app and a cookie-keeping client that fills console forms like a browser.

`Visitor.post(path, fields)` sends the CSRF token of the last page it
fetched, as the page's form would; tests that want to attack pass `csrf=None` or their own.
"""

from __future__ import annotations

import html
import math
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyotp
from fastapi import FastAPI

from sandex.app import create_app
from sandex.domain.keys import signing
from sandex.domain.keys.timestamps import format_rest_timestamp
from sandex.process import Runtime
from sandex.runtime.clock import SystemClock
from sandex.transport.console.context import ConsoleContext
from tests.support.apps import asgi_client, open_test_runtime
from tests.support.factories import PASSPHRASE, PASSWORD
from tests.support.totp import code_at, unused_step

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_MAIL_CODE = re.compile(r"data-mail-code>(\d{6})<")
_SECRET = re.compile(r"data-totp-secret>([A-Z2-7]+)<")
_REVEAL = re.compile(r'data-reveal="(api-key|secret|passphrase)">([^<]+)<')
UNSET = object()


@dataclass
class Visitor:
    """One browser: its own cookies, the last page it saw."""

    http: httpx.AsyncClient
    page: httpx.Response | None = None
    totp: pyotp.TOTP | None = None
    last_step: int | None = None
    seen: list[str] = field(default_factory=list)
    clock: SystemClock | None = None  # the in-process server's clock, when the test owns it

    async def get(self, path: str) -> httpx.Response:
        self.page = await self.http.get(path)
        self.seen.append(self.page.text)
        return self.page

    def csrf(self) -> str:
        assert self.page is not None, "fetch a page first"
        found = _CSRF.search(self.page.text)
        assert found, f"no CSRF token on {self.page.url}"
        return found.group(1)

    async def post(
        self, path: str, fields: dict[str, str] | None = None, *, csrf: object = UNSET, **headers: str
    ) -> httpx.Response:
        data = dict(fields or {})
        if csrf is UNSET:
            data["csrf_token"] = self.csrf()
        elif csrf is not None:
            data["csrf_token"] = str(csrf)
        response = await self.http.post(path, data=data, headers=headers)
        self.seen.append(response.text)
        if response.status_code == 200 or response.status_code == 400:
            self.page = response
        return response

    # --- flows ---------------------------------------------------------------------------------
    async def sign_up(self, email: str = "alice@example.com", password: str = PASSWORD) -> httpx.Response:
        await self.get("/signup")
        return await self.post("/signup", {"email": email, "password": password, "password_repeat": password})

    async def log_in(self, email: str = "alice@example.com", password: str = PASSWORD) -> httpx.Response:
        await self.get("/login")
        return await self.post("/login", {"email": email, "password": password})

    async def enable_2fa(self) -> list[str]:
        await self.get("/account/security")
        setup = await self.post("/account/2fa/setup")
        found = _SECRET.search(setup.text)
        assert found, setup.text
        self.totp = pyotp.TOTP(found.group(1))
        done = await self.post("/account/2fa/confirm", {"totp_code": self.totp_code()})
        assert done.status_code == 200, done.text
        return re.findall(r"<li><code>([^<]+)</code></li>", done.text)

    def totp_code(self) -> str:
        """A code for a step the server has not seen yet (it accepts one step either side of now).
        A fourth code within 30 s moves the in-process server's clock to the next step rather than
        waiting for it."""
        assert self.totp is not None
        clock = self.clock
        if clock is None:
            self.last_step = unused_step(self.last_step)
        else:
            now_s, skip = (lambda: clock.now_ms() / 1000), (lambda s: clock.advance(math.ceil(s * 1000)))
            self.last_step = unused_step(self.last_step, now_s, skip)
        return code_at(self.totp, self.last_step)

    async def send_code(self, purpose: str, reference: str = "") -> str:
        """Press "Send code", then read the code from /dev/mail (restoring the current page)."""
        page = self.page
        sent = await self.post(
            "/account/email-code", {"purpose": purpose, "reference": reference}, accept="application/json"
        )
        assert sent.json()["ok"], sent.text
        code = await self.newest_mail_code()
        self.page = page
        return code

    async def newest_mail_code(self) -> str:
        page = self.page
        mail = await self.http.get("/dev/mail")
        self.page = page
        found = _MAIL_CODE.search(mail.text)
        assert found, mail.text
        return found.group(1)

    async def create_key(
        self,
        label: str = "bot",
        *,
        trade: bool = True,
        ip: str = "127.0.0.1",
        path: str = "/account/api/new",
        **extra: str,
    ) -> httpx.Response:
        if self.totp is None:  # OKX (and sandex's console) create keys only with 2FA on
            await self.enable_2fa()
        await self.get(path)
        fields = {
            "label": label,
            "passphrase": PASSPHRASE,
            "environment": "live",
            "ip": ip,
            "expiry": "never",
            "email_code": await self.send_code("api_key_create"),
        }
        if trade:
            fields["perm_trade"] = "1"
        if self.totp is not None:
            fields["totp_code"] = self.totp_code()
        fields.update(extra)
        return await self.post(path, fields)


def balance_cell(page: str, account: str, ccy: str) -> str | None:
    """The "Available" cell of `ccy` in a page's balance table of `account` (trading, funding)."""
    table = re.search(rf'data-account="{account}">(.*?)</table>', page, re.S)
    if table is None:
        return None
    cell = rf'data-ccy="{ccy}">.*?data-label="Available" class="num"><div class="cell">([^<]+)<'
    row = re.search(cell, table.group(1), re.S)
    return row.group(1) if row else None


def revealed(page: httpx.Response) -> dict[str, str]:
    """The reveal dialog's values: api-key, secret, passphrase."""
    return {name: html.unescape(value) for name, value in _REVEAL.findall(page.text)}


@dataclass
class Console:
    app: FastAPI
    runtime: Runtime
    transport: httpx.ASGITransport
    base_url: str

    @property
    def context(self) -> ConsoleContext:
        context: ConsoleContext = self.app.state.console
        return context

    @asynccontextmanager
    async def visitor(self, ip: str = "127.0.0.1") -> AsyncIterator[Visitor]:
        async with asgi_client(self.app, ip, self.base_url) as http:
            yield Visitor(http, clock=self.runtime.clock)


@asynccontextmanager
async def console(
    tmp_path: Path, *, smtp_url: str | None = None, base_url: str = "http://sandex.test"
) -> AsyncIterator[Console]:
    settings, runtime = open_test_runtime(tmp_path / "data", smtp_url=smtp_url)
    app = create_app(settings, runtime)
    async with app.router.lifespan_context(app):
        yield Console(app, runtime, httpx.ASGITransport(app=app), base_url)


async def call_okx(
    visitor: Visitor, creds: dict[str, str], path: str = "/api/v5/account/config"
) -> dict[str, str]:
    """A signed OKX request with the revealed credentials: the key's `code` ("0" when it works)."""
    stamp = format_rest_timestamp(int(time.time() * 1000))
    headers = {
        "OK-ACCESS-KEY": creds["api-key"],
        "OK-ACCESS-SIGN": signing.sign(creds["secret"], signing.prehash(stamp, "GET", path)),
        "OK-ACCESS-TIMESTAMP": stamp,
        "OK-ACCESS-PASSPHRASE": creds["passphrase"],
    }
    response = await visitor.http.get(path, headers=headers)
    body: dict[str, str] = response.json()
    return body
