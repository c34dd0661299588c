"""A `SecretCipher` that follows master-key rotations made by another process.

`sandex keys rotate-master` adds a key to the data dir's key file and re-encrypts every secret under
it while a server may be running. That server still holds the old key set: when it meets a key id
it does not know, or is about to encrypt after the file changed, it re-reads the file. Keys given in
the settings (`SANDEX_MASTER_KEY`) are fixed and never re-read.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sandex.runtime.crypto import MASTER_KEY_FILE, AesGcmCipher, read_master_keys


class ReloadingCipher:
    def __init__(self, cipher: AesGcmCipher, data_dir: Path | None) -> None:
        self._cipher = cipher
        self._path = None if data_dir is None else data_dir / MASTER_KEY_FILE
        self._mtime = self._stat()
        self._lock = threading.Lock()

    @property
    def active_key_id(self) -> str:
        return self._cipher.active_key_id

    def encrypt(self, plaintext: bytes, associated: bytes) -> tuple[str, bytes]:
        if self._stat() != self._mtime:
            self._reload()
        return self._cipher.encrypt(plaintext, associated)

    def decrypt(self, key_id: str, ciphertext: bytes, associated: bytes) -> bytes:
        if key_id not in self._cipher.key_ids:
            self._reload()
        return self._cipher.decrypt(key_id, ciphertext, associated)

    def _reload(self) -> None:
        if self._path is None:
            return
        with self._lock:
            self._mtime = self._stat()
            self._cipher = read_master_keys(self._path)

    def _stat(self) -> int | None:
        if self._path is None:
            return None
        try:
            return self._path.stat().st_mtime_ns
        except OSError:
            return None
