"""Key housekeeping: the expiry sweep, the least-privilege report and master-key rotation."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from sandex.domain.clock import Clock
from sandex.domain.keys.expiry import inactivity_applies, is_expired
from sandex.domain.keys.model import KeyState
from sandex.domain.keys.reports import REPORT_DAYS, REPORT_WITHIN_DAYS, expiring_within, unused_permissions
from sandex.services.keys.events import KeyChanged
from sandex.services.keys.ports import (
    KEYS_TOPIC,
    AuditEntry,
    AuditEvent,
    KeyRecord,
    KeysUnitOfWork,
    Publisher,
)
from sandex.services.keys.service import FreshUse
from sandex.services.keys.views import KeyFinding, KeyInfo, KeyReport
from sandex.services.ports import SecretCipher

log = logging.getLogger("sandex.keys")

_LIVE_STATES = (KeyState.ACTIVE, KeyState.PENDING)


class KeyMaintenance:
    def __init__(
        self,
        uow: Callable[[], KeysUnitOfWork],
        clock: Clock,
        publisher: Publisher,
        fresh_use: FreshUse | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._publisher = publisher
        self._fresh_use = fresh_use

    def sweep_expired(self) -> list[str]:
        """Record `expired` for active keys past their expiry date or the inactivity rule.

        Authentication refuses such keys anyway (it decides on the freshest in-memory use); the
        sweep makes the state visible in listings and the audit trail."""
        now = self._clock.now_ms()
        expired: list[KeyRecord] = []
        with self._uow() as uow:
            for record in uow.keys.list_in_states([KeyState.ACTIVE]):
                fresh = self._fresh_use(record.api_key) if self._fresh_use else None
                if fresh is not None and (record.last_used_ms or 0) < fresh:
                    record = replace(record, last_used_ms=fresh)
                if is_expired(record, now):
                    why = "inactive for 14 days" if _idle(record, now) else "expiry date reached"
                    uow.keys.save(replace(record, state=KeyState.EXPIRED, updated_ms=now))
                    uow.keys.add_audit(record.api_key, AuditEntry(now, AuditEvent.EXPIRED, why))
                    expired.append(record)
            if expired:
                uow.counters.bump(KEYS_TOPIC)
                uow.commit()
        for record in expired:
            log.info("API key %s expired", record.api_key)
            self._publisher.publish(KeyChanged(record.api_key, record.user_id, AuditEvent.EXPIRED.value))
        return [record.api_key for record in expired]

    def report(
        self, keys: list[KeyInfo], days: int = REPORT_DAYS, within_days: int = REPORT_WITHIN_DAYS
    ) -> KeyReport:
        """Least privilege: permissions unused for `days`, unbound keys, keys stopping within
        `within_days`."""
        now = self._clock.now_ms()
        usable = [key for key in keys if key.state in _LIVE_STATES]
        soon = {key.api_key: deadline for key, deadline in expiring_within(usable, now, within_days)}
        findings = []
        for key in usable:
            unused = unused_permissions(key, key.used_by_perm, now, days)
            deadline = soon.get(key.api_key)
            if unused or key.unbound or deadline is not None:
                findings.append(
                    KeyFinding(key, unused, key.unbound, None if deadline is None else deadline - now)
                )
        return KeyReport(days, within_days, findings)

    def rotate_master_key(self, cipher: SecretCipher) -> int:
        """Re-encrypt every secret (API secrets, TOTP seeds) under `cipher`'s active master key, in
        one transaction: a failure leaves every secret readable under its old key."""
        now = self._clock.now_ms()
        target = cipher.active_key_id
        with self._uow() as uow:
            rows = [row for row in uow.keys.list_secrets() if row.key_id != target]
            for row in rows:
                plaintext = cipher.decrypt(row.key_id, row.ciphertext, row.associated)
                key_id, ciphertext = cipher.encrypt(plaintext, row.associated)
                uow.keys.replace_secret(row, key_id, ciphertext)
            uow.keys.record_master_key(target, now)
            uow.counters.bump(KEYS_TOPIC)
            uow.commit()
        log.info("re-encrypted %d secrets under master key %s", len(rows), target)
        return len(rows)


def _idle(record: KeyRecord, now_ms: int) -> bool:
    explicit = record.expires_at_ms
    return inactivity_applies(record) and (explicit is None or now_ms < explicit)
