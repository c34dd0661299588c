"""The first hour with sandex: `sandex serve` says where everything is once it is ready, and
`sandex reset` starts over, with or without a server running on the data dir."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from sandex.cli.main import app
from sandex.config import Settings
from sandex.testing.server import serve_in_thread
from tests.support.db import migrated_data_dir
from tests.support.serve_process import sandex_serve

PASSWORD = "Correct-Horse-9"
EMAIL = "alice@example.test"


def _run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def _add_alice(data_dir: Path) -> None:
    code, _, err = _run("user", "add", EMAIL, "--password", PASSWORD, "--data-dir", str(data_dir))
    assert code == 0, err


def _emails(data_dir: Path) -> list[str]:
    code, out, err = _run("user", "list", "--json", "--data-dir", str(data_dir))
    assert code == 0, err
    return [user["email"] for user in json.loads(out)["users"]]


# --- sandex serve -----------------------------------------------------------------------------------
@pytest.mark.slow
def test_serve_prints_where_everything_is_once_it_accepts_connections(tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    with sandex_serve(data_dir, "--market", "on", "--seed", "4242") as served:
        api = served.entry("REST API")
        match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/api/v5", api)
        assert match is not None and match[1] != "0"  # the real port, not the asked-for 0
        base = api.removesuffix("/api/v5")
        # printed once it is ready: the API answers at the printed address at once, no waiting
        assert httpx.get(f"{api}/public/time", timeout=10).json()["code"] == "0"
        assert httpx.get(f"{base}/login", timeout=10).status_code == 200  # the console

        ws = base.replace("http://", "ws://")
        assert served.entry("public WS") == f"{ws}/ws/v5/public"
        assert served.entry("private WS").startswith(f"{ws}/ws/v5/private")
        assert served.entry("console").startswith(f"{base}/")
        assert served.entry("data dir") == str(data_dir.resolve())
        assert f"`sandex admin-token --data-dir {data_dir.resolve()}`" in served.entry("control API")
        assert served.entry("market").startswith("on, seed 4242")
        assert any("Uvicorn running on" in line for line in served.before)  # uvicorn's own lines stay
        assert json.loads((data_dir / "server.json").read_text())["url"] == base
    assert not (data_dir / "server.json").exists()  # a stopped server leaves no address behind


# --- sandex reset -----------------------------------------------------------------------------------
def test_reset_without_a_server_wipes_the_database_after_confirmation(tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    _add_alice(data_dir)

    code, out, _ = _run("reset", "--data-dir", str(data_dir), stdin="y\n")

    assert code == 0
    assert "Delete every user, key, order and balance in" in out
    assert f"reset {data_dir.resolve()} (no server running)" in out
    assert _emails(data_dir) == []


def test_reset_asks_first_and_a_no_changes_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    _add_alice(data_dir)

    code, out, err = _run("reset", "--data-dir", str(data_dir), stdin="n\n")

    assert code == 1 and "Delete every user" in out and "Aborted" in err
    assert _emails(data_dir) == [EMAIL]


def test_reset_yes_does_not_ask(tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    _add_alice(data_dir)

    code, out, _ = _run("reset", "--yes", "--data-dir", str(data_dir))  # no input: a prompt would abort

    assert code == 0 and "Delete every" not in out
    assert _emails(data_dir) == []
    _add_alice(data_dir)  # a fresh start: the same email signs up again
    assert _emails(data_dir) == [EMAIL]


@pytest.mark.slow
def test_reset_with_a_running_server_goes_through_its_control_api(tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    with sandex_serve(data_dir, "--market", "off") as served:
        base = served.entry("REST API").removesuffix("/api/v5")
        _add_alice(data_dir)
        assert _emails(data_dir) == [EMAIL]

        code, out, err = _run("reset", "--yes", "--data-dir", str(data_dir))

        assert code == 0, err
        assert out.startswith(f"reset the running server at {base} (")
        assert _emails(data_dir) == []
        assert httpx.get(f"{base}/api/v5/public/time", timeout=10).json()["code"] == "0"  # still serving


def test_reset_with_a_server_that_left_no_address_says_how_to_reset_it(tmp_path: Path) -> None:
    data_dir = migrated_data_dir(tmp_path / "d")
    with serve_in_thread(Settings(data_dir=data_dir, rate_limits="off", market=False)):
        _add_alice(data_dir)
        code, _, err = _run("reset", "--yes", "--data-dir", str(data_dir))

    assert code == 1
    assert err.startswith("error: a server is running on this database but left no address in ")
    assert "POST /sandex/v1/reset" in err
    assert _emails(data_dir) == [EMAIL]  # nothing was wiped behind the server's back


def test_reset_wipes_a_postgresql_database_given_by_url(migrated_postgres_url: str, tmp_path: Path) -> None:
    where = ["--database-url", migrated_postgres_url, "--data-dir", str(tmp_path / "d")]
    code, _, err = _run("user", "add", EMAIL, "--password", PASSWORD, *where)
    assert code == 0, err

    code, out, err = _run("reset", *where, stdin="y\n")

    assert code == 0, err
    assert "(no server running)" in out
    code, out, _ = _run("user", "list", "--json", *where)
    assert code == 0 and json.loads(out)["users"] == []
