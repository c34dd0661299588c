"""API keys, their audit trail and usage log in SQL (implements `services.keys_ports.KeyRepository`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandex.domain.accounts.model import Environment
from sandex.domain.keys.ips import IpAllowList, parse_ip_list
from sandex.domain.keys.model import KeyState, Permission, format_perms
from sandex.domain.keys.rules import parse_perms
from sandex.services.accounts.ports import ConflictError
from sandex.services.keys.ports import (
    AuditEntry,
    AuditEvent,
    KeyRecord,
    SecretRow,
    UsageEntry,
    UseMark,
)
from sandex.storage.orm.accounts import UserRow
from sandex.storage.orm.keys import ApiKeyRow, KeyAuditRow, KeyUsageRow, MasterKeyRow
from sandex.storage.repositories._sql import insert_text

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

    def record_use(self, api_key: str, mark: UseMark) -> None:
        # Core statements, no ORM unit of work: this runs inside the usage flush, on the sequencer's
        # writer thread between two group commits (the next commit waits for it).
        table = API_KEYS
        last = table.c.last_used_ms
        self._session.execute(
            update(table)
            .where(table.c.api_key == api_key, or_(last.is_(None), last <= mark.last_used_ms))
            .values(last_used_ms=mark.last_used_ms, last_used_ip=mark.last_used_ip)
        )
        for perm, used_ms in mark.by_perm:
            column = table.c[_USED_COLUMNS[perm]]
            self._session.execute(
                update(table)
                .where(table.c.api_key == api_key, or_(column.is_(None), column < used_ms))
                .values({column: used_ms})
            )

    def add_usage(self, api_key: str, entries: Sequence[UsageEntry], keep: int) -> None:
        key_id = self._id(api_key)
        conn = self._session.connection()
        # A few rows per key and flush window (coalesced lines): one executemany of plain tuples.
        conn.exec_driver_sql(
            insert_text(KeyUsageRow.__tablename__, _USAGE_COLUMNS, conn.dialect.name),
            [(key_id, e.ts_ms, e.method, e.path[:255], e.ip, e.code, e.count, e.last_ts_ms) for e in entries],
        )
        threshold = self._session.scalars(
            select(KeyUsageRow.id)
            .where(KeyUsageRow.key_id == key_id)
            .order_by(KeyUsageRow.id.desc())
            .offset(keep)
            .limit(1)
        ).first()
        if threshold is not None:
            self._session.execute(
                delete(KeyUsageRow).where(KeyUsageRow.key_id == key_id, KeyUsageRow.id <= threshold)
            )

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


def _record(row: ApiKeyRow) -> KeyRecord:
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


def _perms(text: str) -> frozenset[Permission]:
    perms = parse_perms(text)
    if not isinstance(perms, frozenset):
        raise ValueError(f"stored permissions are corrupt: {text!r}")
    return perms


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
