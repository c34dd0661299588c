"""At start: does this process's master key read the secrets the database already holds?

A server started with another data dir (another machine, a fresh `master-keys.json`) would
otherwise answer 50026 to every signed request. One secret per master key in use is tried.
"""

from __future__ import annotations

from collections.abc import Callable

from sandex.services.keys.ports import KeysUnitOfWork
from sandex.services.ports import SecretCipher


def unreadable_master_key(uow: Callable[[], KeysUnitOfWork], cipher: SecretCipher) -> str | None:
    """The id of a master key that encrypted a stored secret `cipher` cannot decrypt (None: all
    read). Reads only; the secrets themselves never leave this function."""
    with uow() as work:
        rows = work.keys.list_secrets()
    tried: set[str] = set()
    for row in rows:
        if row.key_id in tried:
            continue
        tried.add(row.key_id)
        try:
            cipher.decrypt(row.key_id, row.ciphertext, row.associated)
        except Exception:  # a key id it lacks, or other key material under the same id
            return row.key_id or "(none)"
    return None
