"""API keys: create, activate, edit, revoke, delete, list and audit (use cases; one transaction each).

Rules come from `sandex.domain.keys.rules`; this module adds the account context, secrets at rest
(the secret AES-GCM encrypted with the API key as associated data, the passphrase as a keyed HMAC:
services/keys/passphrases.py),
the audit trail, and "key changed" events published after commit. Every write bumps the "keys"
change counter in its transaction, which is how servers in other processes drop cached keys.

A refused request changes nothing: every check runs before the first write, and console
confirmations (2FA + email code) are verified only once the request itself is known to be valid,
so a typo in a label does not burn the user's email code. A console use case is one transaction:
the code is checked (only its attempt count is committed first, as every guess is), then spent in
the same commit as the key write, its audit entry and the change-counter bump; mail goes after it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from sandex.domain.accounts.email_codes import CodePurpose
from sandex.domain.accounts.model import Environment
from sandex.domain.clock import Clock
from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys.formats import RANDOM_BYTES, format_api_key, format_secret
from sandex.domain.keys.model import KeyState, format_perms
from sandex.domain.keys.rules import (
    CreateKeyRequest,
    EditKeyRequest,
    KeySpec,
    Owner,
    check_activatable,
    validate_create,
    validate_edit,
)
from sandex.services.accounts.ports import ConflictError
from sandex.services.accounts.security import Confirmation
from sandex.services.keys.events import KeyChanged
from sandex.services.keys.passphrases import PassphraseMac
from sandex.services.keys.ports import (
    KEYS_TOPIC,
    AuditEntry,
    AuditEvent,
    KeyOwners,
    KeyRecord,
    KeysUnitOfWork,
    OwnerView,
    Publisher,
)
from sandex.services.keys.views import ConsoleConfirmation, CreatedKey, KeyDetails, KeyInfo, KeyOrigin
from sandex.services.ports import RandomSource, SecretCipher, SlowHasher

log = logging.getLogger("sandex.keys")

USAGE_SHOWN = 50  # usage-log entries `show` returns (the log itself keeps more)
FreshUse = Callable[[str], int | None]  # the newest use a running server knows of, not yet flushed


class KeysService:
    def __init__(
        self,
        uow: Callable[[], KeysUnitOfWork],
        owners: KeyOwners,
        cipher: SecretCipher,
        hasher: SlowHasher,
        random: RandomSource,
        clock: Clock,
        publisher: Publisher,
        fresh_use: FreshUse | None = None,
        fast: PassphraseMac | None = None,
    ) -> None:
        self._uow = uow
        self._owners = owners
        self._cipher = cipher
        self._hasher = hasher
        self._random = random
        self._clock = clock
        self._publisher = publisher
        self._fresh_use = fresh_use
        self._fast = fast

    def _verifier(self, passphrase: str) -> str:
        """The fast verifier (HMAC under a master-derived key); argon2 where none is configured."""
        return self._fast.make(passphrase) if self._fast is not None else self._hasher.hash(passphrase)

    # --- queries --------------------------------------------------------------------------------
    def get(self, api_key: str) -> KeyInfo | None:
        with self._uow() as uow:
            record = uow.keys.get(api_key)
        return None if record is None else self._info(record)

    def list(self, user_id: int) -> list[KeyInfo]:
        with self._uow() as uow:
            records = uow.keys.list_for_user(user_id)
        return [self._info(record) for record in records]

    def show(self, api_key: str) -> KeyDetails | Rejected:
        """A key with its audit trail and recent usage (deleted keys too: the trail outlives them)."""
        with self._uow() as uow:
            record = uow.keys.get(api_key)
            if record is None:
                return Rejected.of(Reason.KEY_DOES_NOT_EXIST, field="apiKey")
            audit = uow.keys.list_audit(api_key)
            usage = uow.keys.list_usage(api_key, USAGE_SHOWN)
        return KeyDetails(self._info(record), audit, usage)

    # --- create and activate --------------------------------------------------------------------
    def create(
        self,
        user_id: int,
        request: CreateKeyRequest,
        *,
        environment: Environment = Environment.LIVE,
        origin: KeyOrigin = KeyOrigin.OPERATOR,
    ) -> CreatedKey | Rejected:
        """A new key, active at once (operators and the OKX API; `origin` goes in the audit trail)."""
        with self._uow() as uow:
            owner = self._owners.user_in(uow, user_id)
            if owner is None:
                return Rejected.of(Reason.USER_NOT_FOUND)
            spec = self._validate_create(uow, owner, request)
            if isinstance(spec, Rejected):
                return spec
            passphrase_hash = self._verifier(request.passphrase)  # after the checks, before writes
            created = self._insert(uow, owner, spec, passphrase_hash, environment, origin, KeyState.ACTIVE)
            if isinstance(created, Rejected):
                return created
            uow.commit()
        return self._created(owner, request, created, origin)

    def create_from_console(
        self,
        user_id: int,
        request: CreateKeyRequest,
        confirm: ConsoleConfirmation,
        *,
        environment: Environment = Environment.LIVE,
    ) -> CreatedKey | Rejected:
        """A new key confirmed with 2FA (when on) and the email code, `pending` until its activation
        code. One commit spends the code and stores the key, its audit entry, the counter bump and
        the activation code, which is mailed after it."""
        with self._uow() as uow:
            owner = self._owners.user_in(uow, user_id)
            if owner is None:
                return Rejected.of(Reason.USER_NOT_FOUND)
            spec = self._validate_create(uow, owner, request)
            if isinstance(spec, Rejected):
                return spec
            checked = self._check(uow, user_id, CodePurpose.API_KEY_CREATE, confirm)
            if isinstance(checked, Rejected):
                return checked
            passphrase_hash = self._verifier(request.passphrase)  # after the checks, before writes
            lost = self._owners.use_confirmation(uow, checked)
            if lost is not None:
                return lost
            origin = KeyOrigin.CONSOLE
            created = self._insert(uow, owner, spec, passphrase_hash, environment, origin, KeyState.PENDING)
            if isinstance(created, Rejected):
                return created
            # Its counters come after the code's row here, against the usual lock order; they are
            # rows of a key nobody else knows yet, so no other transaction can be waiting on them.
            activation = self._owners.issue_email_code(
                uow, user_id, CodePurpose.API_KEY_ACTIVATE, created.api_key
            )
            if isinstance(activation, Rejected):  # never for a new key; rolled back, nothing written
                return activation
            uow.commit()
        self._owners.mail_code(activation)  # a failed mail: the user asks for the code again
        return self._created(owner, request, created, origin)

    def _insert(
        self,
        uow: KeysUnitOfWork,
        owner: OwnerView,
        spec: KeySpec,
        passphrase_hash: str,
        environment: Environment,
        origin: KeyOrigin,
        state: KeyState,
    ) -> _NewKey | Rejected:
        """Store a validated key, its audit entry and the counter bump in `uow` (the caller commits)."""
        now = self._clock.now_ms()
        api_key = self._new_api_key(uow)
        secret = format_secret(self._random.token_bytes(RANDOM_BYTES))
        key_id, secret_ct = self._cipher.encrypt(secret.encode(), api_key.encode())
        record = KeyRecord(
            id=0,
            api_key=api_key,
            user_id=owner.id,
            label=spec.label,
            description=spec.description,
            environment=environment,
            perms=spec.perms,
            ips=spec.ips,
            state=state,
            secret_ct=secret_ct,
            key_id=key_id,
            passphrase_hash=passphrase_hash,
            created_ms=now,
            updated_ms=now,
            activated_ms=None if state is KeyState.PENDING else now,
            expires_at_ms=spec.expires_at_ms,
        )
        try:
            stored = uow.keys.add(record)
        except ConflictError:  # another writer took the label between our check and insert
            return Rejected.of(Reason.KEY_LABEL_TAKEN, field="label", label=spec.label)
        detail = f"origin={origin.value} env={environment.value} {_describe(spec)} state={state.value}"
        uow.keys.add_audit(api_key, AuditEntry(now, AuditEvent.CREATED, detail))
        uow.counters.bump(KEYS_TOPIC)
        return _NewKey(stored, secret)

    def _created(
        self, owner: OwnerView, request: CreateKeyRequest, new: _NewKey, origin: KeyOrigin
    ) -> CreatedKey:
        """After the commit: log, publish and answer (the secret and passphrase, shown once)."""
        log.info("API key %s created for user %s (%s)", new.api_key, owner.id, origin.value)
        created = CreatedKey(self._info(new.record), new.secret, request.passphrase)
        self._published(created.info, AuditEvent.CREATED)
        return created

    def activate(self, user_id: int, api_key: str, email_code: str) -> KeyInfo | Rejected:
        """A pending key becomes active with the code mailed when it was created (one commit)."""
        with self._uow() as uow:
            record = _owned(uow, api_key, user_id)
            if isinstance(record, Rejected):
                return record
            refusal = check_activatable(record.state)
            if refusal is not None:
                return refusal
            checked = self._owners.check_email_code(
                uow, user_id, CodePurpose.API_KEY_ACTIVATE, email_code, api_key
            )
            if isinstance(checked, Rejected):
                return checked
            lost = self._owners.use_confirmation(uow, checked)
            if lost is not None:
                return lost
            now = self._clock.now_ms()
            active = replace(record, state=KeyState.ACTIVE, activated_ms=now, updated_ms=now)
            self._write(uow, active, AuditEntry(now, AuditEvent.ACTIVATED))
        return self._published(self._info(active), AuditEvent.ACTIVATED)

    # --- edit, revoke, delete -------------------------------------------------------------------
    def update(self, user_id: int, api_key: str, request: EditKeyRequest) -> KeyInfo | Rejected:
        """Change label, permissions, IPs and/or expiry; the result must satisfy the creation rules."""
        return self._update(user_id, api_key, request, None)

    def update_from_console(
        self, user_id: int, api_key: str, request: EditKeyRequest, confirm: ConsoleConfirmation
    ) -> KeyInfo | Rejected:
        """`update` confirmed with 2FA (when on) and the email code, spent in the same commit."""
        return self._update(user_id, api_key, request, confirm)

    def _update(
        self, user_id: int, api_key: str, request: EditKeyRequest, confirm: ConsoleConfirmation | None
    ) -> KeyInfo | Rejected:
        with self._uow() as uow:
            record = _owned(uow, api_key, user_id)
            if isinstance(record, Rejected):
                return record
            spec = self._validate_edit(uow, record, request)
            if isinstance(spec, Rejected):
                return spec
            if confirm is not None:
                refusal = self._confirm(uow, user_id, CodePurpose.API_KEY_EDIT, confirm)
                if refusal is not None:
                    return refusal
            changes = _changes(record, spec)
            if not changes:
                if confirm is not None:
                    uow.commit()  # a confirmed edit that changes nothing still uses up its code
                return self._info(record)
            now = self._clock.now_ms()
            edited = replace(
                record,
                label=spec.label,
                description=spec.description,
                perms=spec.perms,
                ips=spec.ips,
                expires_at_ms=spec.expires_at_ms,
                updated_ms=now,
            )
            try:
                self._write(uow, edited, AuditEntry(now, AuditEvent.EDITED, changes))
            except ConflictError:
                return Rejected.of(Reason.KEY_LABEL_TAKEN, field="label", label=spec.label)
        return self._published(self._info(edited), AuditEvent.EDITED)

    def revoke(self, api_key: str, *, user_id: int | None = None) -> KeyInfo | Rejected:
        """Disable a key for good (it stays listed, with its audit trail). Revoking twice is a no-op."""
        return self._revoke(api_key, user_id, None)

    def revoke_from_console(self, api_key: str, user_id: int, totp_code: str | None) -> KeyInfo | Rejected:
        """`revoke` confirmed with the 2FA code when the owner has 2FA (seed 000: "Confirm the action
        with your 2FA code"); never an email code: cutting off a leaked key must not wait for mail."""
        return self._revoke(api_key, user_id, totp_code or "")

    def _revoke(self, api_key: str, user_id: int | None, totp_code: str | None) -> KeyInfo | Rejected:
        with self._uow() as uow:
            record = _owned(uow, api_key, user_id)
            if isinstance(record, Rejected):
                return record
            if record.state is KeyState.REVOKED:
                return self._info(record)
            if totp_code is not None:
                purpose = CodePurpose.API_KEY_REVOKE
                checked = self._owners.check_totp_action(uow, record.user_id, purpose, totp_code=totp_code)
                if isinstance(checked, Rejected):
                    return checked
                lost = None if checked is None else self._owners.use_confirmation(uow, checked)
                if lost is not None:
                    return lost
            now = self._clock.now_ms()
            revoked = replace(record, state=KeyState.REVOKED, revoked_ms=now, updated_ms=now)
            self._write(uow, revoked, AuditEntry(now, AuditEvent.REVOKED, f"was {record.state.value}"))
        return self._published(self._info(revoked), AuditEvent.REVOKED)

    def delete(self, api_key: str, *, user_id: int | None = None) -> KeyInfo | Rejected:
        """Remove a key from its owner's list; the row stays so the key string is never reused.

        Its label is released (renamed `~<id>`, a form no real label can take) so it can be reused."""
        return self._delete(api_key, user_id, None)

    def delete_from_console(
        self, api_key: str, user_id: int, confirm: ConsoleConfirmation
    ) -> KeyInfo | Rejected:
        """`delete` confirmed with 2FA (when on) and the email code, spent in the same commit."""
        return self._delete(api_key, user_id, confirm)

    def _delete(
        self, api_key: str, user_id: int | None, confirm: ConsoleConfirmation | None
    ) -> KeyInfo | Rejected:
        with self._uow() as uow:
            record = _owned(uow, api_key, user_id)
            if isinstance(record, Rejected):
                return record
            if confirm is not None:
                refusal = self._confirm(uow, record.user_id, CodePurpose.API_KEY_DELETE, confirm)
                if refusal is not None:
                    return refusal
            now = self._clock.now_ms()
            deleted = replace(record, state=KeyState.DELETED, label=f"~{record.id}", updated_ms=now)
            self._write(uow, deleted, AuditEntry(now, AuditEvent.DELETED, f"label={record.label}"))
        return self._published(self._info(deleted), AuditEvent.DELETED)

    # --- helpers --------------------------------------------------------------------------------
    def _validate_create(
        self, uow: KeysUnitOfWork, owner: OwnerView, request: CreateKeyRequest
    ) -> KeySpec | Rejected:
        keys = uow.keys.list_for_user(owner.id)
        context = Owner(owner.is_sub_account, {key.label for key in keys}, len(keys))
        spec = validate_create(request, context, self._clock.now_ms())
        if isinstance(spec, Rejected) and spec.reason is Reason.KEY_LABEL_TAKEN:
            return Rejected.of(Reason.KEY_LABEL_TAKEN, field="label", label=request.label)
        return spec

    def _validate_edit(
        self, uow: KeysUnitOfWork, record: KeyRecord, request: EditKeyRequest
    ) -> KeySpec | Rejected:
        owner = self._owners.user_in(uow, record.user_id)
        if owner is None:
            return Rejected.of(Reason.USER_NOT_FOUND)
        others = [key for key in uow.keys.list_for_user(record.user_id) if key.api_key != record.api_key]
        context = Owner(owner.is_sub_account, {key.label for key in others}, len(others))
        current = KeySpec(record.label, record.perms, record.ips, record.expires_at_ms, record.description)
        spec = validate_edit(current, request, context, self._clock.now_ms())
        if isinstance(spec, Rejected) and spec.reason is Reason.KEY_LABEL_TAKEN:
            return Rejected.of(Reason.KEY_LABEL_TAKEN, field="label", label=request.label or "")
        return spec

    def _check(
        self, uow: KeysUnitOfWork, user_id: int, purpose: CodePurpose, confirm: ConsoleConfirmation
    ) -> Confirmation | Rejected:
        """Check a console confirmation in `uow`, using up nothing yet (only attempts are committed)."""
        return self._owners.check_sensitive_action(
            uow, user_id, purpose, totp_code=confirm.totp_code, email_code=confirm.email_code
        )

    def _confirm(
        self, uow: KeysUnitOfWork, user_id: int, purpose: CodePurpose, confirm: ConsoleConfirmation
    ) -> Rejected | None:
        """Check and spend a console confirmation in `uow`; the caller's write commits it."""
        checked = self._check(uow, user_id, purpose, confirm)
        if isinstance(checked, Rejected):
            return checked
        return self._owners.use_confirmation(uow, checked)

    def _new_api_key(self, uow: KeysUnitOfWork) -> str:
        while True:  # 128 random bits: a repeat is astronomically unlikely, but a key is never reused
            api_key = format_api_key(self._random.token_bytes(RANDOM_BYTES))
            if uow.keys.get(api_key) is None:
                return api_key

    @staticmethod
    def _write(uow: KeysUnitOfWork, record: KeyRecord, entry: AuditEntry) -> None:
        uow.keys.save(record)
        uow.keys.add_audit(record.api_key, entry)
        uow.counters.bump(KEYS_TOPIC)
        uow.commit()

    def _info(self, record: KeyRecord) -> KeyInfo:
        fresh = self._fresh_use(record.api_key) if self._fresh_use else None
        return KeyInfo.of(record, self._clock.now_ms(), fresh)

    def _published(self, info: KeyInfo, event: AuditEvent) -> KeyInfo:
        self._publisher.publish(KeyChanged(info.api_key, info.user_id, event.value))
        return info


@dataclass(frozen=True, slots=True)
class _NewKey:
    """A key just stored, with its secret in the clear (shown once, never stored as such)."""

    record: KeyRecord
    secret: str

    @property
    def api_key(self) -> str:
        return self.record.api_key


def _owned(uow: KeysUnitOfWork, api_key: str, user_id: int | None) -> KeyRecord | Rejected:
    """The key, if it exists, is not deleted, and belongs to `user_id` (when given)."""
    record = uow.keys.get(api_key)
    if record is None or record.state is KeyState.DELETED or user_id not in (None, record.user_id):
        return Rejected.of(Reason.KEY_DOES_NOT_EXIST, field="apiKey")
    return record


def _describe(spec: KeySpec) -> str:
    expiry = "perpetual" if spec.expires_at_ms is None else str(spec.expires_at_ms)
    return (
        f"label={spec.label} perm={format_perms(spec.perms)} ip={spec.ips.to_text() or '-'} expires={expiry}"
    )


def _changes(record: KeyRecord, spec: KeySpec) -> str:
    """What an edit changes, as audit text ("" when nothing)."""
    pairs = (
        ("label", record.label, spec.label),
        ("perm", format_perms(record.perms), format_perms(spec.perms)),
        ("ip", record.ips.to_text() or "-", spec.ips.to_text() or "-"),
        ("expires", str(record.expires_at_ms or "perpetual"), str(spec.expires_at_ms or "perpetual")),
    )
    changed = [f"{name}: {old} -> {new}" for name, old, new in pairs if old != new]
    if record.description != spec.description:  # free text: named, not quoted, in the trail
        changed.append("description changed")
    return "; ".join(changed)
