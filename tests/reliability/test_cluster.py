"""A cluster on one PostgreSQL database and one NATS server: `sandex serve --role sequencer` (the
one writer), a `--role sequencer --standby`, and three `--role api` processes that forward commands
to the sequencer and answer from their replicas.

What a user of such a cluster relies on: unmodified ccxt and python-okx trade through every API
process; a private WS `orders` subscription on one API process hears an order placed through
another; under 8 signed-order clients spread over the API processes, kill -9 of the sequencer or
a freeze of it inside a commit hands over to the standby, the API processes' clients are
acknowledged again, nothing acknowledged is lost, the ledger's sums hold, every replica agrees
with the sequencer, and a frozen sequencer once resumed acknowledges nothing; killing one API
process leaves the other two serving its clients.

Times are printed, never asserted (`bench/bench_cluster_failover.py` measures them over 20
trials). PostgreSQL and NATS only: the tests skip when either is absent (with
SANDEX_REQUIRE_NATS=1 a missing NATS fails them).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import ccxt
import httpx
import okx.Trade as Trade
import pytest
from sqlalchemy import Engine

from sandex.testing import cluster, failover
from sandex.testing.cluster import Cluster, ClusterTrial
from tests.support.db import PostgresDatabases
from tests.support.okx import Creds
from tests.support.ws import Conn, is_push, open_ws

pytestmark = [
    pytest.mark.slow,
    # python-okx posts with httpx's deprecated `data=<str>`; the warning is about the SDK
    pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning"),
]

TRIALS = 2  # per kind here (CI time); the bench runs 20
PAUSE_S = 12.0  # the frozen sequencer's pause: four times the lease's 3 s
LEASE_LOST_EXIT = 75
FAR_BELOW = "50"  # a buy price below every sell of the load (97..99): the order rests
API = cluster.API_PROCESSES


@dataclass(frozen=True)
class Rig:
    cluster: Cluster
    keys: list[dict[str, Any]]  # the load's traders: even ones hold USDT (buy), odd ones BTC (sell)
    watcher: dict[str, Any]  # a trader with USDT outside the load: its pushes are the tests' alone
    engine: Engine

    def api_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.cluster.api_ports[index]}"


@pytest.fixture(scope="module")
def rig(
    postgres_databases: PostgresDatabases, tmp_path_factory: pytest.TempPathFactory, nats_url: str
) -> Iterator[Rig]:
    """A fresh database with 8 funded traders and the cluster on it, shared by this module's tests
    (the failover tests leave a serving sequencer, a standby and three API processes behind)."""
    url = postgres_databases.create_migrated()
    root = tmp_path_factory.mktemp("cluster")
    engine = failover.engine_for(url)
    try:
        *keys, watcher = failover.prepare(root / "data", url, failover.CLIENTS + 1)
        with Cluster(root / "data", url, root, keys, nats_url) as running:
            yield Rig(running, keys, watcher, engine)
    finally:
        engine.dispose()
        postgres_databases.drop(url)


def test_each_process_says_what_it_is(rig: Rig) -> None:
    assert rig.cluster.sequencer is not None and rig.cluster.standby is not None
    assert rig.cluster.sequencer.health() == "serving"
    assert rig.cluster.standby.health() == "standby"
    assert [server.health() for server in rig.cluster.api] == ["serving"] * API


# --- clients through every API process -------------------------------------------------------------
@pytest.mark.parametrize("index", range(API))
def test_ccxt_places_fetches_cancels_and_reads_the_balance_through_each_api_process(
    rig: Rig, index: int
) -> None:
    key = rig.keys[0]
    exchange = ccxt.okx({"apiKey": key["apiKey"], "secret": key["secretKey"], "password": key["passphrase"]})
    exchange.urls["api"]["rest"] = rig.api_url(index)
    exchange.load_markets()
    created = exchange.create_order("BTC/USDT", "limit", "buy", 0.01, int(FAR_BELOW))
    fetched = exchange.fetch_order(created["id"], "BTC/USDT")
    assert (fetched["status"], fetched["price"], fetched["amount"]) == ("open", 50, 0.01)
    assert fetched["clientOrderId"] == created["clientOrderId"]
    assert exchange.fetch_balance()["USDT"]["used"] >= 0.5  # 0.01 BTC at 50 USDT frozen, at least
    exchange.cancel_order(created["id"], "BTC/USDT")
    assert exchange.fetch_order(created["id"], "BTC/USDT")["status"] == "canceled"


@pytest.mark.parametrize("index", range(API))
def test_python_okx_places_and_gets_an_order_through_each_api_process(rig: Rig, index: int) -> None:
    key = rig.keys[0]
    api = Trade.TradeAPI(
        key["apiKey"], key["secretKey"], key["passphrase"], False, "0", domain=rig.api_url(index)
    )
    cl_ord_id = f"pyokx{index}t{time.monotonic_ns() % 10**9}"
    placed = api.place_order("BTC-USDT", "cash", "buy", "limit", "0.01", px=FAR_BELOW, clOrdId=cl_ord_id)
    assert placed["code"] == "0", placed
    ord_id = placed["data"][0]["ordId"]
    order = api.get_order("BTC-USDT", ordId=ord_id)["data"][0]
    seen = (order["state"], order["px"], order["sz"], order["clOrdId"])
    assert seen == ("live", FAR_BELOW, "0.01", cl_ord_id)
    assert api.cancel_order("BTC-USDT", ordId=ord_id)["code"] == "0"


@pytest.mark.parametrize("index", range(API))
async def test_a_private_orders_subscription_on_one_api_process_hears_an_order_placed_through_another(
    rig: Rig, index: int
) -> None:
    listener, placer = rig.cluster.api_ports[index], rig.cluster.api_ports[(index + 1) % API]
    async with _orders_channel(listener, rig.watcher) as ws:
        await _pushed_across(ws, placer, rig.watcher)


@contextlib.asynccontextmanager
async def _orders_channel(port: int, key: dict[str, Any]) -> AsyncIterator[Conn]:
    """A private WS connection to `port`, logged in with `key`, subscribed to spot `orders`."""
    creds = Creds(key["apiKey"], key["secretKey"], key["passphrase"])
    async with open_ws(f"ws://127.0.0.1:{port}/ws/v5/private") as ws:
        assert (await ws.login(creds))["code"] == "0"
        [ack] = await ws.subscribe({"channel": "orders", "instType": "SPOT"})
        assert ack["event"] == "subscribe", ack
        yield ws


async def _pushed_across(ws: Conn, placer: int, key: dict[str, Any]) -> None:
    """An order placed through API port `placer` is pushed, live, on `ws`."""
    cl_ord_id = f"ws{placer}t{time.monotonic_ns() % 10**9}"
    reply = await asyncio.to_thread(_place, placer, key, cl_ord_id)
    assert reply["code"] == "0", reply
    push = await ws.expect(is_push("orders"), timeout=30)
    assert [(o["clOrdId"], o["state"]) for o in push["data"]] == [(cl_ord_id, "live")]


def _place(port: int, key: dict[str, Any], cl_ord_id: str) -> dict[str, Any]:
    body = {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "px": FAR_BELOW}
    headers, raw = failover.signed_order(key, {**body, "sz": "0.01", "clOrdId": cl_ord_id})
    with httpx.Client(timeout=30) as http:
        reply: dict[str, Any] = http.post(
            f"http://127.0.0.1:{port}{failover.ORDER}", content=raw, headers=headers
        ).json()
    return reply


# --- failover ----------------------------------------------------------------------------------------
def _checked(rig: Rig, trial: ClusterTrial) -> None:
    print(
        f"{trial.kind}: first ack through an API port {trial.failover_s:.2f} s after, through every "
        f"one {trial.every_port_s:.2f} s after, {trial.verified.acked} acked"
    )
    assert trial.verified.missing == [], "acknowledged orders missing from the database"
    assert trial.verified.money_ok, "the ledger's sums moved"
    assert trial.epochs == 1, "the lease changed hands more than once (ping-pong)"
    assert rig.cluster.balances_differ() == [], "a replica disagrees with the sequencer"


def test_kill_9_of_the_sequencer_under_load_the_standby_takes_over_and_nothing_is_lost(rig: Rig) -> None:
    for _ in range(TRIALS):
        _checked(rig, rig.cluster.kill_trial(rig.engine))


async def test_a_private_subscription_held_through_a_sequencer_failover_still_hears_other_api_processes(
    rig: Rig,
) -> None:
    listener, placer = rig.cluster.api_ports[1], rig.cluster.api_ports[2]
    async with _orders_channel(listener, rig.watcher) as ws:
        await _pushed_across(ws, placer, rig.watcher)
        trial = await asyncio.to_thread(rig.cluster.kill_trial, rig.engine)
        await asyncio.to_thread(_checked, rig, trial)
        await _pushed_across(ws, placer, rig.watcher)


def test_a_sequencer_frozen_mid_commit_is_taken_over_and_once_resumed_acknowledges_nothing(rig: Rig) -> None:
    for _ in range(TRIALS):
        trial = rig.cluster.stop_trial(rig.engine, PAUSE_S)
        _checked(rig, trial)
        assert trial.mid_commit, "the sequencer was never caught inside a transaction"
        assert trial.old_acked_after_resume == 0
        assert trial.old_exit == LEASE_LOST_EXIT


def test_killing_one_api_process_leaves_the_other_two_serving_its_clients(rig: Rig) -> None:
    killed = rig.cluster.kill_api(rig.engine, 0)
    print(f"after the kill, acknowledged per surviving API port: {killed.survivors_acked}")
    assert len(killed.survivors_acked) == API - 1
    assert killed.clients_acked == len(rig.keys), "a client was not acknowledged again"
    assert killed.verified.missing == [] and killed.verified.money_ok
    assert rig.cluster.balances_differ() == [], "a replica disagrees with the sequencer"
