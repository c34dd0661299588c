"""API keys at rest, on SQLite and PostgreSQL: no plaintext secret or passphrase in any table, in the
SQLite file or in any log line; the audit trail coalesces and the usage log stays bounded."""

from __future__ import annotations

import base64
import logging
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, TextClause, select, text

from sandex.app import create_app
from sandex.config import Settings
from sandex.domain.errors import Rejected
from sandex.domain.keys import signing
from sandex.domain.keys.model import Permission
from sandex.domain.keys.rules import CreateKeyRequest, EditKeyRequest
from sandex.domain.keys.timestamps import format_rest_timestamp
from sandex.process import Runtime, open_runtime
from sandex.services.keys.ports import AuditEntry, AuditEvent, KeyUse, UsageEntry, UseMark
from sandex.services.keys.views import CreatedKey
from sandex.storage.orm import Base
from sandex.storage.uow import SqlUnitOfWork

PASSPHRASES = ("Sandex#2026", "Other$Pass9")
CONFIG = "/api/v5/account/config"


def _every_value(engine: Engine) -> bytes:
    """Every value of every row of every table, as bytes."""
    dump = bytearray()
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for value in row:
                    dump += value if isinstance(value, bytes) else str(value).encode()
                    dump += b"\x00"
    return bytes(dump)


def _forms(secret: str) -> list[bytes]:
    """A secret as text, as the 16 bytes it encodes, and in the encodings a leak would use."""
    raw = bytes.fromhex(secret)
    return [
        secret.encode(),
        secret.lower().encode(),
        raw,
        base64.b64encode(raw),
        base64.b64encode(secret.encode()),
    ]


async def _use(runtime: Runtime, settings: Settings, created: CreatedKey) -> None:
    app = create_app(settings, runtime)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://sandex.test") as http:
            for passphrase in (created.passphrase, "Wrong#Pass1"):
                ts = format_rest_timestamp(runtime.clock.now_ms())
                headers = {
                    "OK-ACCESS-KEY": created.info.api_key,
                    "OK-ACCESS-PASSPHRASE": passphrase,
                    "OK-ACCESS-TIMESTAMP": ts,
                    "OK-ACCESS-SIGN": signing.sign(created.secret, signing.prehash(ts, "GET", CONFIG)),
                }
                await http.get(CONFIG, headers=headers)
    # leaving the lifespan flushed the usage and the failure into the database


async def test_no_plaintext_secret_or_passphrase_in_the_database_or_the_logs(
    tmp_path: Path, migrated_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=migrated_database_url, rate_limits="off")
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        with caplog.at_level(logging.DEBUG):
            runtime = open_runtime(settings, fast_hashing=True)
            user = runtime.accounts.register("alice@example.test", "Correct-Horse-9")
            assert not isinstance(user, Rejected)
            keys = runtime.keys.keys
            created = [
                keys.create(
                    user.id, CreateKeyRequest(f"k{i}", PASSPHRASES[i], "read_only,trade", "127.0.0.1")
                )
                for i in range(2)
            ]
            assert all(isinstance(c, CreatedKey) for c in created)
            first, second = (c for c in created if isinstance(c, CreatedKey))
            await _use(runtime, settings, first)
            keys.update(user.id, first.info.api_key, EditKeyRequest(label="renamed"))
            keys.revoke(second.info.api_key)
            dump = _every_value(runtime.engine)
            shown = keys.show(first.info.api_key)
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.NOTSET)
    assert not isinstance(shown, Rejected) and shown.usage and shown.audit[-1].event is AuditEvent.EDITED
    assert any(e.event is AuditEvent.AUTH_FAILURE for e in shown.audit)

    secrets = [form for c in (first, second) for form in _forms(c.secret)]
    passphrases = [p.encode() for p in PASSPHRASES]
    assert first.info.api_key.encode() in dump  # the dump does see the keys' rows
    assert [s for s in secrets + passphrases if s in dump] == []
    if migrated_database_url.startswith("sqlite"):
        files = b"".join(
            p.read_bytes()
            for p in Path(migrated_database_url.removeprefix("sqlite:///")).parent.glob("*.db*")
        )
        assert first.info.api_key.encode() in files
        assert [s for s in secrets + passphrases if s in files] == []

    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records), "SQL logging was not on"
    logged = (caplog.text + "".join(repr(r.args) + r.getMessage() for r in caplog.records)).encode()
    assert [s for s in secrets + passphrases + [b"Wrong#Pass1"] if s in logged] == []
    runtime.engine.dispose()


def test_failures_coalesce_and_usage_stays_bounded(tmp_path: Path, migrated_database_url: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=migrated_database_url, rate_limits="off")
    runtime = open_runtime(settings, fast_hashing=True)
    user = runtime.accounts.register("alice@example.test", "Correct-Horse-9")
    assert not isinstance(user, Rejected)
    created = runtime.keys.keys.create(user.id, CreateKeyRequest("bot", PASSPHRASES[0]))
    assert isinstance(created, CreatedKey)
    api_key = created.info.api_key
    failure = AuditEvent.AUTH_FAILURE
    with SqlUnitOfWork(runtime.sessions) as uow:
        uow.keys.add_failures(api_key, [AuditEntry(1, failure, "passphrase_incorrect", "1.1.1.1", 2, 5)])
        uow.keys.add_failures(
            api_key,
            [
                AuditEntry(6, failure, "passphrase_incorrect", "2.2.2.2", 3, 9),
                AuditEntry(10, failure, "signature_invalid", "2.2.2.2", 1, 10),
                AuditEntry(11, failure, "passphrase_incorrect", "2.2.2.2", 1, 11),
            ],
        )
        for times in (range(30), range(30, 40)):
            lines = [UsageEntry(t, "GET", CONFIG, "1.1.1.1") for t in times]
            uow.keys.write_uses([KeyUse(api_key, None, lines, trim=True)], keep=25)
        uow.commit()
    with SqlUnitOfWork(runtime.sessions) as uow:
        trail = [
            (e.event, e.detail, e.count, e.ts_ms, e.last_ts_ms, e.ip) for e in uow.keys.list_audit(api_key)
        ]
        usage = uow.keys.list_usage(api_key, 100)
    assert trail[1:] == [
        (failure, "passphrase_incorrect", 5, 1, 9, "2.2.2.2"),
        (failure, "signature_invalid", 1, 10, 10, "2.2.2.2"),
        (failure, "passphrase_incorrect", 1, 11, 11, "2.2.2.2"),
    ]
    assert [u.ts_ms for u in usage] == list(range(39, 14, -1))
    runtime.engine.dispose()


def _alice_with_two_keys(tmp_path: Path, database_url: str) -> tuple[Runtime, str, str]:
    """A runtime on `database_url` with one user and two keys, in the order they were made."""
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, rate_limits="off")
    runtime = open_runtime(settings, fast_hashing=True)
    user = runtime.accounts.register("alice@example.test", "Correct-Horse-9")
    assert not isinstance(user, Rejected)
    made = [runtime.keys.keys.create(user.id, CreateKeyRequest(f"k{i}", PASSPHRASES[0])) for i in range(2)]
    first, second = (c.info.api_key for c in made if isinstance(c, CreatedKey))
    return runtime, first, second


def test_a_usage_write_moves_use_forward_only_and_replaces_a_verifier_only_while_unchanged(
    tmp_path: Path, migrated_database_url: str
) -> None:
    runtime, first, second = _alice_with_two_keys(tmp_path, migrated_database_url)
    line = [UsageEntry(100, "GET", CONFIG, "1.1.1.1")]
    with SqlUnitOfWork(runtime.sessions) as uow:
        stored = uow.keys.get(first)
        assert stored is not None
        uow.keys.write_uses(
            [
                KeyUse(first, UseMark(500, "1.1.1.1", ((Permission.TRADE, 500),)), line),
                KeyUse(second, UseMark(700, "2.2.2.2", ()), line, verifier=("not-the-stored-one", "new")),
                KeyUse("no-such-key", UseMark(900, "3.3.3.3", ()), line),
            ],
            keep=25,
        )
        uow.commit()
    with SqlUnitOfWork(runtime.sessions) as uow:  # an older use (another process, a late window)
        uow.keys.write_uses(
            [
                KeyUse(
                    first,
                    UseMark(400, "9.9.9.9", ((Permission.TRADE, 400),)),
                    [],
                    verifier=(stored.passphrase_hash, "v2"),
                )
            ],
            keep=25,
        )
        uow.commit()
    with SqlUnitOfWork(runtime.sessions) as uow:  # each permission's last use moves on its own
        read, trade, withdraw = Permission.READ_ONLY, Permission.TRADE, Permission.WITHDRAW
        uow.keys.write_uses([KeyUse(second, UseMark(800, "4.4.4.4", ((read, 800), (withdraw, 750))), [])], 25)
        uow.keys.write_uses([KeyUse(second, UseMark(600, "5.5.5.5", ((trade, 600), (read, 600))), [])], 25)
        uow.commit()
    with SqlUnitOfWork(runtime.sessions) as uow:
        one, two = uow.keys.get(first), uow.keys.get(second)
        usage = [len(uow.keys.list_usage(k, 10)) for k in (first, second)]
    assert one is not None and two is not None
    assert (one.last_used_ms, one.last_used_ip, one.trade_used_ms) == (500, "1.1.1.1", 500)
    assert (one.read_used_ms, one.withdraw_used_ms) == (None, None)
    assert (two.last_used_ms, two.last_used_ip) == (800, "4.4.4.4")
    assert (two.read_used_ms, two.trade_used_ms, two.withdraw_used_ms) == (800, 600, 750)
    assert one.passphrase_hash == "v2" and two.passphrase_hash != "new"
    assert usage == [1, 1]
    runtime.engine.dispose()


def _scalar(engine: Engine, query: TextClause) -> int:
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_a_usage_write_on_postgresql_locks_its_keys_in_id_order_before_writing(
    tmp_path: Path, migrated_postgres_url: str
) -> None:
    # API processes flush the same keys' uses at once; each must take the rows in one global order,
    # or two flushes deadlock. Here one key's row is held elsewhere: a flush listing the other key
    # first must wait for it without having locked the other one meanwhile.
    runtime, low, high = _alice_with_two_keys(tmp_path, migrated_postgres_url)
    with runtime.engine.connect() as conn:
        ids = dict(conn.execute(text("SELECT api_key, id FROM api_keys")).all())
    assert ids[low] < ids[high]
    lock_row = text("SELECT id FROM api_keys WHERE id = :id FOR UPDATE")
    holder = runtime.engine.connect()
    holder.begin()
    holder.execute(lock_row, {"id": ids[low]})
    mark = UseMark(500, "1.1.1.1", ((Permission.READ_ONLY, 500),))

    def flush() -> None:
        with SqlUnitOfWork(runtime.sessions) as uow:
            uow.keys.write_uses([KeyUse(high, mark, []), KeyUse(low, mark, [])], keep=25)
            uow.commit()

    writer = threading.Thread(target=flush)
    writer.start()
    try:
        waiting = text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        deadline = time.monotonic() + 30
        while not _scalar(runtime.engine, waiting):  # a fresh transaction: its own stats snapshot
            assert time.monotonic() < deadline, "the flush never waited for the held key"
            time.sleep(0.02)
        with runtime.engine.connect() as probe, probe.begin():
            probe.execute(text("SELECT id FROM api_keys WHERE id = :id FOR UPDATE NOWAIT"), {"id": ids[high]})
    finally:
        holder.rollback()
        holder.close()
        writer.join(30)
    assert not writer.is_alive()
    with SqlUnitOfWork(runtime.sessions) as uow:
        used = [uow.keys.get(k) for k in (low, high)]
    assert [k.last_used_ms if k else None for k in used] == [500, 500]
    runtime.engine.dispose()
