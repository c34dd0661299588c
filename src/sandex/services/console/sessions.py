"""Server-side sessions of the web console: open on sign-in, resolve per request, close on logout.

The browser holds a random 256-bit token in an HttpOnly cookie; the database holds its SHA-256
digest (a fast hash is right here: the token is random, not a password). A session ends on logout,
after `idle_ms` without a request, or `lifetime_ms` after sign-in, whichever comes first. A session
whose password step passed but whose 2FA step has not is only good for that step, for
`pending_ms`, and is replaced by a new token once it passes (no session fixation across the step).
Sensitive actions also want the password typed within `reauth_ms` (see `needs_reauth`).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass, field, replace

from sandex.domain.clock import HOUR_MS, MINUTE_MS, Clock
from sandex.services.console.ports import ConsoleSession, NewSession, SessionStore
from sandex.services.ports import RandomSource

log = logging.getLogger("sandex.console")

TOKEN_BYTES = 32
TOUCH_EVERY_MS = MINUTE_MS  # last-seen is written at most this often: one write per minute, not per click


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle_ms: int = 2 * HOUR_MS
    lifetime_ms: int = 12 * HOUR_MS
    pending_ms: int = 5 * MINUTE_MS  # between the password and the 2FA code
    reauth_ms: int = 30 * MINUTE_MS  # sensitive actions need the password typed this recently


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """A new session and its token: the token goes into the cookie and nowhere else."""

    session: ConsoleSession
    token: str = field(repr=False)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ConsoleSessions:
    def __init__(
        self, store: SessionStore, clock: Clock, random: RandomSource, policy: SessionPolicy | None = None
    ) -> None:
        self._store = store
        self._clock = clock
        self._random = random
        self.policy = policy or SessionPolicy()

    def open(self, user_id: int, *, second_factor_pending: bool = False) -> IssuedSession:
        """A fresh session right after the password was checked (sign-up or sign-in)."""
        now = self._clock.now_ms()
        self._store.delete_stale(now, now - self.policy.idle_ms)  # housekeeping rides on sign-ins
        token = base64.urlsafe_b64encode(self._random.token_bytes(TOKEN_BYTES)).decode("ascii").rstrip("=")
        life = self.policy.pending_ms if second_factor_pending else self.policy.lifetime_ms
        session = self._store.add(
            NewSession(token_digest(token), user_id, now, now + life, second_factor_pending)
        )
        log.info("console session opened user=%s pending_2fa=%s", user_id, second_factor_pending)
        return IssuedSession(session, token)

    def resolve(self, token: str, *, touch: bool = True) -> ConsoleSession | None:
        """The live session for a cookie's token, or None (unknown, ended or idle too long).

        `touch=False`: not activity (a page's own periodic refresh), so it keeps no session alive."""
        if not token:
            return None
        digest = token_digest(token)
        session = self._store.find(digest)
        if session is None:
            return None
        now = self._clock.now_ms()
        if now >= session.expires_ms or now - session.last_seen_ms >= self.policy.idle_ms:
            self._store.delete(digest)
            return None
        if touch and now - session.last_seen_ms >= TOUCH_EVERY_MS:
            self._store.touch(session.id, now)
        return session

    def promote(self, token: str) -> IssuedSession | None:
        """After the 2FA step: the pending session is replaced by a full one with a new token."""
        session = self.resolve(token)
        if session is None or not session.second_factor_pending:
            return None
        self._store.delete(token_digest(token))
        issued = self.open(session.user_id)
        # The password was typed for the pending session: it still counts for re-authentication.
        self._store.set_password_time(issued.session.id, session.password_ms)
        return IssuedSession(replace(issued.session, password_ms=session.password_ms), issued.token)

    def reauthenticated(self, session: ConsoleSession) -> None:
        """The password was typed again just now."""
        self._store.set_password_time(session.id, self._clock.now_ms())

    def needs_reauth(self, session: ConsoleSession) -> bool:
        return self._clock.now_ms() - session.password_ms >= self.policy.reauth_ms

    def close(self, token: str) -> None:
        """Logout: the session's row is deleted; the token is worthless from now on."""
        if token:
            self._store.delete(token_digest(token))

    def close_all(self, user_id: int) -> int:
        """End every session of a user (e.g. after the password or 2FA changes elsewhere)."""
        return self._store.delete_for_user(user_id)
