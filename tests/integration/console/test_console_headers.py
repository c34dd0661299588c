"""Security headers on every console response, no inline script or style, and the API untouched."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.console import Console, Visitor

PUBLIC = ["/", "/login", "/signup"]
SIGNED = [
    "/account",
    "/account/security",
    "/account/api",
    "/account/api/new",
    "/account/api/report",
    "/account/subaccounts",
    "/dev/mail",
    "/account/2fa/disable",
]


def _assert_secure(response: httpx.Response) -> None:
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", PUBLIC + SIGNED)
async def test_pages_send_security_headers_and_no_inline_code(
    app: Console, alice: Visitor, path: str
) -> None:
    if path in PUBLIC:
        async with app.visitor() as anonymous:
            page = await anonymous.get(path)
    else:
        if path == "/account/api/new":
            await alice.enable_2fa()  # without it the page says to turn 2FA on (403)
        page = await alice.get(path)
    assert page.status_code == 200, path
    _assert_secure(page)
    assert page.headers["cache-control"] == "no-store"
    body = page.text
    assert not re.search(r"<script(?![^>]*\ssrc=)", body), "inline <script>"
    assert not re.search(r"\sstyle=", body) and "<style" not in body, "inline style"
    assert not re.search(r"\son[a-z]+=", body), "inline event handler"
    for label_for in re.findall(r'<input id="([^"]+)"', body):  # every input has a label
        assert f'for="{label_for}"' in body, f"{path}: input {label_for} has no label"


async def test_redirects_errors_and_static_files_are_covered_too(app: Console) -> None:
    async with app.visitor() as visitor:
        redirect = await visitor.http.get("/account")
        assert redirect.status_code == 303
        _assert_secure(redirect)
        css = await visitor.http.get("/static/console.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        _assert_secure(css)
        js = await visitor.http.get("/static/console.js")
        assert "SPDX-License-Identifier" in js.text
        _assert_secure(js)


async def test_unknown_keys_and_sub_accounts_are_html_404(alice: Visitor) -> None:
    for path in ("/account/api/not-a-key", "/account/subaccounts/nobody01", "/account/api/nope/edit"):
        page = await alice.get(path)
        assert page.status_code == 404 and "text/html" in page.headers["content-type"], path
        _assert_secure(page)


async def test_the_console_does_not_shadow_the_apis(app: Console) -> None:
    async with app.visitor() as visitor:
        time = await visitor.http.get("/api/v5/public/time")
        assert time.json()["code"] == "0" and "content-security-policy" not in time.headers
        missing = await visitor.http.get("/api/v5/no/such/endpoint")
        assert missing.status_code == 401 and missing.json()["code"] == "50103"  # OKX's answer, not a page
        docs = await visitor.http.get("/sandex/openapi.json")
        assert docs.status_code == 200
        paths = docs.json()["paths"]
        assert not any(path.startswith(("/account", "/login", "/dev")) for path in paths)
