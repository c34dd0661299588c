"""`sandex serve --workers N` hands every flag the user typed to its children (and only those:
SANDEX_* variables reach them through the environment), and refuses what cannot work in one line."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sandex.cli import workers
from sandex.cli.main import app

POSTGRES = "postgresql+psycopg://sandex@127.0.0.1:5432/sandex"  # never connected to here


@pytest.fixture
def children_command(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The `sandex serve` command line the supervisor would start its children with."""
    seen: list[list[str]] = []

    def run(self: workers.Supervisor) -> int:
        seen.append(self.command)
        return 0

    monkeypatch.setattr(workers.Supervisor, "run", run)
    return seen


def test_the_users_flags_reach_the_children_as_typed(
    children_command: list[list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SANDEX_RATE_LIMITS", "x2")  # inherited by the children: not repeated
    data_dir = str(tmp_path / "d")
    args = [
        "serve", "--workers", "2", "--port", "9000", "--data-dir", data_dir, "--database-url", POSTGRES,
        "--trusted-proxy", "10.0.0.1", "--trusted-proxy", "10.0.0.2", "--market", "off", "--no-tls",
        "--access-log",
    ]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert children_command == [
        [
            sys.executable, "-m", "sandex", "serve", "--port", "9000", "--data-dir", data_dir,
            "--database-url", POSTGRES, "--trusted-proxy", "10.0.0.1", "--trusted-proxy", "10.0.0.2",
            "--market", "off", "--no-tls", "--access-log",
        ]
    ]  # fmt: skip


def test_with_the_market_on_every_child_gets_one_seed(
    children_command: list[list[str]], tmp_path: Path
) -> None:
    args = [
        "serve",
        "--workers",
        "1",
        "--data-dir",
        str(tmp_path),
        "--database-url",
        POSTGRES,
        "--market",
        "on",
    ]
    assert CliRunner().invoke(app, args).exit_code == 0
    command = children_command[0]
    assert command[-2] == "--seed" and int(command[-1]) > 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "error: --workers needs a PostgreSQL --database-url (SQLite has room for one process)"),
        (
            ["--database-url", POSTGRES, "--role", "api"],
            "error: --workers runs its own sequencer and API processes: drop --role and --standby",
        ),
        (
            ["--database-url", POSTGRES, "--standby"],
            "error: --workers runs its own sequencer and API processes: drop --role and --standby",
        ),
    ],
)
def test_what_cannot_work_is_refused_in_one_line(
    children_command: list[list[str]], tmp_path: Path, extra: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, ["serve", "--workers", "2", "--data-dir", str(tmp_path), *extra])
    assert (result.exit_code, result.output.strip()) == (1, message)
    assert children_command == []


def test_no_workers_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--workers", "0", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
