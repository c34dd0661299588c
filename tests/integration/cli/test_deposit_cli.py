"""`sandex deposit` with and without a server on the same data dir; bad input changes nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from sandex.cli.main import app
from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.process import open_runtime
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.trading.views import Trader
from sandex.storage.orm.trading import InboxRow, PostingRow
from sandex.testing.server import serve_in_thread

EMAIL = "alice@example.test"  # registered by the `data_dir` fixture


def _run(*args: str, data_dir: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["deposit", *args, "--data-dir", str(data_dir)])
    return result.exit_code, result.stdout, result.stderr


def _committed(data_dir: Path, environment: Environment = Environment.LIVE) -> dict[str, Decimal]:
    """The trading balances a freshly started process reads from the database."""
    runtime = open_runtime(Settings(data_dir=data_dir), fast_hashing=True)
    try:
        user = runtime.accounts.get_user_by_email(EMAIL)
        assert user is not None
        view = runtime.trading.service.balances(Trader(user.id, environment))
        return {d.ccy: d.available for d in view.details}
    finally:
        runtime.engine.dispose()


def _counts(data_dir: Path) -> tuple[int, int]:
    runtime = open_runtime(Settings(data_dir=data_dir), fast_hashing=True)
    try:
        with runtime.sessions() as s:
            return s.scalar(select(func.count()).select_from(InboxRow)) or 0, s.scalar(
                select(func.count()).select_from(PostingRow)
            ) or 0
    finally:
        runtime.engine.dispose()


def test_deposit_without_a_server_applies_it_at_once(data_dir: Path) -> None:
    code, out, err = _run(EMAIL, "USDT", "1000", data_dir=data_dir)
    assert code == 0, err
    assert out.startswith("deposited 1000 USDT to the trading account (live); available 1000 USDT")
    code, out, err = _run(EMAIL, "usdt", "0.5", "--json", data_dir=data_dir)
    assert code == 0, err
    body = json.loads(out)
    assert (body["ccy"], body["amount"], body["available"], body["to"]) == (
        "USDT",
        "0.5",
        "1000.5",
        "trading",
    )
    assert _committed(data_dir) == {"USDT": Decimal("1000.5")}


def test_deposit_to_funding_and_demo_are_separate(data_dir: Path) -> None:
    assert _run(EMAIL, "BTC", "2", "--demo", data_dir=data_dir)[0] == 0
    code, out, _ = _run(EMAIL, "BTC", "1", "--to", "funding", "--json", data_dir=data_dir)
    assert code == 0 and json.loads(out)["to"] == "funding"
    assert _committed(data_dir) == {}  # live trading account untouched
    assert _committed(data_dir, Environment.DEMO) == {"BTC": Decimal(2)}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nobody@example.test", "USDT", "1"), "no user with email nobody@example.test"),
        ((EMAIL, "USDT", "abc"), "invalid amount 'abc'"),
        ((EMAIL, "XYZ", "1"), "unknown currency 'XYZ'"),
        ((EMAIL, "USDT", "-1"), "invalid amount -1"),
        ((EMAIL, "USDT", "0"), "invalid amount 0"),
        ((EMAIL, "USDT", "0.0000001"), "invalid amount 0.0000001"),  # USDT moves in 0.000001 steps
        ((EMAIL, "USDT", "1", "--to", "savings"), "invalid --to 'savings'"),
    ],
)
def test_bad_input_exits_1_with_one_line_and_changes_nothing(
    data_dir: Path, args: tuple[str, ...], message: str
) -> None:
    before = _counts(data_dir)
    code, out, err = _run(*args, data_dir=data_dir)
    assert code == 1 and out == ""
    assert err.startswith(f"error: {message}") and err.count("\n") == 1
    assert _counts(data_dir) == before


def test_a_running_server_applies_the_deposit_and_shows_it(data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir, rate_limits="off")
    with serve_in_thread(settings) as server:
        user = server.runtime.accounts.get_user_by_email(EMAIL)
        assert user is not None
        trader = Trader(user.id, Environment.LIVE)
        code, _, err = _run(EMAIL, "USDT", "250", data_dir=data_dir)
        assert code == 0, err
        # the server applied it itself: its in-memory ledger knows, and its reads show it
        ledger = server.runtime.trading.core.exchange(Environment.LIVE).ledger
        account = server.runtime.trading.store.find_account(
            user.id, Environment.LIVE, LedgerAccountKind.TRADING
        )
        assert account is not None and ledger.available(account, "USDT") == 250 * 10**18
        view = server.runtime.trading.service.balances(trader)
        assert [(d.ccy, d.available) for d in view.details] == [("USDT", Decimal(250))]


def test_a_deposit_without_a_server_leaves_other_kinds_for_the_next_server(data_dir: Path) -> None:
    """An item whose handler lives in a server (a `sandex market` command left by a crashed CLI) is
    neither refused nor applied by the CLI's own drain: the next server applies it."""
    runtime = open_runtime(Settings(data_dir=data_dir), fast_hashing=True)
    try:
        left = runtime.trading.store.add_inbox("market", json.dumps({"op": "freeze"}), 1)
    finally:
        runtime.engine.dispose()
    code, out, err = _run(EMAIL, "USDT", "25", data_dir=data_dir)
    assert (code, err) == (0, ""), out
    assert _committed(data_dir)["USDT"] == Decimal(25)
    runtime = open_runtime(Settings(data_dir=data_dir), fast_hashing=True)
    try:
        assert runtime.trading.store.inbox_outcome(left) is None  # still pending
        assert [item.id for item in runtime.trading.store.pending_inbox(10)] == [left]
    finally:
        runtime.engine.dispose()
