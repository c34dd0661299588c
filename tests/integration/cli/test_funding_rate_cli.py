"""`sandex funding-rate …` needs a running server: without one it says so and exits 1."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sandex.cli.main import app


def test_without_a_running_server_there_is_nothing_to_steer(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["funding-rate", "show", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    assert "no server is running" in result.output
