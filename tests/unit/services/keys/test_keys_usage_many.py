"""Key use of thousands of keys reaches the database: every key's usage log and its "last used" (what
the console shows), written in turns of the writer of a fixed number of statements each, as few for
a full batch as for one key; and keys first used together trim their usage logs in different windows."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import event, func, insert, select

from sandex.domain.keys.formats import format_api_key
from sandex.domain.keys.model import Permission
from sandex.runtime.keycache import KeyCacheKeeper
from sandex.services.keys.auth import Principal
from sandex.services.keys.usage import BATCH_KEYS, TRIM_EVERY, UsageBuffer
from sandex.services.keys.views import CreatedKey
from sandex.storage.orm.keys import KeyUsageRow
from sandex.storage.repositories.keys import API_KEYS
from tests.support.keys import Kit

KEYS = 10_000
CONFIG = "/api/v5/account/config"  # what `Kit.signed` requests


def _copies(kit: Kit, created: CreatedKey, n: int) -> list[CreatedKey]:
    """`n` more keys like `created` (same secret and passphrase), stored directly in one statement:
    as many keys in use as a large deployment has, without the per-account key limit."""
    with kit.engine.begin() as conn:
        template = dict(
            conn.execute(select(API_KEYS).where(API_KEYS.c.api_key == created.info.api_key)).one()._mapping
        )
        rows, copies = [], []
        for i in range(n):
            api_key = format_api_key(os.urandom(16))
            key_id, secret_ct = kit.cipher.encrypt(created.secret.encode(), api_key.encode())
            rows.append(
                {
                    **template,
                    "id": None,
                    "api_key": api_key,
                    "label": f"k{i}",
                    "secret_ct": secret_ct,
                    "key_id": key_id,
                }
            )
            copies.append(replace(created, info=replace(created.info, api_key=api_key)))
        conn.execute(insert(API_KEYS), rows)
    return copies


class StatementCount:
    """Statements the kit's engine runs while a write holds the writer (an executemany counts once)."""

    def __init__(self, kit: Kit) -> None:
        self.per_write: list[int] = []
        self._running = 0
        event.listen(kit.engine, "before_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        self._running += 1

    async def writer(self, fn: Callable[[], object]) -> object:
        self._running = 0
        result = await asyncio.to_thread(fn)
        self.per_write.append(self._running)
        return result


async def test_ten_thousand_keys_in_use_reach_the_usage_log_and_last_used(kit: Kit) -> None:
    alice = kit.user()
    created = kit.key(alice.id)
    every = [created, *_copies(kit, created, KEYS - 1)]
    for key in every:
        assert isinstance(kit.auth.authenticate(kit.signed(key)), Principal)
    used_at = kit.clock.now_ms()
    count = StatementCount(kit)
    keeper = KeyCacheKeeper(kit.auth, kit.maintenance, flush_s=3600.0, writer=count.writer)
    await keeper.start()
    await keeper.stop()  # writes everything noted, batch by batch, through the writer

    kit.clock.advance(seconds=5)
    assert isinstance(kit.auth.authenticate(kit.signed(created)), Principal)  # a window with one key
    await keeper.stop()
    assert len(count.per_write) == -(-KEYS // BATCH_KEYS) + 1
    # look up ids, move last use, add usage lines, trim some logs: a full batch or one key, no more
    assert max(count.per_write) <= 4

    console = kit.second_process()  # nothing in memory: what the database holds
    shown = {info.api_key: info.last_used_ms for info in console.keys.list(alice.id)}
    assert len(shown) == KEYS
    assert shown.pop(created.info.api_key) == kit.clock.now_ms()
    assert set(shown.values()) == {used_at}
    with console.uow() as uow:  # the console's "Recent requests" of a few keys, then all keys' lines at once
        assert [u.ts_ms for u in uow.keys.list_usage(created.info.api_key, 5)] == [
            kit.clock.now_ms(),
            used_at,
        ]
        assert [(u.ts_ms, u.path) for u in uow.keys.list_usage(every[-1].info.api_key, 5)] == [
            (used_at, CONFIG)
        ]
    usage = KeyUsageRow.__table__
    per_key = select(usage.c.key_id, func.count(), func.min(usage.c.ts_ms)).group_by(usage.c.key_id)
    with kit.engine.connect() as conn:
        lines = {key_id: (n, first) for key_id, n, first in conn.execute(per_key)}
    assert len(lines) == KEYS and set(lines.values()) == {(1, used_at), (2, used_at)}


def test_keys_first_used_together_trim_their_logs_in_different_windows() -> None:
    buffer = UsageBuffer()
    keys = [format_api_key(os.urandom(16)) for _ in range(1_000)]
    trims_per_window = []
    trimmed: set[str] = set()
    for window in range(TRIM_EVERY):
        for api_key in keys:
            buffer.note_use(api_key, 1_000 + window, "1.1.1.1", Permission.TRADE, "GET", CONFIG)
        due = {pending.api_key for drained in buffer.drain() for pending in drained if pending.trim}
        trims_per_window.append(len(due))
        trimmed |= due
    assert trimmed == set(keys)  # every log trimmed within TRIM_EVERY lines, as before
    assert max(trims_per_window) < len(keys) // 10  # spread out, not all in one window


def test_a_window_of_several_request_kinds_keeps_each_line_in_order_of_last_use() -> None:
    buffer = UsageBuffer()
    api_key = format_api_key(os.urandom(16))
    order = "/api/v5/trade/order"
    for ms, method, target in (
        (1, "POST", order),
        (2, "GET", CONFIG + "?x=1"),
        (3, "POST", order),
        (5, "GET", CONFIG),
    ):
        buffer.note_use(api_key, ms, "1.1.1.1", Permission.TRADE, method, target)
    buffer.note_failure(api_key, 6, "1.1.1.1", "sign_invalid", "POST", order)
    (drained,) = buffer.drain()
    (use,) = UsageBuffer.prepare(drained).uses
    lines = [(e.method, e.path, e.code, e.count, e.ts_ms, e.last_ts_ms) for e in use.entries]
    assert lines == [
        ("POST", order, "0", 2, 1, 3),
        ("GET", CONFIG, "0", 2, 2, 5),  # the query is not part of the line
        ("POST", order, "sign_invalid", 1, 6, None),
    ]
    assert use.mark is not None and use.mark.last_used_ms == 5
