"""A standby in one process (SQLite): only its health check answers until it holds the lease, then
it serves; a server whose lease is taken says so and tells its owner (`sandex serve` exits then)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable

import httpx

from sandex.app import create_app
from sandex.config import Settings

ELSEWHERE = "elsewhere:4242:abcd0123"  # a holder on another host: only its lease's age frees it
TIMEOUT_S = 60.0  # generous: a loaded CI box
ME = {"role": "all", "pid": os.getpid()}  # the health answer names the process that gave it


async def _until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_standby_answers_only_its_health_until_the_lease_is_free(settings: Settings) -> None:
    lost: list[str] = []
    app = create_app(settings, standby=True, on_lease_lost=lambda: lost.append("exit"))
    store, sequencer = app.state.runtime.trading.store, app.state.runtime.trading.sequencer
    assert store.acquire_lease(ELSEWHERE, None, 0)
    epoch = store.lease_state().epoch
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
            health = await http.get("/sandex/health")
            assert (health.status_code, health.json()) == (503, {**ME, "status": "standby"})
            refused = await http.post("/api/v5/trade/order", json={})
            assert refused.status_code == 503 and refused.json()["code"] == "50001"
            assert (await http.get("/api/v5/public/time")).status_code == 503
            # the holder elsewhere stops refreshing: its lease goes stale and the standby takes over
            await _until(lambda: app.state.standing.serving)
            assert (await http.get("/sandex/health")).json() == {**ME, "status": "serving"}
            assert (await http.get("/api/v5/public/time")).status_code == 200
            state = store.lease_state()
            assert (state.owner, state.epoch) == (sequencer.owner, epoch + 1)
            # another process takes the lease: this one steps down, refuses, and is told to leave
            assert store.acquire_lease(ELSEWHERE, None, -10_000)  # whatever our heartbeat's age
            await _until(lambda: bool(lost))
            health = await http.get("/sandex/health")
            assert (health.status_code, health.json()) == (503, {**ME, "status": "stepped-down"})
            assert store.lease_state().owner == ELSEWHERE  # never taken back
