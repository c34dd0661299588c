"""One-time email verification codes: 6 digits, 10 minutes, 5 attempts, single use.

The service draws the digits and a per-record salt with `secrets` and mails the digits; only a
digest is stored. The digest is HMAC-SHA256 keyed with a server *pepper* (a secret kept outside the
database, e.g. derived from the master key) over salt, purpose, subject and code. Why a pepper:
six digits are only 10^6 candidates, so a plain salted SHA-256 is reversed in milliseconds by
anyone who reads the table; without the pepper a stolen table reveals nothing. Argon2 would not
help (10^6 guesses stay cheap at any sane cost) and the attempt limit below already stops online
guessing. Binding the purpose and subject (e.g. the API key being activated) means a code mailed
for one action can never confirm another.

Limits that make codes impossible to farm (counted with `lockout` counters, reserved before use):
ISSUE_POLICY, unused codes per user, purpose and subject in a code's lifetime (a resend or two is
fine, a flood is not; using a code gives its place back); ADDRESS_ISSUE_POLICY, codes asked for from
one client address an hour; GUESS_POLICY, wrong guesses per user and purpose across all its codes,
so that asking for a new code gives no extra guesses. A new code also invalidates the older unused
ones of the same user, purpose and subject.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from enum import StrEnum

from sandex.domain.accounts.lockout import LockoutPolicy
from sandex.domain.clock import HOUR_MS, MINUTE_MS
from sandex.domain.errors import Reason, Rejected

CODE_LENGTH = 6
CODE_TTL_MS = 10 * MINUTE_MS
MAX_ATTEMPTS = 5
MIN_SALT_BYTES = 16
MIN_PEPPER_BYTES = 16
# Issuance limits count issued codes (lock_ms unused: nothing "fails"); guesses lock like logins.
ISSUE_POLICY = LockoutPolicy(max_failures=3, window_ms=CODE_TTL_MS, lock_ms=0)
ADDRESS_ISSUE_POLICY = LockoutPolicy(max_failures=30, window_ms=HOUR_MS, lock_ms=0)
GUESS_POLICY = LockoutPolicy(max_failures=10, window_ms=HOUR_MS, lock_ms=HOUR_MS)


class CodePurpose(StrEnum):
    LOGIN = "login"
    API_KEY_CREATE = "api_key_create"
    API_KEY_ACTIVATE = "api_key_activate"
    API_KEY_EDIT = "api_key_edit"
    API_KEY_DELETE = "api_key_delete"
    API_KEY_REVOKE = "api_key_revoke"  # a TOTP code only: no code is ever mailed for it
    WITHDRAW_ADDRESS = "withdraw_address"
    WITHDRAW = "withdraw"  # one withdrawal from the web console
    TOTP_DISABLE = "totp_disable"


NEVER_MAILED = frozenset({CodePurpose.API_KEY_REVOKE})


@dataclass(frozen=True, slots=True)
class EmailCode:
    """What the service stores for one mailed code."""

    purpose: CodePurpose
    subject: str  # what the code confirms beyond the user, e.g. an API key; "" when nothing
    salt: bytes
    digest: bytes
    created_ms: int
    expires_at_ms: int
    attempts: int = 0  # wrong guesses so far
    used: bool = False

    @property
    def attempts_left(self) -> int:
        return max(0, MAX_ATTEMPTS - self.attempts)


def is_code_format(text: str) -> bool:
    """Exactly six ASCII digits (str.isdigit alone would also take e.g. Arabic-Indic digits)."""
    return len(text) == CODE_LENGTH and text.isascii() and text.isdigit()


def issue(
    purpose: CodePurpose, subject: str, code: str, salt: bytes, pepper: bytes, now_ms: int
) -> EmailCode:
    """A fresh record for `code` (six digits the service drew at random)."""
    if not is_code_format(code):
        raise ValueError("an email code is six ASCII digits")
    if len(salt) < MIN_SALT_BYTES or len(pepper) < MIN_PEPPER_BYTES:
        raise ValueError("salt and pepper must be at least 16 random bytes")
    digest = _digest(pepper, salt, purpose, subject, code)
    return EmailCode(purpose, subject, salt, digest, now_ms, now_ms + CODE_TTL_MS)


def verify(
    record: EmailCode, purpose: CodePurpose, subject: str, candidate: str, pepper: bytes, now_ms: int
) -> tuple[EmailCode, Rejected | None]:
    """The record to store next, and None if `candidate` confirms `purpose`/`subject`: the rules as
    one request sees them (the service reserves the attempt in storage first, then `matches`).

    Refusals (params: field="code"): EMAIL_CODE_EXPIRED once past its time or already used (a used
    code is as dead as an expired one: ask for a new one), EMAIL_CODE_EXHAUSTED after 5 wrong
    guesses (also on the 5th), otherwise EMAIL_CODE_INVALID with attempts_left. Spaces around and
    inside the candidate are ignored (codes are often pasted as "123 456").
    """
    refusal = check_usable(record, now_ms)
    if refusal is not None:
        return record, refusal
    if matches(record, purpose, subject, candidate, pepper):
        return replace(record, used=True), None
    record = replace(record, attempts=record.attempts + 1)
    return record, wrong_guess(record.attempts)


def check_usable(record: EmailCode, now_ms: int) -> Rejected | None:
    """Why `record` can take no guess now (expired, used or out of attempts), or None."""
    if record.used or now_ms >= record.expires_at_ms:
        return Rejected.of(Reason.EMAIL_CODE_EXPIRED, field="code")
    if record.attempts_left == 0:
        return Rejected.of(Reason.EMAIL_CODE_EXHAUSTED, field="code")
    return None


def wrong_guess(attempts: int) -> Rejected:
    """The answer to a wrong guess that brought the code's wrong guesses to `attempts`."""
    left = max(0, MAX_ATTEMPTS - attempts)
    if left == 0:
        return Rejected.of(Reason.EMAIL_CODE_EXHAUSTED, field="code")
    return Rejected.of(Reason.EMAIL_CODE_INVALID, field="code", attempts_left=str(left))


def matches(record: EmailCode, purpose: CodePurpose, subject: str, candidate: str, pepper: bytes) -> bool:
    """Whether `candidate` (spaces ignored) is the code of `record` for `purpose` and `subject`."""
    candidate = candidate.replace(" ", "")
    if not is_code_format(candidate):
        return False
    expected = _digest(pepper, record.salt, purpose, subject, candidate)
    return hmac.compare_digest(expected, record.digest)


def _digest(pepper: bytes, salt: bytes, purpose: CodePurpose, subject: str, code: str) -> bytes:
    # Length-prefixed fields: ("ab", "c") and ("a", "bc") must not hash alike.
    message = b"".join(_framed(part) for part in (salt, purpose.encode(), subject.encode(), code.encode()))
    return hmac.new(pepper, message, hashlib.sha256).digest()


def _framed(part: bytes) -> bytes:
    return len(part).to_bytes(4, "big") + part
