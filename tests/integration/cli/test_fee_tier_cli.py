"""`sandex user fee-tier`: a user's own rates through the sequencer, applied by the CLI itself when
no server runs, or by the running server; bad input exits 1 with one line and changes nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sandex.cli.main import app
from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.process import open_runtime
from sandex.services.trading.views import FeeView, Trader
from sandex.testing.server import serve_in_thread

EMAIL = "alice@example.test"  # registered by the `data_dir` fixture


def _run(*args: str, data_dir: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["user", "fee-tier", *args, "--data-dir", str(data_dir)])
    return result.exit_code, result.stdout, result.stderr


def _fees(data_dir: Path) -> dict[Environment, FeeView]:
    """What a freshly started process shows on account/trade-fee, live and demo."""
    runtime = open_runtime(Settings(data_dir=data_dir), fast_hashing=True)
    try:
        runtime.trading.core.load()
        user = runtime.accounts.get_user_by_email(EMAIL)
        assert user is not None
        shown = {}
        for environment in Environment:
            fee = runtime.trading.service.trade_fee(Trader(user.id, environment), "BTC-USDT")
            assert not isinstance(fee, Rejected)
            shown[environment] = fee
        return shown
    finally:
        runtime.engine.dispose()


def test_without_a_server_the_cli_applies_the_tier_and_a_reset_undoes_it(data_dir: Path) -> None:
    code, out, err = _run(
        EMAIL, "--maker", "0.0002", "--taker", "0.0005", "--level", "VIP3", data_dir=data_dir
    )
    assert code == 0, err
    assert out.strip() == f"fee tier of {EMAIL}: VIP3, maker 0.0002, taker 0.0005 (live and demo)"
    for fee in _fees(data_dir).values():
        assert (fee.level, fee.maker, fee.taker) == ("VIP3", Decimal("-0.0002"), Decimal("-0.0005"))
    code, out, err = _run(EMAIL, "--reset", "--json", data_dir=data_dir)
    assert code == 0, err
    assert json.loads(out) == {
        "email": EMAIL,
        "uid": json.loads(out)["uid"],
        "level": "Lv1",
        "maker": "0.0008",
        "taker": "0.001",
    }
    assert {fee.level for fee in _fees(data_dir).values()} == {"Lv1"}


def test_a_running_server_applies_the_tier_to_its_exchanges(data_dir: Path) -> None:
    with serve_in_thread(Settings(data_dir=data_dir, rate_limits="off")) as server:
        code, _, err = _run(EMAIL, "--taker", "0.0004", data_dir=data_dir)
        assert code == 0, err
        user = server.runtime.accounts.get_user_by_email(EMAIL)
        assert user is not None
        fee = server.runtime.trading.service.trade_fee(Trader(user.id, Environment.DEMO), "BTC-USDT")
        assert not isinstance(fee, Rejected)
        assert (fee.level, fee.maker, fee.taker) == ("custom", Decimal("-0.0008"), Decimal("-0.0004"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((EMAIL,), "give --maker, --taker and/or --level, or --reset"),
        ((EMAIL, "--reset", "--maker", "0.001"), "give --maker, --taker and/or --level, or --reset"),
        ((EMAIL, "--maker", "abc"), "invalid --maker 'abc'"),
        ((EMAIL, "--taker", "1"), "invalid --taker"),
        ((EMAIL, "--maker", "-0.0001"), "invalid --maker"),
        (("nobody@example.test", "--maker", "0.0001"), "no user with email nobody@example.test"),
    ],
)
def test_bad_input_exits_1_with_one_line_and_changes_nothing(
    data_dir: Path, args: tuple[str, ...], message: str
) -> None:
    code, out, err = _run(*args, data_dir=data_dir)
    assert code == 1 and out == ""
    assert err.startswith(f"error: {message}") and err.count("\n") == 1
    assert {fee.level for fee in _fees(data_dir).values()} == {"Lv1"}
