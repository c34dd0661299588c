"""`sandex user|subaccount|mail …` as scripts and CI use them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sandex.cli.main import app
from sandex.config import Settings
from sandex.process import open_runtime

PASSWORD = "Correct-Horse-9"
EMAIL = "alice@example.test"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def _run(*args: str, data_dir: Path | None = None, stdin: str | None = None) -> tuple[int, str, str]:
    extra = ["--data-dir", str(data_dir)] if data_dir is not None else []
    result = CliRunner().invoke(app, [*args, *extra], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def _add_alice(data_dir: Path) -> dict[str, object]:
    code, out, err = _run("user", "add", EMAIL, "--password", PASSWORD, "--json", data_dir=data_dir)
    assert code == 0, err
    created: dict[str, object] = json.loads(out)
    return created


def test_user_add_creates_a_user_that_can_log_in(data_dir: Path) -> None:
    code, out, _ = _run("user", "add", "Alice@Example.test", "--password", PASSWORD, data_dir=data_dir)

    assert code == 0
    assert out.startswith("created user alice@example.test (uid ")
    runtime = open_runtime(Settings(data_dir=data_dir), fast_hashing=True)
    try:
        user = runtime.accounts.login(EMAIL, PASSWORD, ip="127.0.0.1", user_agent="test")
        assert user == runtime.accounts.get_user_by_email(EMAIL)
    finally:
        runtime.engine.dispose()


def test_user_add_json_and_user_list(data_dir: Path) -> None:
    created = _add_alice(data_dir)
    assert created["email"] == EMAIL and created["status"] == "active"
    assert str(created["uid"]).isdigit()

    code, out, _ = _run("user", "list", "--json", data_dir=data_dir)
    assert code == 0 and json.loads(out)["users"] == [created]
    code, out, _ = _run("user", "list", data_dir=data_dir)
    assert out.startswith(f"{EMAIL}\tuid {created['uid']}\tactive")


def test_the_password_is_prompted_for_when_not_given(data_dir: Path) -> None:
    code, out, _ = _run("user", "add", EMAIL, data_dir=data_dir, stdin=f"{PASSWORD}\n")

    assert code == 0 and "created user alice@example.test" in out
    assert PASSWORD not in out  # typed input is hidden


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        (
            "not-an-email",
            PASSWORD,
            "error: Parameter email error: not a valid email address (email_invalid, code 70001)",
        ),
        (EMAIL, "short", "error: Password too weak: 8-128 characters (password_weak, code 70003)"),
        (EMAIL, "nouppercase1", "error: Password too weak: at least one uppercase letter"),
    ],
)
def test_bad_input_fails_with_one_precise_line(
    data_dir: Path, email: str, password: str, message: str
) -> None:
    code, out, err = _run("user", "add", email, "--password", password, data_dir=data_dir)

    assert code == 1 and out == ""
    assert err.startswith(message) and err.count("\n") == 1
    assert _run("user", "list", "--json", data_dir=data_dir)[1] == '{"users": []}\n'


def test_a_duplicate_email_fails_and_changes_nothing(data_dir: Path) -> None:
    created = _add_alice(data_dir)

    code, _, err = _run("user", "add", "ALICE@example.test", "--password", "Other-Pass-77", data_dir=data_dir)
    assert code == 1 and "This email is already registered." in err
    assert json.loads(_run("user", "list", "--json", data_dir=data_dir)[1])["users"] == [created]


def test_user_freeze_and_unfreeze(data_dir: Path) -> None:
    _add_alice(data_dir)

    assert _run("user", "freeze", EMAIL, data_dir=data_dir)[:2] == (0, f"user {EMAIL} is frozen\n")
    assert json.loads(_run("user", "list", "--json", data_dir=data_dir)[1])["users"][0]["status"] == "frozen"
    assert _run("user", "unfreeze", EMAIL, data_dir=data_dir)[:2] == (0, f"user {EMAIL} is active\n")
    code, _, err = _run("user", "freeze", "ghost@example.test", data_dir=data_dir)
    assert code == 1 and err == "error: no user with email ghost@example.test\n"


def test_subaccount_add_list_freeze_unfreeze(data_dir: Path) -> None:
    _add_alice(data_dir)

    code, out, _ = _run(
        "subaccount", "add", EMAIL, "Trader01", "--label", "grid bot", "--json", data_dir=data_dir
    )
    assert code == 0
    sub = json.loads(out)
    assert (sub["name"], sub["label"], sub["enabled"]) == ("Trader01", "grid bot", True)
    assert _run("subaccount", "freeze", EMAIL, "Trader01", data_dir=data_dir)[:2] == (
        0,
        "sub-account Trader01 is frozen\n",
    )

    listed = json.loads(_run("subaccount", "list", EMAIL, "--json", data_dir=data_dir)[1])["subaccounts"]
    assert listed == [{**sub, "enabled": False}]
    _run("subaccount", "unfreeze", EMAIL, "Trader01", data_dir=data_dir)
    code, out, _ = _run("subaccount", "list", EMAIL, data_dir=data_dir)
    assert out == f"Trader01\tuid {sub['uid']}\tenabled\tgrid bot\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", EMAIL, "bad name"], "error: Parameter subAcct error: 6-20 letters or digits"),
        (["add", EMAIL, "Trader01"], "error: Sub-account name already exists."),
        (["add", "ghost@example.test", "Trader02"], "error: no user with email ghost@example.test"),
        (["freeze", EMAIL, "Nobody001"], "error: Sub-account does not exist"),
    ],
)
def test_subaccount_errors_are_precise(data_dir: Path, args: list[str], message: str) -> None:
    _add_alice(data_dir)
    _run("subaccount", "add", EMAIL, "Trader01", data_dir=data_dir)

    code, _, err = _run("subaccount", *args, data_dir=data_dir)
    assert code == 1 and err.startswith(message)


def test_mail_list_shows_the_codes_a_flow_needs(data_dir: Path) -> None:
    created = _add_alice(data_dir)
    runtime = open_runtime(Settings(data_dir=data_dir), fast_hashing=True)
    try:
        assert runtime.accounts.send_email_code(int(str(created["id"])), "api_key_create") is None
    finally:
        runtime.engine.dispose()

    code, out, _ = _run("mail", "list", EMAIL, "--json", data_dir=data_dir)
    (mail,) = json.loads(out)["mail"]
    assert code == 0 and mail["to"] == EMAIL and len(mail["code"]) == 6
    assert f"Verification code: {mail['code']}" in mail["body"]
    code, out, _ = _run("mail", "list", EMAIL, data_dir=data_dir)
    assert out.startswith(f"--- #{mail['id']} ") and f"Verification code: {mail['code']}" in out
    assert _run("mail", "list", "bob@example.test", data_dir=data_dir)[1] == "no mail for bob@example.test\n"


def test_mail_list_says_it_is_a_development_outbox_and_blanks_used_codes(data_dir: Path) -> None:
    user_id = int(str(_add_alice(data_dir)["id"]))
    runtime = open_runtime(Settings(data_dir=data_dir), fast_hashing=True)
    try:
        assert runtime.accounts.send_email_code(user_id, "api_key_create") is None
        (live,) = runtime.accounts.list_mail(EMAIL)
        assert live.code is not None
        assert runtime.accounts.verify_email_code(user_id, "api_key_create", live.code) is None
    finally:
        runtime.engine.dispose()

    code, out, err = _run("mail", "list", EMAIL, data_dir=data_dir)
    assert code == 0 and "Development outbox" in err and "--smtp-url" in err
    assert live.code not in out and "no longer valid" in out
    (listed,) = json.loads(_run("mail", "list", EMAIL, "--json", data_dir=data_dir)[1])["mail"]
    assert listed["code"] is None and live.code not in listed["body"]


def test_commands_work_on_either_database(tmp_path: Path, migrated_database_url: str) -> None:
    code, out, err = _run(
        "user",
        "add",
        EMAIL,
        "--password",
        PASSWORD,
        "--database-url",
        migrated_database_url,
        "--data-dir",
        str(tmp_path),
    )
    assert code == 0, err
    _, out, _ = _run(
        "user", "list", "--json", "--database-url", migrated_database_url, "--data-dir", str(tmp_path)
    )
    assert [u["email"] for u in json.loads(out)["users"]] == [EMAIL]


@pytest.mark.slow
def test_sandex_user_add_in_a_real_process(data_dir: Path) -> None:
    def sandex(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sandex", *args, "--data-dir", str(data_dir)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
            check=False,
        )

    added = sandex("user", "add", EMAIL, "--password", PASSWORD)
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("created user alice@example.test (uid ")

    again = sandex("user", "add", EMAIL, "--password", PASSWORD)
    assert again.returncode == 1
    assert again.stderr.strip() == "error: This email is already registered. (email_taken, code 70002)"
    runtime = open_runtime(Settings(data_dir=data_dir), fast_hashing=True)
    try:
        assert [u.email for u in runtime.accounts.list_users()] == [EMAIL]
    finally:
        runtime.engine.dispose()


def test_user_list_leaves_out_the_market_makers_own_users(data_dir: Path) -> None:
    created = _add_alice(data_dir)
    runtime = open_runtime(Settings(data_dir=data_dir), fast_hashing=True)
    try:  # what a server's market maker makes on its first start
        for role in ("market-maker", "market-flow"):
            runtime.market.store.system_user(role, runtime.clock.now_ms())
        assert len(runtime.accounts.list_users()) == 3  # the control API still lists every master
    finally:
        runtime.engine.dispose()

    code, out, _ = _run("user", "list", "--json", data_dir=data_dir)
    assert code == 0 and json.loads(out)["users"] == [created]
    code, out, _ = _run("user", "list", data_dir=data_dir)
    assert code == 0 and out.splitlines() == [f"{EMAIL}\tuid {created['uid']}\tactive"]
