"""The key services of one process, wired from their collaborators (the composition root picks them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sandex.domain.clock import Clock
from sandex.services.accounts.events import UserStatusChanged
from sandex.services.keys.auth import AuthService
from sandex.services.keys.events import KeyChanged
from sandex.services.keys.maintenance import KeyMaintenance
from sandex.services.keys.passphrases import PassphraseMac
from sandex.services.keys.ports import EventHub, KeyOwners, KeysUnitOfWork
from sandex.services.keys.service import KeysService
from sandex.services.keys.subaccounts import SubAccountKeysService
from sandex.services.ports import RandomSource, SecretCipher, SlowHasher


@dataclass(slots=True)
class KeyServices:
    """API keys in one process: management, request authentication (with its cache), housekeeping."""

    keys: KeysService
    auth: AuthService
    maintenance: KeyMaintenance
    subaccounts: SubAccountKeysService


def build(
    uow: Callable[[], KeysUnitOfWork],
    owners: KeyOwners,
    cipher: SecretCipher,
    hasher: SlowHasher,
    random: RandomSource,
    clock: Clock,
    hub: EventHub,
    passphrase_key: bytes | None = None,
) -> KeyServices:
    """The key cache (`AuthService`) follows key and owner changes made in this process through `hub`.
    `passphrase_key` (derived from the master key) makes fast passphrase verifiers; without it,
    passphrases are argon2-hashed."""
    fast = None if passphrase_key is None else PassphraseMac(passphrase_key, random)
    auth = AuthService(uow, owners, cipher, hasher, random, clock, fast=fast)
    hub.subscribe(KeyChanged, auth.on_key_changed)
    hub.subscribe(UserStatusChanged, auth.on_user_status_changed)
    keys = KeysService(
        uow, owners, cipher, hasher, random, clock, hub, fresh_use=auth.fresh_last_used, fast=fast
    )
    maintenance = KeyMaintenance(uow, clock, hub, fresh_use=auth.fresh_last_used)
    return KeyServices(keys, auth, maintenance, SubAccountKeysService(keys, owners))
