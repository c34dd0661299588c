"""`sandex user account-mode EMAIL futures|spot` and `sandex user position-mode EMAIL net|long_short`:
applied by the CLI itself with no server, or by the running server; refused as OKX refuses them
(position mode in Spot mode: 51010); bad words and unknown users exit 1 with one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sandex.cli.main import app
from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.process import open_runtime
from sandex.services.exchange.records import LedgerAccountKind
from sandex.testing.server import serve_in_thread

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


def _settings(data_dir: Path, environment: Environment) -> tuple[str, str]:
    """The account's settings as a freshly started process reads them."""
    runtime = open_runtime(Settings(data_dir=data_dir), fast_hashing=True)
    try:
        user = runtime.accounts.get_user_by_email(EMAIL)
        assert user is not None
        account = runtime.trading.store.ensure_account(user.id, environment, LedgerAccountKind.TRADING, 0)
        record = runtime.trading.store.account_settings(environment, account)
        return record.acct_lv.value, record.pos_mode.value
    finally:
        runtime.engine.dispose()


def test_without_a_server_the_cli_sets_the_modes(data_dir: Path) -> None:
    code, out, err = _run("account-mode", EMAIL, "futures", data_dir=data_dir)
    assert code == 0, err
    assert out.strip() == f"account mode of {EMAIL} (live): Futures (acctLv 2)"
    code, out, err = _run("position-mode", EMAIL, "long_short", "--demo", data_dir=data_dir)
    assert (code, err.strip()) == (1, "error: position mode refused: swap_account_mode")  # demo: Spot mode
    code, out, err = _run("position-mode", EMAIL, "long_short", "--json", data_dir=data_dir)
    assert code == 0, err
    shown = json.loads(out)
    assert (shown["environment"], shown["pos_mode"]) == ("live", "long_short_mode")
    assert _settings(data_dir, Environment.LIVE) == ("2", "long_short_mode")
    assert _settings(data_dir, Environment.DEMO) == ("1", "net_mode")


def test_a_running_server_applies_it(data_dir: Path) -> None:
    with serve_in_thread(Settings(data_dir=data_dir, market=False)):
        code, _, err = _run("account-mode", EMAIL, "futures", "--demo", data_dir=data_dir)
        assert code == 0, err
    assert _settings(data_dir, Environment.DEMO) == ("2", "net_mode")
