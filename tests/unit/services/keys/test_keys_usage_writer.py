"""The key-cache keeper writes buffered key usage through the writer it is given (the sequencer's
writer thread, between group commits), every flush period, and on shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sandex.domain.errors import Rejected
from sandex.runtime.keycache import KeyCacheKeeper
from sandex.services.keys.auth import Principal
from tests.support.keys import Kit


async def test_usage_is_written_through_the_writer_between_commits(kit: Kit) -> None:
    alice = kit.user()
    created = kit.key(alice.id)
    assert isinstance(kit.auth.authenticate(kit.signed(created)), Principal)
    through: list[str] = []

    async def writer(fn: Callable[[], object]) -> object:
        through.append(getattr(fn, "__name__", "?"))
        return await asyncio.to_thread(fn)

    keeper = KeyCacheKeeper(kit.auth, kit.maintenance, poll_s=0.01, flush_s=0.0, writer=writer)
    await keeper.start()
    try:
        for _ in range(200):
            details = kit.keys.show(created.info.api_key)
            if not isinstance(details, Rejected) and details.usage:
                break
            await asyncio.sleep(0.01)
    finally:
        await keeper.stop()
    assert through and set(through) == {"_flush_batch"}  # only the usage write took the writer
    details = kit.keys.show(created.info.api_key)
    assert not isinstance(details, Rejected)
    assert [(u.method, u.path) for u in details.usage] == [("GET", "/api/v5/account/config")]
