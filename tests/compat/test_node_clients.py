"""Unmodified Node.js OKX clients against a real sandex server: the `okx-api` SDK (RestClient,
WebsocketClient) and ccxt for JavaScript. Only their base URLs change: okx-api's `baseUrl` and
`wsUrl` options (one WebsocketClient per connection, since `wsUrl` replaces every URL the client
knows), ccxt's `urls.api.rest`.

Each script in tests/compat/node runs the client and prints one JSON object: for every step, its
value or the error the client threw. The assertions are here. Without `node` or the packages
(`npm ci` in tests/compat/node) these tests skip; CI installs both and sets SANDEX_REQUIRE_NODE=1,
which turns their absence into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sandex.client.models import Credentials
from sandex.client.sync import OkxClient
from tests.support.okx import Creds
from tests.support.servers import TradingWorld, trading_world

NODE_DIR = Path(__file__).resolve().parent / "node"
REQUIRE_NODE = os.environ.get("SANDEX_REQUIRE_NODE") == "1"
SCRIPT_DEADLINE_S = 180.0  # a script waits on its own pushes with a bound; this only stops a hung one
INST = "BTC-USDT"
REPORT = "SANDEX-REPORT "  # the line a script prints its results on (clients log to stdout too)
FAR_ASK = "1000000"  # bob's ask, which nothing in these tests reaches


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    for package in ("okx-api", "ccxt"):
        if not (NODE_DIR / "node_modules" / package).is_dir():
            return f"{package} is not installed: run `npm ci` in {NODE_DIR}"
    return None


@pytest.fixture(scope="module", autouse=True)
def _node() -> None:
    missing = _missing()
    if missing is not None:
        if REQUIRE_NODE:
            pytest.fail(f"Node clients required (SANDEX_REQUIRE_NODE=1) but {missing}")
        pytest.skip(missing)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TradingWorld]:
    with trading_world(tmp_path_factory.mktemp("node-clients") / "data") as served:
        with OkxClient(served.base_url, _credentials(served.bob)) as bob:  # the book is not empty
            bob.place_order(INST, "sell", "limit", "0.01", px=FAR_ASK)
        yield served


def _credentials(creds: Creds) -> Credentials:
    return Credentials(creds.api_key, creds.secret, creds.passphrase)


def trade_at(world: TradingWorld, px: str) -> None:
    """Make `px` the last price: bob's small sell taken by alice's buy."""
    with (
        OkxClient(world.base_url, _credentials(world.bob)) as bob,
        OkxClient(world.base_url, _credentials(world.alice)) as alice,
    ):
        bob.place_order(INST, "sell", "limit", "0.001", px=px)
        alice.place_order(INST, "buy", "limit", "0.001", px=px)


def run_script(script: str, base_url: str, creds: Creds, peer: Creds | None = None) -> dict[str, Any]:
    """`node script` against `base_url` with `creds` (and a counterparty's); its JSON report."""
    env = {
        **os.environ,
        "SANDEX_BASE_URL": base_url,
        "SANDEX_API_KEY": creds.api_key,
        "SANDEX_SECRET": creds.secret,
        "SANDEX_PASSPHRASE": creds.passphrase,
        "SANDEX_INST": INST,
    }
    if peer is not None:
        env |= {
            "SANDEX_PEER_API_KEY": peer.api_key,
            "SANDEX_PEER_SECRET": peer.secret,
            "SANDEX_PEER_PASSPHRASE": peer.passphrase,
        }
    done = subprocess.run(
        ["node", script], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=SCRIPT_DEADLINE_S
    )
    assert done.returncode == 0, f"node {script} exited {done.returncode}:\n{done.stderr}"
    lines = [line for line in done.stdout.splitlines() if line.startswith(REPORT)]
    assert lines, f"node {script} printed no report:\n{done.stdout}\n{done.stderr}"
    report: dict[str, Any] = json.loads(lines[-1].removeprefix(REPORT))
    return report


def values(report: dict[str, Any]) -> dict[str, Any]:
    """Every step's value; fails naming the steps that threw, with what they threw."""
    failed = {name: result["error"] for name, result in report.items() if not result["ok"]}
    assert not failed, json.dumps(failed, indent=1)
    return {name: result["value"] for name, result in report.items()}


# --- okx-api -------------------------------------------------------------------------------------------
def test_okx_api_rest_public_balance_and_an_order_lifecycle(world: TradingWorld) -> None:
    got = values(run_script("okx_api_rest.mjs", world.base_url, world.alice))

    assert abs(got["serverTime"] - world.server.runtime.clock.now_ms()) < 60_000
    assert (got["instruments"]["instId"], got["instruments"]["state"]) == (INST, "live")
    assert Decimal(got["ticker"]["last"]) > 0 and got["ticker"]["instId"] == INST
    assert got["orderBook"]["asks"][0][:2] == [FAR_ASK, "0.01"]
    usdt = {row["ccy"]: row for row in got["balance"]["details"]}["USDT"]
    assert Decimal(usdt["cashBal"]) > 0

    placed = got["submitOrder"]
    assert (placed["sCode"], placed["clOrdId"]) == ("0", "okxapirest1")
    assert (got["getOrderDetails"]["state"], got["getOrderDetails"]["px"]) == ("live", "20000")
    assert got["getOrderDetails"]["tag"] == "159881cb7207BCDE"  # okx-api's own broker tag, kept
    assert placed["ordId"] in got["getOrderList"]
    assert got["amendOrder"]["sCode"] == "0" and got["amended"]["px"] == "21000"
    assert got["cancelOrder"]["sCode"] == "0" and got["canceled"]["state"] == "canceled"


def test_okx_api_websocket_public_and_private_pushes(world: TradingWorld) -> None:
    got = values(run_script("okx_api_ws.mjs", world.base_url, world.alice))

    assert got["books5"]["asks"][0][:2] == [FAR_ASK, "0.01"]
    assert got["ordersSubscribed"] == {"channel": "orders", "instType": "SPOT"}
    assert (got["orderPush"]["state"], got["orderPush"]["px"], got["orderPush"]["side"]) == (
        "live",
        "20000",
        "buy",
    )
    assert got["exceptions"] == []


ALGO_KINDS = ("conditional", "oco", "trigger", "move_order_stop")


def test_okx_api_algo_orders_of_every_kind_and_their_pushes(world: TradingWorld) -> None:
    trade_at(world, "50000")
    got = values(run_script("okx_api_algo.mjs", world.base_url, world.bob, peer=world.alice))

    assert got["subscribe orders-algo"] == {"channel": "orders-algo", "instType": "SPOT"}
    assert got["subscribe algo-advance"] == {"channel": "algo-advance", "instType": "SPOT"}
    for kind in ALGO_KINDS:
        algo_id = got[f"{kind} place"]["algoId"]
        channel = "algo-advance" if kind == "move_order_stop" else "orders-algo"
        assert got[f"{kind} live push"]["channel"] == channel
        assert (got[f"{kind} details"]["ordType"], got[f"{kind} details"]["state"]) == (kind, "live")
        assert algo_id in got[f"{kind} pending"]
        assert got[f"{kind} canceled push"]["algoId"] == algo_id
        assert algo_id in got[f"{kind} history"]
    assert got["conditional place"]["algoClOrdId"] == "nodeconditional"
    assert got["conditional details"]["tag"] == "159881cb7207BCDE"  # okx-api's broker tag
    assert (got["conditional amended"]["slTriggerPx"], got["conditional amended"]["slOrdPx"]) == (
        "44000",
        "-1",
    )
    assert (got["oco amended"]["tpTriggerPx"], got["oco amended"]["slTriggerPx"]) == ("61000", "45000")
    assert got["trigger amended"]["triggerPx"] == "56000"
    assert got["move_order_stop details"]["callbackRatio"] == "0.05"

    (attached,) = got["attached details"]["attachAlgoOrds"]
    assert (attached["attachAlgoClOrdId"], attached["slTriggerPx"], attached["slOrdPx"]) == (
        "nodeattached",
        "19000",
        "-1",
    )
    assert got["attached cancel"] == "0"

    fired = got["stop details"]
    assert got["stop effective push"]["ordId"] == fired["ordId"] != ""
    assert (fired["state"], fired["actualSide"], fired["actualSz"]) == ("effective", "sl", "0.001")
    assert got["exceptions"] == []


def test_demo_trading_with_okx_api_and_ccxt_js(world: TradingWorld) -> None:
    got = values(run_script("demo.mjs", world.base_url, world.alice_demo))

    assert (got["okx-api balance"]["ccy"], got["okx-api balance"]["cashBal"]) == ("USDT", "5000")
    assert got["okx-api account push"]["cashBal"] == "5000"
    assert got["okx-api order"]["sCode"] == "0" and got["okx-api cancel"] == "0"
    assert got["ccxt balance"]["total"] == 5000
    assert got["ccxt order"] == "open"


# --- ccxt (JavaScript) ---------------------------------------------------------------------------------
def test_ccxt_js_markets_balance_and_an_order_lifecycle(world: TradingWorld) -> None:
    got = values(run_script("ccxt_rest.mjs", world.base_url, world.alice))

    assert got["loadMarkets"] == {"id": INST, "active": True, "tick": 0.1, "lot": 1e-08}
    assert abs(got["fetchTime"] - world.server.runtime.clock.now_ms()) < 60_000
    assert got["fetchTicker"]["symbol"] == "BTC/USDT" and got["fetchTicker"]["last"] > 0
    assert got["fetchOrderBook"]["asks"][0][:2] == [float(FAR_ASK), 0.01]
    assert got["fetchBalance"]["total"] > 0

    assert got["createOrder"]["clientOrderId"].startswith("6b9ad766b55dBCDE")  # ccxt's broker prefix
    order_id = got["createOrder"]["id"]
    assert got["fetchOrder"] == {
        "id": order_id,
        "status": "open",
        "price": 20000,
        "amount": 0.001,
        "side": "buy",
        "type": "limit",
    }
    assert order_id in got["fetchOpenOrders"]
    assert (got["editOrder"]["status"], got["editOrder"]["price"]) == ("open", 21000)
    assert got["cancelOrder"] == order_id
    assert got["canceled"]["status"] == "canceled"


def test_ccxt_js_algo_orders(world: TradingWorld) -> None:
    trade_at(world, "50000")
    got = values(run_script("ccxt_algos.mjs", world.base_url, world.bob))

    stop = got["stop create"]
    assert stop["clientOrderId"].startswith("6b9ad766b55dBCDE")
    assert {k: got["stop fetch"][k] for k in ("status", "side", "amount", "stopLossPrice", "ordType")} == {
        "status": "open", "side": "sell", "amount": 0.01, "stopLossPrice": 45000, "ordType": "conditional"
    }  # fmt: skip
    assert stop["id"] in got["stop open"]
    assert (got["stop edit"]["stopLossPrice"], got["stop edit"]["status"]) == (44000, "open")
    assert got["stop cancel"] == stop["id"] and got["stop canceled"]["status"] == "canceled"
    assert stop["id"] in got["stop in canceled list"]

    trigger = got["trigger create"]
    assert (got["trigger fetch"]["status"], got["trigger fetch"]["triggerPrice"]) == ("open", 55000)
    assert trigger["id"] in got["trigger open"] and got["trigger cancel"] == trigger["id"]

    edited = got["oco edit"]
    assert (edited["ordType"], edited["stopLossPrice"], edited["takeProfitPrice"]) == ("oco", 44000, 60000)
    assert got["oco cancel"] == got["oco create"]["id"]

    trailing = got["trailing create"]["id"]
    assert {"id": trailing, "callbackRatio": "0.05"} in got["trailing open"]
    assert (got["trailing cancel"], got["trailing canceled"]) == ("0", "canceled")
