"""API keys, their audit trail and usage log in SQL (implements `services.keys_ports.KeyRepository`)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from sandex.domain.accounts.model import Environment, UserStatus
from sandex.domain.keys.ips import IpAllowList, parse_ip_list
from sandex.domain.keys.model import KeyState, Permission, format_perms
from sandex.domain.keys.rules import parse_perms
from sandex.services.accounts.ports import ConflictError
from sandex.services.keys.ports import (
    AuditEntry,
    AuditEvent,
    AuthRecord,
    KeyRecord,
    KeyUse,
    SecretRow,
    UsageEntry,
    UseMark,
)
from sandex.storage.orm.accounts import UserRow
from sandex.storage.orm.keys import ApiKeyRow, KeyAuditRow, KeyUsageRow, MasterKeyRow
from sandex.storage.repositories._sql import driver_sql, insert_text

API_KEY_SECRET = "api_key"  # noqa: S105 - a kind of row, not a secret
TOTP_SECRET = "totp"  # noqa: S105 - a kind of row, not a secret
_USED_COLUMNS = {
    Permission.READ_ONLY: "read_used_ms",
    Permission.TRADE: "trade_used_ms",
    Permission.WITHDRAW: "withdraw_used_ms",
}


def totp_associated(uid: str) -> bytes:
    """The AES-GCM associated data of a user's TOTP seed, as the accounts service binds it."""
    return b"sandex/totp/" + uid.encode("ascii")


API_KEYS: Table = ApiKeyRow.__table__  # type: ignore[assignment]
_USAGE_COLUMNS = ("key_id", "ts_ms", "method", "path", "ip", "code", "count", "last_ts_ms")
_USERS: Table = UserRow.__table__  # type: ignore[assignment]


def _auth_read() -> Select[Any]:
    owner, master = _USERS.alias("owner"), _USERS.alias("master")
    return (
        select(
            API_KEYS,
            owner.c.uid.label("owner_uid"),
            owner.c.master_id.label("owner_master"),
            owner.c.status.label("owner_status"),
            master.c.uid.label("master_uid"),
            master.c.status.label("master_status"),
        )
        .select_from(
            API_KEYS.join(owner, owner.c.id == API_KEYS.c.user_id).outerjoin(
                master, master.c.id == owner.c.master_id
            )
        )
        .where(API_KEYS.c.api_key == bindparam("api_key"))
    )


_AUTH_READ = _auth_read()
# The usage write's statements, as DB-API SQL with `%s` marks (see `driver_sql`) for executemany of
# plain tuples: no per-row parameter processing. Only constant names go into the text.
_K, _U = ApiKeyRow.__tablename__, KeyUsageRow.__tablename__
# A key's last use and its last use per permission, in one statement: each column moves forward only
# (a late window of another process never moves it back), and 0 leaves a column as it is. Every SET
# expression reads the row as it was, so the IP follows the time it belongs to.
_MOVE_USE = (
    f"UPDATE {_K} SET "  # noqa: S608
    "last_used_ip = CASE WHEN %s >= COALESCE(last_used_ms, 0) THEN %s ELSE last_used_ip END, "
    "last_used_ms = CASE WHEN %s >= COALESCE(last_used_ms, 0) THEN %s ELSE last_used_ms END, "
    + ", ".join(
        f"{col} = CASE WHEN %s > COALESCE({col}, 0) THEN %s ELSE {col} END"
        for col in (_USED_COLUMNS[p] for p in (Permission.READ_ONLY, Permission.TRADE, Permission.WITHDRAW))
    )  # the order `_move_use` gives their times in
    + " WHERE id = %s"
)
# all but the newest `keep` lines of a key: ids up to its (keep+1)-th newest
_TRIM_USAGE = (
    f"DELETE FROM {_U} WHERE key_id = %s AND id <= "  # noqa: S608
    f"(SELECT id FROM {_U} WHERE key_id = %s ORDER BY id DESC LIMIT 1 OFFSET %s)"
)
_LOOK_UP_IDS = f"SELECT api_key, id FROM {_K} WHERE api_key IN"  # noqa: S608
_REPLACE_VERIFIER = f"UPDATE {_K} SET passphrase_hash = %s WHERE id = %s AND passphrase_hash = %s"  # noqa: S608


def _first(pair: tuple[int, KeyUse]) -> int:
    return pair[0]


class SqlKeyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # --- keys -----------------------------------------------------------------------------------
    def get(self, api_key: str) -> KeyRecord | None:
        row = self._row(api_key)
        return None if row is None else _record(row)

    def list_for_user(self, user_id: int) -> list[KeyRecord]:
        rows = self._session.scalars(
            select(ApiKeyRow)
            .where(ApiKeyRow.user_id == user_id, ApiKeyRow.state != KeyState.DELETED.value)
            .order_by(ApiKeyRow.id)
        )
        return [_record(row) for row in rows]

    def list_in_states(self, states: Sequence[KeyState]) -> list[KeyRecord]:
        rows = self._session.scalars(
            select(ApiKeyRow).where(ApiKeyRow.state.in_([s.value for s in states])).order_by(ApiKeyRow.id)
        )
        return [_record(row) for row in rows]

    def add(self, record: KeyRecord) -> KeyRecord:
        row = ApiKeyRow(api_key=record.api_key, user_id=record.user_id, created_ms=record.created_ms)
        _write(row, record)
        row.secret_ct = record.secret_ct
        row.key_id = record.key_id
        row.passphrase_hash = record.passphrase_hash
        self._session.add(row)
        try:
            self._session.flush()
        except IntegrityError as exc:  # the label (or, astronomically unlikely, the key) is taken
            raise ConflictError("API key label or key string taken") from exc
        return _record(row)

    def save(self, record: KeyRecord) -> None:
        row = self._row(record.api_key)
        if row is None:
            raise LookupError(f"no API key {record.api_key}")
        _write(row, record)

    # --- audit and usage ------------------------------------------------------------------------
    def add_audit(self, api_key: str, entry: AuditEntry) -> None:
        self._session.add(_audit_row(self._id(api_key), entry))

    def add_failures(self, api_key: str, runs: Sequence[AuditEntry]) -> None:
        key_id = self._id(api_key)
        latest = self._session.scalars(
            select(KeyAuditRow).where(KeyAuditRow.key_id == key_id).order_by(KeyAuditRow.id.desc()).limit(1)
        ).first()
        for run in runs:
            if latest is not None and latest.event == run.event.value and latest.detail == run.detail:
                latest.count += run.count
                latest.last_ts_ms = max(latest.last_ts_ms, run.last_ts_ms or run.ts_ms)
                latest.ip = run.ip
                continue
            latest = _audit_row(key_id, run)
            self._session.add(latest)
            self._session.flush()  # keeps ids in insertion order for the next "latest" query

    def list_audit(self, api_key: str) -> list[AuditEntry]:
        rows = self._session.scalars(
            select(KeyAuditRow).where(KeyAuditRow.key_id == self._id(api_key)).order_by(KeyAuditRow.id)
        )
        return [
            AuditEntry(row.ts_ms, AuditEvent(row.event), row.detail, row.ip, row.count, row.last_ts_ms)
            for row in rows
        ]

    def get_for_auth(self, api_key: str) -> AuthRecord | None:
        # Core, one statement, no ORM identity map: the first request of each key pays for this.
        row = self._session.connection().execute(_AUTH_READ, {"api_key": api_key}).first()
        if row is None:
            return None
        status = UserStatus(row.owner_status)
        if row.owner_master is not None and status is UserStatus.ACTIVE:
            status = UserStatus(row.master_status) if row.master_status is not None else UserStatus.FROZEN
        main_uid = row.master_uid if row.owner_master is not None and row.master_uid else row.owner_uid
        return AuthRecord(_record(row), row.owner_uid, row.owner_master, status, main_uid)

    def write_uses(self, uses: Sequence[KeyUse], keep: int) -> None:
        # Runs on the sequencer's writer thread between two group commits: driver SQL and executemany
        # of plain tuples only, a fixed number of statements however many keys (one IN list of
        # bound parameters looks them up: a batch stays far below SQLite's limit of 32,766).
        if not uses:
            return
        conn = self._session.connection()
        dialect = conn.dialect.name

        def many(sql: str, rows: list[tuple[object, ...]]) -> None:
            if rows:
                conn.exec_driver_sql(driver_sql(sql, dialect), rows)

        wanted = tuple(use.api_key for use in uses)
        marks = ", ".join(["%s"] * len(wanted))
        # In id order, and on PostgreSQL locked in that order before anything is written: API
        # processes write the same keys' uses at once, and two that took the rows in their own
        # buffers' orders deadlocked (one of them lost its window's usage).
        lock = " FOR UPDATE" if dialect == "postgresql" else ""
        look_up = f"{_LOOK_UP_IDS} ({marks}) ORDER BY id{lock}"
        ids: dict[str, int] = dict(conn.exec_driver_sql(driver_sql(look_up, dialect), wanted).all())
        known = sorted(((ids[use.api_key], use) for use in uses if use.api_key in ids), key=_first)
        many(_MOVE_USE, [_move_use(key_id, use.mark) for key_id, use in known if use.mark is not None])
        lines: list[tuple[object, ...]] = [
            (key_id, e.ts_ms, e.method, e.path[:255], e.ip, e.code, e.count, e.last_ts_ms)
            for key_id, use in known
            for e in use.entries
        ]
        many(insert_text(KeyUsageRow.__tablename__, _USAGE_COLUMNS, dialect), lines)
        many(_TRIM_USAGE, [(key_id, key_id, keep) for key_id, use in known if use.trim])
        many(_REPLACE_VERIFIER, [(u.verifier[1], i, u.verifier[0]) for i, u in known if u.verifier])

    def list_usage(self, api_key: str, limit: int) -> list[UsageEntry]:
        rows = self._session.scalars(
            select(KeyUsageRow)
            .where(KeyUsageRow.key_id == self._id(api_key))
            .order_by(KeyUsageRow.id.desc())
            .limit(limit)
        )
        return [
            UsageEntry(row.ts_ms, row.method, row.path, row.ip, row.code, row.count, row.last_ts_ms)
            for row in rows
        ]

    # --- master-key rotation --------------------------------------------------------------------
    def list_secrets(self) -> list[SecretRow]:
        keys = self._session.execute(
            select(ApiKeyRow.id, ApiKeyRow.api_key, ApiKeyRow.key_id, ApiKeyRow.secret_ct)
        )
        found = [SecretRow(API_KEY_SECRET, i, api_key.encode(), kid, ct) for i, api_key, kid, ct in keys]
        seeds = self._session.execute(
            select(UserRow.id, UserRow.uid, UserRow.totp_key_id, UserRow.totp_secret_ct).where(
                UserRow.totp_secret_ct.is_not(None)
            )
        )
        found += [
            SecretRow(TOTP_SECRET, i, totp_associated(uid), kid or "", ct) for i, uid, kid, ct in seeds if ct
        ]
        return found

    def replace_secret(self, row: SecretRow, key_id: str, ciphertext: bytes) -> None:
        if row.kind == API_KEY_SECRET:
            statement = (
                update(ApiKeyRow)
                .where(ApiKeyRow.id == row.row_id)
                .values(secret_ct=ciphertext, key_id=key_id)
            )
        else:
            statement = (
                update(UserRow)
                .where(UserRow.id == row.row_id)
                .values(totp_secret_ct=ciphertext, totp_key_id=key_id)
            )
        self._session.execute(statement)

    def record_master_key(self, key_id: str, now_ms: int) -> None:
        self._session.execute(update(MasterKeyRow).values(active=0))
        existing = self._session.get(MasterKeyRow, key_id)
        if existing is None:
            self._session.add(MasterKeyRow(key_id=key_id, created_ms=now_ms, active=1))
        else:
            existing.active = 1

    # --- helpers --------------------------------------------------------------------------------
    def _row(self, api_key: str) -> ApiKeyRow | None:
        return self._session.scalars(select(ApiKeyRow).where(ApiKeyRow.api_key == api_key)).first()

    def _id(self, api_key: str) -> int:
        key_id = self._session.scalars(select(ApiKeyRow.id).where(ApiKeyRow.api_key == api_key)).first()
        if key_id is None:
            raise LookupError(f"no API key {api_key}")
        return key_id


def _move_use(key_id: int, mark: UseMark) -> tuple[object, ...]:
    """`_MOVE_USE`'s parameters: the last use, then each permission's last use, 0 if not used."""
    read = trade = withdraw = 0
    for perm, ms in mark.by_perm:  # usually one: trade
        if perm is Permission.TRADE:
            trade = ms
        elif perm is Permission.READ_ONLY:
            read = ms
        else:
            withdraw = ms
    ms = mark.last_used_ms
    return (ms, mark.last_used_ip, ms, ms, read, read, trade, trade, withdraw, withdraw, key_id)


def _write(row: ApiKeyRow, record: KeyRecord) -> None:
    """The fields a key's life changes (never the secret, the passphrase or the key string)."""
    row.label = record.label
    row.description = record.description
    row.environment = record.environment.value
    row.perms = format_perms(record.perms)
    row.ips = record.ips.to_text()
    row.state = record.state.value
    row.updated_ms = record.updated_ms
    row.activated_ms = record.activated_ms
    row.expires_ms = record.expires_at_ms
    row.revoked_ms = record.revoked_ms


def _record(row: Any) -> KeyRecord:
    """From an ORM row or a Core row of the same columns."""
    return KeyRecord(
        id=row.id,
        api_key=row.api_key,
        user_id=row.user_id,
        label=row.label,
        description=row.description,
        environment=Environment(row.environment),
        perms=_perms(row.perms),
        ips=_ips(row.ips),
        state=KeyState(row.state),
        secret_ct=row.secret_ct,
        key_id=row.key_id,
        passphrase_hash=row.passphrase_hash,
        created_ms=row.created_ms,
        updated_ms=row.updated_ms,
        activated_ms=row.activated_ms,
        expires_at_ms=row.expires_ms,
        revoked_ms=row.revoked_ms,
        last_used_ms=row.last_used_ms,
        last_used_ip=row.last_used_ip,
        read_used_ms=row.read_used_ms,
        trade_used_ms=row.trade_used_ms,
        withdraw_used_ms=row.withdraw_used_ms,
    )


@lru_cache(maxsize=1024)  # immutable values; keys share a few texts, and parsing IPs is not free
def _perms(text: str) -> frozenset[Permission]:
    perms = parse_perms(text)
    if not isinstance(perms, frozenset):
        raise ValueError(f"stored permissions are corrupt: {text!r}")
    return perms


@lru_cache(maxsize=4096)
def _ips(text: str) -> IpAllowList:
    ips = parse_ip_list(text)
    if not isinstance(ips, IpAllowList):
        raise ValueError(f"stored IP allow-list is corrupt: {text!r}")
    return ips


def _audit_row(key_id: int, entry: AuditEntry) -> KeyAuditRow:
    return KeyAuditRow(
        key_id=key_id,
        ts_ms=entry.ts_ms,
        last_ts_ms=entry.last_ts_ms or entry.ts_ms,
        event=entry.event.value,
        detail=entry.detail,
        ip=entry.ip,
        count=entry.count,
    )
