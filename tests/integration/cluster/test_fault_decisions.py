"""Faults in a cluster fire as in one process: a sequencer and two API processes on one PostgreSQL
database and NATS, all served for real in this process. A fault armed through one API process with
`times` fires that often over all of them, its seeded dice hit the requests one process's would, and
its events (read through any process) list every firing, wherever the request was served; WS faults
too."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandex.client.control import AsyncControlClient
from sandex.client.models import FaultEvent
from sandex.domain.faults import FaultKind, FaultSpec
from sandex.runtime.faults import FaultRegistry
from sandex.testing.clock import ManualClock
from sandex.testing.server import RunningServer, serve_in_thread
from tests.integration.cluster.support import ORDER, SETTLE_S, run_to_end_with, signed_post, wait_until
from tests.support.factories import register
from tests.support.okx import Creds, limit
from tests.support.ws import is_push, key_creds, open_ws, ws_settings

TIME = "/api/v5/public/time"


@dataclass
class Trio:
    sequencer: RunningServer
    one: RunningServer
    two: RunningServer
    alice: Creds
    bob: Creds

    @property
    def apis(self) -> tuple[RunningServer, RunningServer]:
        return self.one, self.two

    def armed_everywhere(self, count: int) -> None:
        """Until every process holds `count` faults (the mirror is asynchronous)."""
        servers = (self.sequencer, self.one, self.two)
        wait_until(lambda: all(len(s.runtime.faults.faults()) == count for s in servers))


@pytest.fixture
def trio(tmp_path: Path, postgres_url: str, nats_url: str) -> Iterator[Trio]:
    common: dict[str, Any] = {"database_url": postgres_url, "nats_url": nats_url, "cluster": tmp_path.name}
    with serve_in_thread(ws_settings(tmp_path, role="sequencer", **common)) as sequencer:
        rt = sequencer.runtime
        alice, bob = register(rt.accounts, "alice@example.test"), register(rt.accounts, "bob@example.test")
        alice_key, bob_key = key_creds(rt, alice, "live"), key_creds(rt, bob, "live")
        with (
            serve_in_thread(ws_settings(tmp_path, role="api", **common)) as one,
            serve_in_thread(ws_settings(tmp_path, role="api", **common)) as two,
        ):
            _control(one, lambda c: _fund(c, alice.uid, bob.uid))
            yield Trio(sequencer, one, two, alice_key, bob_key)


async def _fund(control: AsyncControlClient, alice: str, bob: str) -> None:
    await control.deposit(alice, "USDT", "100000")
    await control.deposit(bob, "USDT", "100000")


def _control(server: RunningServer, act: Any) -> Any:
    """`act(client)` on a control client of `server`, from sync code; its result."""

    async def run() -> Any:
        async with AsyncControlClient(server.base_url, server.runtime.admin_token) as client:
            return await act(client)

    return run_to_end_with(run())


def _order(server: RunningServer, creds: Creds, px: str) -> dict[str, Any]:
    return signed_post(server, creds, ORDER, limit("buy", px, "0.01"))


def test_a_fault_with_times_fires_that_often_over_every_api_process_and_lists_each_firing(trio: Trio) -> None:
    fault = _control(
        trio.one, lambda c: c.inject_error("50013", route=f"POST {ORDER}", times=2)
    )  # armed through one API process
    trio.armed_everywhere(1)
    served = [
        (trio.one, trio.alice),
        (trio.two, trio.bob),
        (trio.one, trio.bob),
        (trio.two, trio.alice),
        (trio.sequencer, trio.alice),
    ]
    codes = [_order(server, creds, "90")["code"] for server, creds in served]
    assert codes == ["50013", "50013", "0", "0", "0"]
    events: list[FaultEvent] = _control(trio.two, lambda c: c.fault_events(fault_id=fault.id))
    assert [(e.target, e.api_key, e.code) for e in events] == [
        (f"POST {ORDER}", trio.alice.api_key, "50013"),  # served by the first API process
        (f"POST {ORDER}", trio.bob.api_key, "50013"),  # served by the second
    ]
    assert events[0].seq < events[1].seq
    listed = _control(trio.one, lambda c: c.get_fault(fault.id))
    assert (listed.fired, listed.remaining) == (2, 0)
    wait_until(lambda: not any(api.runtime.faults.armed for api in trio.apis))  # used up: no more asking


def test_seeded_dice_hit_the_requests_one_process_would_whichever_process_serves_them(trio: Trio) -> None:
    _control(trio.two, lambda c: c.inject_http(503, route=TIME, probability=0.4, seed=5))
    trio.armed_everywhere(1)
    servers = (trio.one, trio.two, trio.sequencer)
    statuses = [httpx.get(servers[i % 3].base_url + TIME).status_code for i in range(24)]
    alone = FaultRegistry(ManualClock())
    alone.add(FaultSpec(FaultKind.HTTP, route=TIME, status=503, probability=0.4, seed=5))
    expected = []
    for _ in range(24):
        injection = alone.decide_http("GET", TIME, None)
        expected.append(503 if injection is not None and injection.answer is not None else 200)
    assert statuses == expected
    assert 503 in statuses and 200 in statuses
    events = _control(trio.one, lambda c: c.fault_events())
    assert len(events) == statuses.count(503)


def test_a_ws_fault_with_times_drops_one_push_over_every_api_process(trio: Trio) -> None:
    fault = _control(
        trio.one, lambda c: c.add_fault("ws_drop", route="orders", api_key=trio.alice.api_key, times=1)
    )
    trio.armed_everywhere(1)

    async def scenario() -> tuple[int, int]:
        one = f"ws://127.0.0.1:{trio.one.port}/ws/v5/private"
        two = f"ws://127.0.0.1:{trio.two.port}/ws/v5/private"
        async with open_ws(one) as first, open_ws(two) as second:
            for ws in (first, second):
                await ws.login(trio.alice)
                await ws.subscribe({"channel": "orders", "instType": "SPOT"})
            placed = await asyncio.to_thread(_order, trio.one, trio.alice, "91")
            assert placed["code"] == "0", placed
            marker = await asyncio.to_thread(_order, trio.two, trio.alice, "92")
            assert marker["code"] == "0", marker
            seen = []
            for ws in (first, second):  # each push in order: the first order's is ahead of the marker's
                got = 0
                while True:
                    push = await ws.expect(is_push("orders"), timeout=SETTLE_S)
                    if push["data"][0]["px"] == "92":
                        break
                    got += 1
                seen.append(got)
            return seen[0], seen[1]

    dropped = run_to_end_with(scenario())
    assert sorted(dropped) == [0, 1]  # dropped on exactly one connection, whichever asked first
    events = _control(trio.two, lambda c: c.fault_events(fault_id=fault.id))
    assert [(e.target, e.api_key) for e in events] == [("ws orders", trio.alice.api_key)]


def test_an_outage_used_up_through_one_api_process_ends_on_the_others_status_page(trio: Trio) -> None:
    _control(trio.sequencer, lambda c: c.inject_error("50001", route=f"POST {ORDER}", times=1))
    trio.armed_everywhere(1)

    def outages(server: RunningServer) -> int:
        return len(httpx.get(server.base_url + "/api/v5/system/status").json()["data"])

    assert outages(trio.two) == 1
    assert _order(trio.one, trio.alice, "90")["code"] == "50001"
    wait_until(lambda: outages(trio.two) == 0)  # the second API process never asked: it was told
    assert not trio.two.runtime.faults.armed
    assert _order(trio.two, trio.alice, "90")["code"] == "0"
