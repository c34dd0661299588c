"""What services need from the outside world, as protocols; adapters live in runtime/ and storage/."""

from __future__ import annotations

from typing import Protocol


class SecretCipher(Protocol):
    """Authenticated encryption of secrets at rest (API secrets, TOTP seeds)."""

    @property
    def active_key_id(self) -> str: ...

    def encrypt(self, plaintext: bytes, associated: bytes) -> tuple[str, bytes]:
        """Ciphertext under the active master key, and that key's id (stored beside it)."""
        ...

    def decrypt(self, key_id: str, ciphertext: bytes, associated: bytes) -> bytes: ...


class SlowHasher(Protocol):
    """A password hash (argon2id): for passwords, passphrases and recovery codes."""

    def hash(self, secret: str) -> str: ...

    def verify(self, hashed: str, secret: str) -> bool:
        """True when `secret` matches; never raises on a mismatch or a malformed hash."""
        ...


class RandomSource(Protocol):
    """Cryptographic randomness, injected so tests can make keys and codes reproducible."""

    def token_bytes(self, n: int) -> bytes: ...

    def digits(self, n: int) -> str:
        """n random decimal digits (email codes)."""
        ...


class ChangeCounters(Protocol):
    """Per-topic change counters ("users", "keys"…), bumped in the writer's transaction.

    Servers poll `version` to drop caches when another process (e.g. the CLI) changed something.
    """

    def bump(self, topic: str) -> None: ...

    def version(self, topic: str) -> int: ...


class RateLimiter(Protocol):
    """Rolling-window budgets (runtime/ratelimit.py: in memory, or in Redis for several processes)."""

    async def try_acquire(self, key: str, cost: int, limit: int, window_ms: int, now_ms: int) -> bool:
        """Admit `cost` units on `key` if at most `limit` were admitted in the last `window_ms`."""
        ...

    async def ready(self) -> None:
        """Raise with a one-line reason when the backing store cannot be reached."""
        ...

    async def clear(self) -> None:
        """Forget every budget (the control API's reset)."""
        ...

    async def aclose(self) -> None: ...
