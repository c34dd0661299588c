"""Chain deposits from the operator's tools: `sandex deposit … --chain` (with and without a running
server) and the control API (`deposits` with a chain, `chain-deposits` to an address a client got).
They move through OKX's states on the app clock: 0 waiting -> 1 credited -> 2 successful."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Mapping
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from sandex.cli.main import app
from sandex.client.control import AsyncControlClient
from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.process import open_runtime
from sandex.services.funding.views import Funder, HistoryFilter
from sandex.storage.orm.trading import InboxRow, PostingRow
from sandex.testing.server import serve_in_thread
from tests.support.apps import Box, funding_box
from tests.support.exchange import assert_conserved
from tests.support.rest import Client

EMAIL = "alice@example.test"  # registered by the `data_dir` fixture
BLOCK_MS = 250  # the default simulated block time; BTC-Bitcoin: credited after 2, withdrawable after 4


def _run(*args: str, data_dir: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["deposit", *args, "--data-dir", str(data_dir)])
    return result.exit_code, result.stdout, result.stderr


def _states(
    data_dir: Path, at_ms: int | None = None, environment: Environment = Environment.LIVE
) -> list[str]:
    """Deposit states as a fresh process sees them with its clock stopped at `at_ms`."""
    runtime = open_runtime(Settings(data_dir=data_dir), fast_hashing=True)

    async def go() -> list[str]:
        await runtime.trading.sequencer.start()
        try:
            if at_ms is not None:
                runtime.clock.freeze(at_ms)
            await runtime.funding.service.advance()
            user = runtime.accounts.get_user_by_email(EMAIL)
            assert user is not None
            rows = runtime.funding.service.deposit_history(Funder(user.id, environment), HistoryFilter())
            assert isinstance(rows, list)
            return [r.state.value for r in rows]
        finally:
            await runtime.trading.sequencer.stop()

    try:
        return asyncio.run(go())
    finally:
        runtime.engine.dispose()


def _counts(data_dir: Path) -> tuple[int, int]:
    runtime = open_runtime(Settings(data_dir=data_dir), fast_hashing=True)
    try:
        with runtime.sessions() as s:
            inbox = s.scalar(select(func.count()).select_from(InboxRow)) or 0
            return inbox, s.scalar(select(func.count()).select_from(PostingRow)) or 0
    finally:
        runtime.engine.dispose()


def test_cli_chain_deposit_without_a_server_waits_for_confirmations(data_dir: Path) -> None:
    code, out, err = _run(EMAIL, "BTC", "0.5", "--chain", "BTC-Bitcoin", "--json", data_dir=data_dir)
    assert code == 0, err
    body = json.loads(out)
    assert (body["ccy"], body["chain"], body["amount"], body["state"]) == ("BTC", "BTC-Bitcoin", "0.5", "0")
    assert body["depId"] and body["txId"].startswith("0x") and body["environment"] == "live"
    ts = body["ts"]
    assert _states(data_dir, ts + BLOCK_MS) == ["0"]
    assert _states(data_dir, ts + 2 * BLOCK_MS) == ["1"]
    assert _states(data_dir, ts + 4 * BLOCK_MS) == ["2"]
    code, out, err = _run(EMAIL, "BTC", "1", "--chain", "BTC-Bitcoin", "--demo", data_dir=data_dir)
    assert code == 0, err
    assert out.startswith("chain deposit 1 BTC on BTC-Bitcoin (demo): depId ") and ", state 0 " in out
    assert _states(data_dir, 0, Environment.DEMO) == ["0"]  # a separate history; the clock stopped early


def test_cli_chain_deposit_reaches_a_running_server(data_dir: Path) -> None:
    with serve_in_thread(Settings(data_dir=data_dir)) as server:
        start = time.monotonic()
        code, out, err = _run(EMAIL, "BTC", "0.25", "--chain", "BTC-Bitcoin", "--json", data_dir=data_dir)
        assert code == 0, err
        dep_id = json.loads(out)["depId"]
        funding, user = server.runtime.funding.service, server.runtime.accounts.get_user_by_email(EMAIL)
        assert user is not None
        who = Funder(user.id, Environment.LIVE)
        deadline = time.monotonic() + 60.0
        while True:  # the server's funding clock moves it on: 4 blocks of 250 ms to state 2
            rows = funding.deposit_history(who, HistoryFilter())
            assert isinstance(rows, list) and [r.dep_id for r in rows] == [dep_id]
            if rows[0].state.value == "2" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert rows[0].state.value == "2" and time.monotonic() - start >= 4 * BLOCK_MS / 1000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["BTC", "1", "--chain", "USDT-TRC20"],
            "invalid --chain 'USDT-TRC20': BTC deposits arrive on BTC-Bitcoin",
        ),
        (["NOPE", "1", "--chain", "BTC-Bitcoin"], "unknown currency 'NOPE'"),
        (["BTC", "0.000000001", "--chain", "BTC-Bitcoin"], "invalid amount 0.000000001 for BTC-Bitcoin"),
        (["BTC", "0", "--chain", "BTC-Bitcoin"], "invalid amount 0 for BTC-Bitcoin"),
        (["BTC", "abc", "--chain", "BTC-Bitcoin"], "invalid amount 'abc'"),
    ],
)
def test_cli_chain_deposit_refuses_bad_input_and_changes_nothing(
    data_dir: Path, args: list[str], message: str
) -> None:
    code, out, err = _run(EMAIL, *args, data_dir=data_dir)
    assert code == 1 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1
    assert _counts(data_dir) == (0, 0)


def test_cli_chain_deposit_needs_a_known_user(data_dir: Path) -> None:
    code, _, err = _run("nobody@example.test", "BTC", "1", "--chain", "BTC-Bitcoin", data_dir=data_dir)
    assert code == 1 and "no user with email nobody@example.test" in err
    assert _counts(data_dir) == (0, 0)


# --- the control API ------------------------------------------------------------------------------
@pytest.fixture
async def box(tmp_path: Path) -> AsyncIterator[Box]:
    async with funding_box(tmp_path) as box:
        yield box


async def _control(box: Box, path: str, body: Mapping[str, object]) -> tuple[int, dict[str, object]]:
    headers = {"Authorization": f"Bearer {box.runtime.admin_token}"}
    response = await box.client().post(f"/sandex/v1/{path}", json=body, headers=headers)
    return response.status_code, response.json()


async def test_control_credits_an_address_a_client_got(box: Box) -> None:
    alice = box.user(EMAIL)
    client = Client(box, box.key(alice.id))
    (row,) = await client.data("asset/deposit-address", ccy="BTC")
    status, answer = await _control(
        box, "chain-deposits", {"chain": "BTC-Bitcoin", "addr": row["addr"], "amount": "0.5"}
    )
    assert status == 201, answer
    record = answer["deposit"]
    assert isinstance(record, dict) and record["state"] == "0" and record["to_addr"] == row["addr"]
    (history,) = await client.data("asset/deposit-history")
    assert (history["depId"], history["state"], history["amt"]) == (record["dep_id"], "0", "0.5")
    assert await box.travel(2 * BLOCK_MS) == 1
    assert (await client.funding("BTC"))["availBal"] == "0.5"
    assert await box.travel(2 * BLOCK_MS) == 1
    assert (await client.data("asset/deposit-history"))[0]["state"] == "2"
    assert_conserved(box.runtime)


async def test_control_deposit_with_a_chain_goes_through_the_states(box: Box) -> None:
    alice = box.user(EMAIL)
    client = Client(box, box.key(alice.id))
    body = {"ccy": "BTC", "amount": "0.1", "chain": "BTC-Bitcoin"}
    status, answer = await _control(box, f"users/{alice.uid}/deposits", body)
    assert status == 201, answer
    result = answer["result"]
    assert isinstance(result, dict) and (result["state"], result["chain"]) == ("0", "BTC-Bitcoin")
    assert await client.data("asset/balances", ccy="BTC") == []
    assert await box.travel(2 * BLOCK_MS) == 1
    assert (await client.funding("BTC"))["availBal"] == "0.1"
    status, answer = await _control(box, f"users/{alice.uid}/deposits", {"ccy": "BTC", "amount": "1"})
    assert status == 201 and (await client.trading("BTC"))["availBal"] == "1"  # no chain: instant, as before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("chain-deposits", {"chain": "BTC-Bitcoin", "addr": "1NotOurs", "amount": "1"}, None),
        ("chain-deposits", {"chain": "NOPE-Chain", "addr": "{addr}", "amount": "1"}, None),
        ("chain-deposits", {"chain": "BTC-Bitcoin", "addr": "{addr}", "amount": "0.000000001"}, "amt"),
        ("chain-deposits", {"chain": "BTC-Bitcoin", "addr": "{addr}", "amount": "-1"}, "amount"),
        ("users/{uid}/deposits", {"ccy": "BTC", "amount": "1", "chain": "USDT-TRC20"}, "chain"),
        ("users/{uid}/deposits", {"ccy": "BTC", "amount": "0.000000001", "chain": "BTC-Bitcoin"}, "amt"),
    ],
)
async def test_control_chain_deposits_refuse_bad_input_and_change_nothing(
    box: Box, path: str, body: dict[str, str], field: str | None
) -> None:
    alice = box.user(EMAIL)
    client = Client(box, box.key(alice.id))
    (row,) = await client.data("asset/deposit-address", ccy="BTC")
    filled = {k: v.replace("{addr}", row["addr"]) for k, v in body.items()}
    status, answer = await _control(box, path.replace("{uid}", alice.uid), filled)
    assert 400 <= status < 500, answer
    if field is not None:
        assert field in json.dumps(answer)
    assert await client.data("asset/deposit-history") == []
    assert Decimal((await client.funding("BTC"))["availBal"]) == 0


async def test_the_python_client_sends_chain_deposits(box: Box) -> None:
    alice = box.user(EMAIL)
    client = Client(box, box.key(alice.id))
    (row,) = await client.data("asset/deposit-address", ccy="BTC")
    transport = httpx.ASGITransport(app=box.app, client=("127.0.0.1", 50000))
    async with AsyncControlClient(
        "http://sandex.test", box.runtime.admin_token, transport=transport
    ) as control:
        record = await control.credit_address("BTC-Bitcoin", row["addr"], Decimal("0.5"))
        done = await control.deposit(alice.uid, "BTC", "0.25", chain="BTC-Bitcoin")
    assert record["state"] == "0" and done.raw["result"]["state"] == "0"
    history = await client.data("asset/deposit-history")
    assert sorted(r["amt"] for r in history) == ["0.25", "0.5"] and {r["state"] for r in history} == {"0"}
