"""`sandex market …` steers a running server's market through the command inbox; bad input changes nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sandex.cli.main import app
from sandex.domain.errors import Rejected
from sandex.domain.instruments import InstrumentState
from sandex.testing.server import RunningServer, serve_in_thread
from tests.support.apps import settings_for

BTC = "BTC-USDT"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with serve_in_thread(settings_for(tmp_path / "data", market=True, seed=9)) as running:
        yield running


def run(server: RunningServer, *args: str) -> tuple[int, str, str]:
    data_dir = str(server.runtime.settings.data_dir)
    result = CliRunner().invoke(app, ["market", *args, "--data-dir", data_dir])
    return result.exit_code, result.stdout, result.stderr


def test_set_shift_widen_drain_freeze_and_show_reach_the_running_market(server: RunningServer) -> None:
    board = server.runtime.market.board
    code, out, err = run(server, "set", BTC, "95000")
    assert code == 0, err
    assert out.startswith("BTC-USDT  ref 95000  live")
    assert abs(board.path(BTC).px / Decimal(95000) - 1) < Decimal("0.001")
    code, out, err = run(server, "shift", BTC, "-10", "--over", "0s", "--json")
    assert code == 0, err
    [market] = json.loads(out)["markets"]
    assert abs(Decimal(market["refPx"]) / Decimal(85500) - 1) < Decimal("0.002")
    assert run(server, "widen", BTC, "4")[0] == 0
    assert board.controls(BTC).widen == Decimal(4)
    assert run(server, "drain", BTC, "bids")[0] == 0
    assert board.controls(BTC).drained
    code, out, _ = run(server, "freeze")
    assert code == 0 and board.frozen and "frozen" in out
    code, out, _ = run(server, "show", BTC)
    assert code == 0 and "spread x4" in out and "drained bids" in out
    assert run(server, "unfreeze")[0] == 0 and not board.frozen


def test_halt_suspends_the_instrument_and_resume_brings_it_back(server: RunningServer) -> None:
    code, out, err = run(server, "halt", BTC)
    assert code == 0, err
    assert "suspend" in out
    assert BTC in server.runtime.market.board.halted
    assert state_of(server) is InstrumentState.SUSPEND
    assert run(server, "resume", BTC)[0] == 0
    assert state_of(server) is InstrumentState.LIVE


def state_of(server: RunningServer) -> InstrumentState:
    market = server.runtime.market.control.market(BTC)
    assert not isinstance(market, Rejected)
    return market.state


def test_import_makes_the_reference_follow_a_csv_of_candles(server: RunningServer, tmp_path: Path) -> None:
    csv = tmp_path / "btc.csv"
    csv.write_text("ts,o,h,l,c,vol\n1700000000000,100,110,90,101,5\n1700000060000,101,130,100,120,5\n")
    code, out, err = run(server, "import", str(csv), "--inst", BTC, "--speed", "60000")
    assert code == 0, err
    assert "moving" in out or "ref 101" in out
    path = server.runtime.market.board.path(BTC)
    for _ in range(200):
        if path.px == Decimal(120):
            break
        time.sleep(0.01)
    assert path.px == Decimal(120)  # a minute of the file replayed in a millisecond


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("set", BTC, "abc"), "invalid price 'abc'"),
        (("shift", BTC, "5", "--over", "soon"), "invalid duration 'soon'"),
        (("drain", BTC, "middle"), "invalid side 'middle'"),
        (("set", "NOPE-USDT", "1"), "refused: instrument_not_found"),
        (("set", BTC, "-5"), "refused: param_error (px)"),
        (("widen", BTC, "0"), "refused: param_error (factor)"),
    ],
)
def test_bad_input_exits_1_with_one_line(server: RunningServer, args: tuple[str, ...], message: str) -> None:
    before = server.runtime.market.board.path(BTC).px
    code, out, err = run(server, *args)
    assert code == 1 and out == ""
    assert err.startswith(f"error: {message}") and err.count("\n") == 1
    assert abs(server.runtime.market.board.path(BTC).px / before - 1) < Decimal("0.01")


def test_without_a_server_there_is_no_market_to_steer(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["market", "set", BTC, "95000", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no sandex server is running")


def test_a_bad_csv_is_refused_with_its_line(server: RunningServer, tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("1700000000000,100\n1700000060000,-3\n")
    code, _, err = run(server, "import", str(csv), "--inst", BTC)
    assert code == 1 and err.startswith("error: line 2: invalid price '-3'")


def test_serve_takes_market_on_or_off_only(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--market", "maybe", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    assert result.stderr == "error: invalid --market 'maybe': expected on or off\n"


def test_a_market_row_an_older_cli_left_is_applied_by_the_running_server(server: RunningServer) -> None:
    """Before the inbox codec, `sandex market` sent its words (`{"command": "set", ...}`)."""
    store = server.runtime.trading.store
    words = {"command": "set", "inst_id": BTC, "value": "91000"}
    item = store.add_inbox("market", json.dumps(words), server.runtime.clock.now_ms())
    started = time.monotonic()
    while (outcome := store.inbox_outcome(item)) is None:
        assert time.monotonic() - started < 30.0, "the server never applied the inbox item"
        time.sleep(0.02)
    assert outcome.state == "done"
    assert abs(server.runtime.market.board.path(BTC).px / Decimal(91000) - 1) < Decimal("0.001")
    bad = store.add_inbox("market", json.dumps({**words, "value": "x"}), server.runtime.clock.now_ms())
    while (refused := store.inbox_outcome(bad)) is None:
        assert time.monotonic() - started < 30.0, "the server never answered the inbox item"
        time.sleep(0.02)
    assert refused.state == "rejected" and json.loads(refused.result)["params"] == {"field": "value"}


def test_a_swaps_mark_is_held_shifted_and_released_from_the_cli(server: RunningServer) -> None:
    swap = "BTC-USDT-SWAP"
    code, out, err = run(server, "set-mark", swap, "90000")
    assert code == 0, err
    assert out.startswith(f"{swap}  ref ") and "mark held" in out and "index " in out
    deadline = time.monotonic() + 10  # the market maker steps every second and marks every swap
    while server.runtime.market.board.mark_px(swap) != Decimal(90000) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.runtime.market.board.mark_px(swap) == Decimal(90000)
    code, out, err = run(server, "shift-mark", swap, "-10", "--json")
    assert code == 0, err
    [market] = json.loads(out)["markets"]
    assert market["markPinned"] is True
    code, out, _ = run(server, "unfreeze-mark", swap)
    assert code == 0 and "mark held" not in out
    code, _, err = run(server, "set-mark", BTC, "1")
    assert code == 1 and "inst_id" in err
