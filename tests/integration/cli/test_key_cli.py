"""`sandex key …` and `sandex keys rotate-master` as scripts and CI use them."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from typer.testing import CliRunner

from sandex.cli.main import app
from sandex.config import Settings
from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys import signing
from sandex.domain.keys.timestamps import format_rest_timestamp
from sandex.process import open_runtime
from sandex.runtime.crypto import MASTER_KEY_FILE
from sandex.storage.uow import SqlUnitOfWork
from sandex.testing.server import serve_in_thread

EMAIL = "alice@example.test"  # registered by the `data_dir` fixture
PASSPHRASE = "Sandex#2026"
CONFIG = "/api/v5/account/config"


def _run(*args: str, data_dir: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args, "--data-dir", str(data_dir)])
    return result.exit_code, result.stdout, result.stderr


def _add(data_dir: Path, *extra: str, label: str = "bot") -> dict[str, Any]:
    code, out, err = _run(
        "key", "add", EMAIL, "--label", label, "--passphrase", PASSPHRASE, "--json", *extra, data_dir=data_dir
    )
    assert code == 0, err
    created: dict[str, Any] = json.loads(out)
    return created


def _headers(key: dict[str, Any], target: str = CONFIG, demo: bool = False) -> dict[str, str]:
    ts = format_rest_timestamp(int(time.time() * 1000))
    headers = {
        "OK-ACCESS-KEY": key["apiKey"],
        "OK-ACCESS-PASSPHRASE": key["passphrase"],
        "OK-ACCESS-TIMESTAMP": ts,
        "OK-ACCESS-SIGN": signing.sign(key["secretKey"], signing.prehash(ts, "GET", target)),
    }
    return {**headers, "x-simulated-trading": "1"} if demo else headers


def test_key_add_json_prints_one_object_and_the_key_works(data_dir: Path) -> None:
    key = _add(data_dir, "--perm", "read_only,trade", "--ip", "127.0.0.1", "--ip", "10.0.0.0/8")
    assert {"apiKey", "secretKey", "passphrase", "perm", "ip", "label", "environment", "state"} <= set(key)
    assert (key["perm"], key["ip"], key["label"], key["environment"], key["state"]) == (
        "read_only,trade",
        "127.0.0.1,10.0.0.0/8",
        "bot",
        "live",
        "active",
    )
    demo = _add(data_dir, "--demo", label="demo")
    assert demo["environment"] == "demo"
    with serve_in_thread(Settings(data_dir=data_dir, rate_limits="off")) as server:
        live = httpx.get(server.base_url + CONFIG, headers=_headers(key)).json()
        assert live["code"] == "0" and live["data"][0]["label"] == "bot"
        sandbox = httpx.get(server.base_url + CONFIG, headers=_headers(demo, demo=True)).json()
        assert sandbox["code"] == "0" and sandbox["data"][0]["perm"] == "read_only"


def test_list_and_show_never_print_the_secret_or_passphrase(data_dir: Path) -> None:
    key = _add(data_dir, "--ip", "127.0.0.1")
    for args in (
        ("key", "list", EMAIL),
        ("key", "list", EMAIL, "--json"),
        ("key", "show", key["apiKey"]),
        ("key", "show", key["apiKey"], "--json"),
    ):
        code, out, err = _run(*args, data_dir=data_dir)
        assert code == 0, err
        assert key["apiKey"] in out and key["secretKey"] not in out and PASSPHRASE not in out
    listed = json.loads(_run("key", "list", EMAIL, "--json", data_dir=data_dir)[1])["keys"]
    assert [(k["apiKey"], k["state"], k["unbound"]) for k in listed] == [(key["apiKey"], "active", False)]
    shown = json.loads(_run("key", "show", key["apiKey"], "--json", data_dir=data_dir)[1])
    assert [e["event"] for e in shown["audit"]] == ["created"] and shown["usage"] == []


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (
            ("key", "add", "nobody@example.test", "--label", "x", "--passphrase", PASSPHRASE),
            "no user with email",
        ),
        (("key", "add", EMAIL, "--label", "x", "--passphrase", PASSPHRASE, "--perm", "admin"), "perm"),
        (("key", "add", EMAIL, "--label", "x", "--passphrase", PASSPHRASE, "--ip", "300.1.1.1"), "300.1.1.1"),
        (("key", "add", EMAIL, "--label", "x", "--passphrase", "weak"), "passphrase"),
        (("key", "add", EMAIL, "--label", "x", "--passphrase", PASSPHRASE, "--perm", "withdraw"), "bound"),
        (
            ("key", "add", EMAIL, "--label", "x", "--passphrase", PASSPHRASE, "--expires", "31-12-2030"),
            "expires",
        ),
        (
            ("key", "add", EMAIL, "--label", "x", "--passphrase", PASSPHRASE, "--expires", "2001-01-01"),
            "expiry",
        ),
        (("key", "revoke", "00000000-0000-0000-0000-000000000000"), "does not exist"),
        (("key", "show", "00000000-0000-0000-0000-000000000000"), "does not exist"),
        (("key", "list", "nobody@example.test"), "no user with email"),
    ],
)
def test_bad_input_fails_with_one_line_and_changes_nothing(
    data_dir: Path, args: tuple[str, ...], reason: str
) -> None:
    code, out, err = _run(*args, data_dir=data_dir)
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and reason in err, err
    assert json.loads(_run("key", "list", EMAIL, "--json", data_dir=data_dir)[1]) == {"keys": []}


def test_revoke_and_delete(data_dir: Path) -> None:
    key = _add(data_dir)
    assert _run("key", "revoke", key["apiKey"], data_dir=data_dir)[:2] == (
        0,
        f"API key {key['apiKey']} is revoked\n",
    )
    assert _run("key", "delete", key["apiKey"], data_dir=data_dir)[:2] == (
        0,
        f"API key {key['apiKey']} deleted\n",
    )
    assert json.loads(_run("key", "list", EMAIL, "--json", data_dir=data_dir)[1]) == {"keys": []}
    shown = json.loads(_run("key", "show", key["apiKey"], "--json", data_dir=data_dir)[1])
    assert [e["event"] for e in shown["audit"]] == ["created", "revoked", "deleted"]


def test_audit_reports_unbound_keys(data_dir: Path) -> None:
    unbound = _add(data_dir, "--perm", "read_only,trade", label="anywhere")
    _add(data_dir, "--ip", "127.0.0.1", label="bound")
    code, out, err = _run("key", "audit", EMAIL, "--json", data_dir=data_dir)
    assert code == 0, err
    report = json.loads(out)
    assert [(f["apiKey"], f["unbound"]) for f in report["findings"]] == [(unbound["apiKey"], True)]
    assert report["findings"][0]["expiresInMs"] is None or report["findings"][0]["expiresInMs"] > 0


def test_cli_revoke_reaches_a_running_server(data_dir: Path) -> None:
    key = _add(data_dir, "--ip", "127.0.0.1")
    with serve_in_thread(Settings(data_dir=data_dir, rate_limits="off")) as server:
        assert httpx.get(server.base_url + CONFIG, headers=_headers(key)).json()["code"] == "0"
        fresh = _add(data_dir, "--ip", "127.0.0.1", label="fresh")  # created while the server runs
        assert httpx.get(server.base_url + CONFIG, headers=_headers(fresh)).json()["code"] == "0"
        assert _run("key", "revoke", key["apiKey"], data_dir=data_dir)[0] == 0
        revoked_at = time.monotonic()
        while (code := httpx.get(server.base_url + CONFIG, headers=_headers(key)).json()["code"]) == "0":
            assert time.monotonic() - revoked_at < 30.0, "the running server never saw the revocation"
            time.sleep(0.02)
        assert code == "50111"


def test_rotate_master_reencrypts_and_running_servers_follow(data_dir: Path) -> None:
    key = _add(data_dir, "--ip", "127.0.0.1")
    with serve_in_thread(Settings(data_dir=data_dir, rate_limits="off")) as server:
        accounts = server.runtime.accounts
        alice = accounts.get_user_by_email(EMAIL)
        assert alice is not None
        enrollment = accounts.begin_totp(alice.id)
        assert not isinstance(enrollment, Rejected)
        assert not isinstance(accounts.confirm_totp(alice.id, pyotp.TOTP(enrollment.secret).now()), Rejected)
        code, out, err = _run("keys", "rotate-master", data_dir=data_dir)
        assert code == 0, err
        assert out.startswith("master key mk-") and out.endswith(
            "2 secrets re-encrypted\n"
        )  # API secret, 2FA seed
        # the server follows the rotation for 2FA seeds too (a wrong code, not a decryption error)
        refused = accounts.verify_second_factor(alice.id, "000000")
        assert isinstance(refused, Rejected) and refused.reason is Reason.TOTP_INVALID
        keyfile = json.loads((data_dir / MASTER_KEY_FILE).read_text())
        assert len(keyfile["keys"]) == 2 and out.split()[2] == keyfile["active"]
        server.runtime.keys.auth.reset()  # force a read of the re-encrypted secret
        assert httpx.get(server.base_url + CONFIG, headers=_headers(key)).json()["code"] == "0"
        created_after = _add(data_dir, "--ip", "127.0.0.1", label="after")
        assert httpx.get(server.base_url + CONFIG, headers=_headers(created_after)).json()["code"] == "0"
    runtime = open_runtime(Settings(data_dir=data_dir), fast_hashing=True)
    try:
        with SqlUnitOfWork(runtime.sessions) as uow:
            assert {row.key_id for row in uow.keys.list_secrets()} == {keyfile["active"]}
    finally:
        runtime.engine.dispose()
