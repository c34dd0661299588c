"""`sandex admin-token` prints the token a server on the same data dir accepts."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sandex.cli.main import app
from sandex.client import ControlClient
from sandex.config import Settings
from sandex.testing.server import serve_in_thread


def test_the_printed_token_opens_the_control_api(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    runner = CliRunner()
    printed = runner.invoke(app, ["admin-token", "--data-dir", str(data_dir)])
    assert printed.exit_code == 0, printed.output
    token = printed.output.strip()
    where = runner.invoke(app, ["admin-token", "--data-dir", str(data_dir), "--path"])
    assert Path(where.output.strip()) == (data_dir / "admin-token").resolve()
    with (
        serve_in_thread(Settings(data_dir=data_dir, rate_limits="off")) as server,
        ControlClient(server.base_url, token) as control,
    ):
        assert control.status()["version"]
    assert runner.invoke(app, ["admin-token", "--data-dir", str(data_dir)]).output.strip() == token
