"""Signed-request authentication with a per-process key cache (microseconds on a cache hit).

The checks and their order are the domain's (`sandex.domain.keys.policy.authenticate`); this
service supplies the key lookup, the passphrase check and the bookkeeping around them:

* Cache: api_key -> the key's policy view (secret decrypted once) and its `Principal`. A miss goes
  to the database, so a key created by another process authenticates at once. For the same
  reason unknown keys are not cached.
* Passphrase: a key's verifier is an HMAC under a key derived from the master key
  (`PassphraseMac`, microseconds). A key made before that has an argon2 hash: `PassphraseGuard`
  runs argon2 once per key and process, remembers wrong guesses, and limits argon2 runs per key
  (50011 beyond); after its first successful check the HMAC verifier replaces the hash in the
  database (with the next usage write). The policy checks the signature first, so a caller
  without the key's secret never gets this far.
* Load: a cache miss is one Core statement (the key with its owner's and master's status), no ORM.
* Invalidation: in-process changes arrive as `KeyChanged` events (the entry goes at once); other
  processes' changes are seen by polling the "keys" and "users" change counters (the whole cache
  goes). A background task polls every 250 ms; should it not run, requests poll inline once a
  second. A generation number keeps an entry loaded before a drop from being cached after it.
* Passphrase on a cache hit: once the stored verifier accepted a passphrase, the entry keeps a
  SHA-256 digest of it and later requests compare digests in constant time (the same answer as the
  verifier gives, without its HMAC and base64 per request); the entry, and the digest with it, goes
  whenever the key changes.
* Use: every success is noted in `UsageBuffer` (the freshest last use per key, in memory) and
  batched to the database. The cached view's `last_used_ms` is the one read at load time: a view
  that looks expired by the 14-day rule is re-read with the freshest use (`EXPIRED_RELOAD_MS`), so
  a success need not rebuild the view (with thousands of keys in turn, that was every request).

Refusal choices OKX leaves open: a pending, revoked or expired key is 50111 (KEY_INVALID); a deleted
key is 50119 (KEY_NOT_FOUND, as if it never existed); a key whose owner, or whose owner's master, is
frozen is 50007 "User blocked." (USER_BLOCKED: ccxt maps it to AccountSuspended, which tells a
bot to stop rather than to fix its key; KEY_FROZEN/50100 stays for a key frozen on its own).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import Clock
from sandex.domain.errors import Rejected
from sandex.domain.keys import policy
from sandex.domain.keys.expiry import is_expired
from sandex.domain.keys.ips import IpAllowList
from sandex.domain.keys.model import ApiKeyPolicyView, KeyState, Permission, format_perms
from sandex.domain.keys.policy import SignedRequest
from sandex.services.accounts.events import UserStatusChanged
from sandex.services.keys.events import KeyChanged
from sandex.services.keys.passphrases import PassphraseGuard, PassphraseMac, is_fast
from sandex.services.keys.ports import KEYS_TOPIC, USERS_TOPIC, AuthRecord, KeyOwners, KeysUnitOfWork
from sandex.services.keys.usage import Batch, UsageBuffer
from sandex.services.ports import RandomSource, SecretCipher, SlowHasher

log = logging.getLogger("sandex.auth")

INLINE_POLL_MS = 1000  # poll on the request path only when the background poller has fallen silent
EXPIRED_RELOAD_MS = 1000  # an expired-looking cached key is re-read (another process may have used it)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who an authenticated request acts for: the key's owner (a sub-account for its own keys)."""

    user_id: int
    uid: str
    master_id: int | None
    main_uid: str  # the master's uid; the user's own uid for a master account
    is_sub_account: bool
    environment: Environment
    api_key: str
    label: str
    perms: frozenset[Permission]
    ips: IpAllowList

    @property
    def perm_text(self) -> str:
        return format_perms(self.perms)

    @property
    def ip_text(self) -> str:
        return self.ips.to_text()


@dataclass(slots=True)
class _Entry:
    view: ApiKeyPolicyView
    principal: Principal
    loaded_ms: int
    passphrase_digest: bytes | None = None  # SHA-256 of the passphrase the verifier accepted


class AuthService:
    def __init__(
        self,
        uow: Callable[[], KeysUnitOfWork],
        owners: KeyOwners,
        cipher: SecretCipher,
        hasher: SlowHasher,
        random: RandomSource,
        clock: Clock,
        passphrases: PassphraseGuard | None = None,
        fast: PassphraseMac | None = None,
    ) -> None:
        self._uow = uow
        self._owners = owners
        self._cipher = cipher
        self._clock = clock
        self._fast = fast
        self._passphrases = passphrases or PassphraseGuard(hasher, random.token_bytes(32), fast=fast)
        self._entries: dict[str, _Entry] = {}
        self._generation = 0
        self._versions: tuple[int, int] | None = None
        self._last_poll_ms = 0
        self.usage = UsageBuffer()

    # --- the request path -----------------------------------------------------------------------
    def authenticate(self, request: SignedRequest) -> Principal | Rejected:
        now = self._clock.now_ms()
        if now - self._last_poll_ms > INLINE_POLL_MS:
            self.poll_changes()
        found: list[_Entry] = []
        lookup = partial(self._lookup, found, now)
        result = policy.authenticate(request, now, lookup, partial(self._check_passphrase, found))
        if isinstance(result, Rejected):
            if found:  # the key exists: its owner sees the failure in the key's audit trail
                self.usage.note_failure(
                    found[0].view.api_key,
                    now,
                    request.client_ip,
                    result.reason.value,
                    request.method,
                    request.raw_target,
                )
            return result
        entry = found[0]
        if self._fast is not None and request.passphrase and not is_fast(entry.view.passphrase_verifier):
            self._upgrade(entry, self._fast, request.passphrase)
        self.usage.note_use(
            entry.view.api_key,
            now,
            request.client_ip,
            request.required_perm,
            request.method,
            request.raw_target,
        )
        return entry.principal

    def _check_passphrase(self, found: list[_Entry], verifier: str, candidate: str) -> bool | Rejected:
        """The entry's remembered passphrase digest decides, once its verifier accepted one."""
        entry = found[0]
        digest = hashlib.sha256(candidate.encode("utf-8", "surrogatepass")).digest()
        accepted = entry.passphrase_digest
        if accepted is not None and verifier is entry.view.passphrase_verifier:
            return hmac.compare_digest(accepted, digest)
        verdict = self._passphrases.check(verifier, candidate)
        if verdict is True:
            entry.passphrase_digest = digest
        return verdict

    def _upgrade(self, entry: _Entry, fast: PassphraseMac, passphrase: str) -> None:
        """An argon2-hashed passphrase just matched: store its fast verifier instead (once per key)."""
        old = entry.view.passphrase_verifier
        new = fast.make(passphrase)
        entry.view = replace(entry.view, passphrase_verifier=new)
        self.usage.note_verifier(entry.view.api_key, old, new)

    def is_warm(self, api_key: str | None) -> bool:
        """True when authenticating this key needs neither the database nor argon2 (so the caller
        may run it on the event loop); otherwise run `authenticate` in a worker thread."""
        entry = self._entries.get(api_key or "")
        if entry is None:
            return False
        return entry.passphrase_digest is not None or self._passphrases.knows(entry.view.passphrase_verifier)

    def _lookup(self, found: list[_Entry], now: int, api_key: str) -> ApiKeyPolicyView | None:
        entry = self._entries.get(api_key)
        if entry is not None and now - entry.loaded_ms > EXPIRED_RELOAD_MS and is_expired(entry.view, now):
            entry = None
        if entry is None:
            entry = self._load(api_key, now)
        if entry is None:
            return None
        found.append(entry)
        return entry.view

    # --- the cache ------------------------------------------------------------------------------
    def _load(self, api_key: str, now: int) -> _Entry | None:
        generation = self._generation
        with self._uow() as uow:
            found = uow.keys.get_for_auth(api_key)
        if found is None or found.key.state is KeyState.DELETED:
            return None
        entry = self._entry_for(found, now)
        if generation == self._generation:
            self._entries[api_key] = entry
        return entry

    def _entry_for(self, found: AuthRecord, now: int) -> _Entry:
        record = found.key
        is_sub = found.owner_master_id is not None
        secret = self._cipher.decrypt(record.key_id, record.secret_ct, record.api_key.encode())
        fresh = self.usage.last_used(record.api_key)
        last_used = record.last_used_ms if fresh is None else max(fresh, record.last_used_ms or 0)
        view = ApiKeyPolicyView(
            api_key=record.api_key,
            user_id=record.user_id,
            is_sub_account=is_sub,
            environment=record.environment,
            state=record.state,
            perms=record.perms,
            secret=secret,
            passphrase_verifier=record.passphrase_hash,
            created_ms=record.created_ms,
            ips=record.ips,
            expires_at_ms=record.expires_at_ms,
            last_used_ms=last_used,
            owner_status=found.owner_status,
            label=record.label,
        )
        principal = Principal(
            user_id=record.user_id,
            uid=found.owner_uid,
            master_id=found.owner_master_id,
            main_uid=found.main_uid,
            is_sub_account=is_sub,
            environment=record.environment,
            api_key=record.api_key,
            label=record.label,
            perms=record.perms,
            ips=record.ips,
        )
        return _Entry(view, principal, now)

    def on_key_changed(self, event: KeyChanged) -> None:
        """Hub subscriber: the changed key is re-read on its next use."""
        self._generation += 1
        self._entries.pop(event.api_key, None)

    def on_user_status_changed(self, _event: UserStatusChanged) -> None:
        """Hub subscriber: a frozen or unfrozen owner is re-read on the next request."""
        self.reset()

    def reset(self) -> None:
        """Drop every cached key (a control reset, another process's change, a status change)."""
        self._generation += 1
        self._entries.clear()

    def poll_changes(self) -> bool:
        """Drop the whole cache if another process changed keys or users; True when it did."""
        self._last_poll_ms = self._clock.now_ms()
        with self._uow() as uow:
            versions = (uow.counters.version(KEYS_TOPIC), uow.counters.version(USERS_TOPIC))
        changed = self._versions is not None and versions != self._versions
        if changed:
            self.reset()
        self._versions = versions
        return changed

    # --- use --------------------------------------------------------------------------------
    def fresh_last_used(self, api_key: str) -> int | None:
        return self.usage.last_used(api_key)

    def flush_usage(self) -> int:
        """Write all noted use now (tests, shutdown); the server's keeper writes it batch by batch."""
        return self.usage.flush(self._uow)

    def write_usage(self, batch: Batch) -> int:
        return self.usage.write(self._uow, batch)
