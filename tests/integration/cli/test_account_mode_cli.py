"""`sandex user account-mode EMAIL futures|spot` and `sandex user position-mode EMAIL net|long_short`:
bad words and unknown users exit 1 with one line and change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sandex.cli.main import app

EMAIL = "alice@example.test"  # registered by the `data_dir` fixture


def _run(*args: str, data_dir: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["user", *args, "--data-dir", str(data_dir)])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("account-mode", EMAIL, "portfolio"), "error: invalid mode 'portfolio': expected futures or spot"),
        (("position-mode", EMAIL, "hedge"), "error: invalid mode 'hedge': expected net or long_short"),
        (("account-mode", "nobody@example.test", "futures"), "error: no user with email nobody@example.test"),
    ],
)
def test_bad_input_exits_1_with_one_line(data_dir: Path, args: tuple[str, ...], message: str) -> None:
    code, out, err = _run(*args, data_dir=data_dir)
    assert (code, out, err.strip()) == (1, "", message)
