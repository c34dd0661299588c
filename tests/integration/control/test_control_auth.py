"""The control plane answers only to the admin token: from the data dir (0600) or the settings."""

from __future__ import annotations

import logging
import stat
import time
from pathlib import Path

import pytest

from sandex.config import Settings
from sandex.domain.keys.signing import prehash, sign
from sandex.domain.keys.timestamps import format_rest_timestamp
from sandex.process import open_runtime
from sandex.runtime.admin_token import ADMIN_TOKEN_FILE, load_admin_token
from sandex.testing.inprocess import SandexApp
from tests.support.db import migrated_data_dir

USERS = "/sandex/v1/users"


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token-0123456789", "Basic {token}", "{token}", "Bearer"],
)
async def test_requests_without_the_admin_token_are_refused(
    sandex_app: SandexApp, authorization: str | None
) -> None:
    token = sandex_app.runtime.admin_token
    headers = {} if authorization is None else {"Authorization": authorization.format(token=token)}
    response = await sandex_app.http.post(USERS, json={"email": "a@sandex.test"}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["reason"] == "unauthorized"
    assert [u for u in await sandex_app.control.list_users() if u.email] == []  # nothing was created


async def test_an_okx_api_key_never_reaches_the_control_plane(sandex_app: SandexApp) -> None:
    account = await sandex_app.create_account(funds={})
    creds = account.trade
    timestamp = format_rest_timestamp(time.time_ns() // 1_000_000)
    signature = sign(creds.secret_key, prehash(timestamp, "GET", USERS))
    okx_headers = {
        "OK-ACCESS-KEY": creds.api_key,
        "OK-ACCESS-SIGN": signature,
        "OK-ACCESS-TIMESTAMP": timestamp,
        "OK-ACCESS-PASSPHRASE": creds.passphrase,
    }
    # A correctly signed request with a live, trade-enabled key: the control plane ignores it.
    response = await sandex_app.http.get(USERS, headers=okx_headers)
    assert response.status_code == 401
    okx = sandex_app.okx(creds)
    assert (await okx.account_config()).label == "trade"  # the same headers work on OKX routes


async def test_the_right_token_is_accepted(sandex_app: SandexApp) -> None:
    headers = {"Authorization": f"Bearer {sandex_app.runtime.admin_token}"}
    response = await sandex_app.http.get("/sandex/v1/status", headers=headers)
    assert response.status_code == 200
    assert response.json()["deposits"] is True


def test_the_token_file_is_made_once_private_and_reused(tmp_path: Path) -> None:
    settings = Settings(data_dir=migrated_data_dir(tmp_path / "data"), rate_limits="off")
    first = open_runtime(settings, fast_hashing=True)
    path = settings.data_dir / ADMIN_TOKEN_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().strip() == first.admin_token and len(first.admin_token) >= 32
    second = open_runtime(settings, fast_hashing=True)
    assert second.admin_token == first.admin_token
    first.engine.dispose()
    second.engine.dispose()


def test_a_configured_token_wins_and_no_file_is_written(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    assert load_admin_token(data_dir, "configured-token-0123456789") == "configured-token-0123456789"
    assert not (data_dir / ADMIN_TOKEN_FILE).exists()
    with pytest.raises(ValueError, match="at least 16"):
        load_admin_token(data_dir, "short")


async def test_secrets_handed_out_are_never_logged(
    sandex_app: SandexApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = await sandex_app.control.create_user("logs@sandex.test")
    key = await sandex_app.control.create_key(user.uid, perm="read_only,trade")
    await sandex_app.control.deposit(user.uid, "USDT", "10")
    assert user.password and key.secret_key and key.passphrase
    text = caplog.text
    for secret in (user.password, key.secret_key, key.passphrase, sandex_app.runtime.admin_token):
        assert secret not in text
