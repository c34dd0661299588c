"""What the console's server-side sessions need from storage, as values and a protocol.

Storage (`sandex.storage.repositories.console`) implements `SessionStore`. Only a SHA-256 digest of
a session token is ever stored: a stolen table cannot be replayed as cookies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    """One signed-in browser, as stored (by token digest)."""

    id: int
    user_id: int
    created_ms: int
    last_seen_ms: int
    expires_ms: int  # absolute end of the session, however active it is
    password_ms: int  # when the password was last typed (sign-in or re-authentication)
    second_factor_pending: bool  # the password was right; the 2FA step is still to come


@dataclass(frozen=True, slots=True)
class NewSession:
    token_hash: str
    user_id: int
    created_ms: int
    expires_ms: int
    second_factor_pending: bool


class SessionStore(Protocol):
    """Each call is its own short transaction."""

    def add(self, new: NewSession) -> ConsoleSession: ...

    def find(self, token_hash: str) -> ConsoleSession | None: ...

    def touch(self, session_id: int, last_seen_ms: int) -> None: ...

    def set_password_time(self, session_id: int, password_ms: int) -> None: ...

    def delete(self, token_hash: str) -> None: ...

    def delete_for_user(self, user_id: int) -> int:
        """Every session of `user_id`; answers how many there were."""
        ...

    def delete_stale(self, expired_before_ms: int, idle_before_ms: int) -> int:
        """Sessions past their absolute end, or not seen since `idle_before_ms`."""
        ...
