"""Revoking or deleting a key takes effect on the very next request, even under load."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.support.apps import sandbox
from tests.support.okx import headers_for
from tests.support.polling import until

CONFIG = "/api/v5/account/config"


async def test_revoke_while_requests_are_in_flight(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        created = box.key(box.user().id)
        http = box.client()
        results: list[tuple[float, str]] = []
        revoked_at: list[float] = []

        def settled() -> bool:  # revoked, and each client has sent a few requests since
            return bool(revoked_at) and sum(started > revoked_at[0] for started, _ in results) >= 40

        async def hammer() -> None:
            deadline = time.monotonic() + 20
            while not settled() and time.monotonic() < deadline:
                started = time.monotonic()
                headers = headers_for(created, "GET", CONFIG, now_ms=box.now_ms())
                response = await http.get(CONFIG, headers=headers)
                results.append((started, response.json()["code"]))
                await asyncio.sleep(0)  # in-process calls never suspend: let the revoking thread report back

        def answered_before_the_margin() -> bool:  # `before` below needs requests this old
            return any(started < time.monotonic() - 0.3 for started, _ in results)

        async def revoke() -> None:
            await until(answered_before_the_margin, "requests answered before the revocation")
            await asyncio.to_thread(box.runtime.keys.keys.revoke, created.info.api_key)
            revoked_at.append(time.monotonic())

        await asyncio.gather(*(hammer() for _ in range(8)), revoke())
        before = [code for started, code in results if started < revoked_at[0] - 0.25]
        after = [code for started, code in results if started > revoked_at[0]]
        assert before and set(before) == {"0"}
        assert after and set(after) == {"50111"}


async def test_delete_is_refused_on_the_next_request(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        created = box.key(box.user().id)
        http = box.client()
        assert (
            await http.get(CONFIG, headers=headers_for(created, "GET", CONFIG, now_ms=box.now_ms()))
        ).json()["code"] == "0"
        box.runtime.keys.keys.delete(created.info.api_key)
        response = await http.get(CONFIG, headers=headers_for(created, "GET", CONFIG, now_ms=box.now_ms()))
        assert response.status_code == 200 and response.json()["code"] == "50119"


async def test_key_changed_events_reach_subscribers(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        seen: list[tuple[str, str]] = []
        from sandex.services.keys.events import KeyChanged

        box.runtime.hub.subscribe(KeyChanged, lambda event: seen.append((event.api_key, event.change)))
        created = box.key(box.user().id)
        box.runtime.keys.keys.revoke(created.info.api_key)
        box.runtime.keys.keys.delete(created.info.api_key)
        api_key = created.info.api_key
        assert seen == [(api_key, "created"), (api_key, "revoked"), (api_key, "deleted")]
