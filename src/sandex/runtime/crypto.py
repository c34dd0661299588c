"""Adapters for secrets: AES-GCM master keys in a 0600 file, argon2id hashing, OS randomness."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sandex.services.ports import SlowHasher

MASTER_KEY_FILE = "master-keys.json"
_NONCE = 12
MAX_CONCURRENT_HASHES = 2  # argon2 runs at once per process: 64 MiB each with the default cost


class MasterKeyError(ValueError):
    """The master key material is missing or malformed: secrets cannot be read."""


class AesGcmCipher:
    """AES-256-GCM; each ciphertext is nonce || ct, and carries the id of the key that made it."""

    def __init__(self, keys: dict[str, bytes], active_key_id: str) -> None:
        if active_key_id not in keys:
            raise MasterKeyError(f"active master key {active_key_id} is not among the keys")
        self._aeads = {key_id: AESGCM(material) for key_id, material in keys.items()}
        self._active = active_key_id
        # Derivations use the oldest key, so derived keys survive a rotation that adds a new one.
        self._root = next(iter(keys.values()))

    @property
    def active_key_id(self) -> str:
        return self._active

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._aeads)

    def derive_key(self, purpose: bytes) -> bytes:
        """A 32-byte key for another job (e.g. the email-code pepper): the same in every process that
        shares the master key, and never the master key itself."""
        return hmac.new(self._root, b"sandex/derive/" + purpose, hashlib.sha256).digest()

    def encrypt(self, plaintext: bytes, associated: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(_NONCE)
        return self._active, nonce + self._aeads[self._active].encrypt(nonce, plaintext, associated)

    def decrypt(self, key_id: str, ciphertext: bytes, associated: bytes) -> bytes:
        aead = self._aeads.get(key_id)
        if aead is None:
            raise MasterKeyError(f"master key {key_id} is not available")
        return aead.decrypt(ciphertext[:_NONCE], ciphertext[_NONCE:], associated)


def _new_key_id() -> str:
    return "mk-" + secrets.token_hex(6)


def load_master_keys(data_dir: Path, configured: str | None) -> AesGcmCipher:
    """The configured key (base64, 32 bytes), else the data dir's key file, created 0600 on first start."""
    if configured:
        try:
            material = base64.b64decode(configured, validate=True)
        except ValueError as exc:
            raise MasterKeyError("master key must be base64") from exc
        if len(material) != 32:
            raise MasterKeyError("master key must be 32 bytes (base64 of 256 bits)")
        return AesGcmCipher({"configured": material}, "configured")
    path = data_dir / MASTER_KEY_FILE
    if not path.exists():
        write_master_keys(path, {_new_key_id(): AESGCM.generate_key(bit_length=256)}, None)
    return read_master_keys(path)


def read_master_keys(path: Path) -> AesGcmCipher:
    try:
        raw = json.loads(path.read_text("utf-8"))
        keys = {key_id: base64.b64decode(value) for key_id, value in raw["keys"].items()}
        return AesGcmCipher(keys, raw["active"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MasterKeyError(f"cannot read master keys from {path}: {exc}") from exc


def write_master_keys(path: Path, keys: dict[str, bytes], active: str | None) -> None:
    """Write atomically with mode 0600 (the file never exists with wider permissions)."""
    active_id = active or next(iter(keys))
    payload = {"active": active_id, "keys": {k: base64.b64encode(v).decode() for k, v in keys.items()}}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle)
    os.replace(tmp, path)


def add_master_key(path: Path) -> str:
    """Rotation step 1: add a new key and make it active (old keys stay to decrypt old secrets)."""
    current = json.loads(path.read_text("utf-8"))
    keys = {key_id: base64.b64decode(value) for key_id, value in current["keys"].items()}
    new_id = _new_key_id()
    keys[new_id] = AESGCM.generate_key(bit_length=256)
    write_master_keys(path, keys, new_id)
    return new_id


class Argon2Hasher:
    """argon2id with argon2-cffi's defaults; `fast=True` lowers cost for test suites only."""

    def __init__(self, *, fast: bool = False) -> None:
        self._hasher = (
            PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else PasswordHasher()
        )

    def hash(self, secret: str) -> str:
        return self._hasher.hash(secret)

    def verify(self, hashed: str, secret: str) -> bool:
        try:
            return self._hasher.verify(hashed, secret)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


class BoundedHasher:
    """A slow hasher that runs at most `max_concurrent` hashes at once; further callers wait.

    Shared by everything in a process that hashes (passwords, passphrases, recovery codes), it
    bounds argon2's memory however many requests arrive together."""

    def __init__(self, inner: SlowHasher, max_concurrent: int = MAX_CONCURRENT_HASHES) -> None:
        self._inner = inner
        self._slots = threading.BoundedSemaphore(max_concurrent)

    def hash(self, secret: str) -> str:
        with self._slots:
            return self._inner.hash(secret)

    def verify(self, hashed: str, secret: str) -> bool:
        with self._slots:
            return self._inner.verify(hashed, secret)


class OsRandom:
    def token_bytes(self, n: int) -> bytes:
        return secrets.token_bytes(n)

    def digits(self, n: int) -> str:
        return "".join(secrets.choice("0123456789") for _ in range(n))
