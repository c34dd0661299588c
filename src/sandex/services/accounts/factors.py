"""Second factors inside one accounts transaction: email codes, TOTP and recovery codes.

`AccountsService` opens the unit of work and decides what a flow needs; these helpers check one
factor each, persist what a check must persist even when it fails (attempt counters), and leave
*consuming* a factor to the caller, so a flow that needs two factors consumes neither unless both
pass. Each check first reserves its attempt and COMMITS the caller's unit of work (call it before
writing anything else), so that parallel guesses are counted before any of them is checked.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass

import pyotp

from sandex.domain.accounts import email_codes, lockout
from sandex.domain.accounts.email_codes import CodePurpose, EmailCode
from sandex.domain.accounts.recovery import (
    BYTES_PER_CODE,
    CODE_COUNT,
    find_recovery_code,
    normalise_recovery_code,
    recovery_codes,
)
from sandex.domain.accounts.totp import verify_totp
from sandex.domain.clock import Clock
from sandex.domain.errors import Reason, Rejected
from sandex.services.accounts.counters import AttemptCounters, Counted, locked
from sandex.services.accounts.ports import AccountsUnitOfWork, StoredEmailCode, UserRecord
from sandex.services.ports import RandomSource, SecretCipher, SlowHasher

log = logging.getLogger("sandex.accounts")

TOTP_SECRET_BYTES = 20  # 160 bits, as pyotp.random_base32() and most authenticator apps use
EMAIL_CODE_SALT_BYTES = 16
# Guessing a 6-digit TOTP or a recovery code is throttled like a password (per user, not per IP).
FACTOR_SCOPE = "2fa"
CODE_GUESS_SCOPE = "code_guess"  # wrong email codes per user and purpose, across codes
CODE_ISSUE_SCOPE = "code_issue"  # codes mailed per user, purpose and reference
CODE_ADDRESS_SCOPE = "code_ip"  # codes asked for per client address
REFERENCE_MAX = 64


@dataclass(frozen=True, slots=True)
class TotpEnrollment:
    """Shown once: the base32 secret, the otpauth:// URI and the same URI as an SVG QR code."""

    secret: str
    provisioning_uri: str
    qr_svg: str

    def __repr__(self) -> str:
        return "TotpEnrollment(<secret hidden>)"


@dataclass(frozen=True, slots=True)
class AcceptedFactor:
    """A second factor that checked out; `consume` makes it unusable afterwards."""

    totp_step: int | None = None
    recovery_code_id: int | None = None

    @property
    def checked(self) -> bool:
        """False for the empty stand-in of flows that need no second factor."""
        return self.totp_step is not None or self.recovery_code_id is not None


def parse_purpose(purpose: str) -> CodePurpose | Rejected:
    try:
        return CodePurpose(purpose)
    except ValueError:
        return Rejected.of(Reason.PARAM_ERROR, field="purpose")


class SecondFactors:
    def __init__(
        self,
        *,
        clock: Clock,
        hasher: SlowHasher,
        cipher: SecretCipher,
        random: RandomSource,
        email_pepper: bytes,
        counters: AttemptCounters,
        issuer: str = "sandex",
    ) -> None:
        self._clock = clock
        self._hasher = hasher
        self._cipher = cipher
        self._random = random
        self._pepper = email_pepper
        self._counters = counters
        self._issuer = issuer

    # --- email codes -------------------------------------------------------------------------------
    def issue_email_code(
        self, uow: AccountsUnitOfWork, user_id: int, purpose: CodePurpose, reference: str, ip: str | None
    ) -> tuple[int, str] | Rejected:
        """Store a fresh code (older unused ones for the same purpose and reference die) and return
        its id and digits; EMAIL_CODE_TOO_FREQUENT (retry_after) past the issuance limits."""
        wait = self._counters.reserve(uow, *issue_counters(user_id, purpose, reference, ip))
        if wait:
            return Rejected.of(Reason.EMAIL_CODE_TOO_FREQUENT, retry_after=str(wait))
        now = self._clock.now_ms()
        uow.email_codes.supersede(user_id, purpose, reference, now)
        code = self._random.digits(email_codes.CODE_LENGTH)
        salt = self._random.token_bytes(EMAIL_CODE_SALT_BYTES)
        record = email_codes.issue(purpose, reference, code, salt, self._pepper, now)
        return uow.email_codes.add(user_id, record), code

    def take_back_issue(
        self, uow: AccountsUnitOfWork, user_id: int, purpose: CodePurpose, reference: str, ip: str | None
    ) -> None:
        """The mail could not be sent: the code it carried does not count against the limits."""
        self._counters.give_back(uow, *issue_counters(user_id, purpose, reference, ip))

    def check_email_code(
        self, uow: AccountsUnitOfWork, user_id: int, purpose: CodePurpose, reference: str, candidate: str
    ) -> StoredEmailCode | Rejected:
        """The checked code, to be used up by `consume`. The guess is counted (on the code and on the
        user's guesses for `purpose`) and committed before it is checked."""
        stored = uow.email_codes.latest(user_id, purpose, reference)
        if stored is None:
            return Rejected.of(Reason.EMAIL_CODE_INVALID, field="code")
        now = self._clock.now_ms()
        dead = email_codes.check_usable(stored.code, now)
        if dead is not None:
            return dead
        guesses = guess_counter(user_id, purpose)
        refusal = locked(self._counters.reserve(uow, guesses), field="code")
        if refusal is not None:
            return refusal
        if not uow.email_codes.reserve_attempt(stored.id, now, email_codes.MAX_ATTEMPTS):
            uow.rollback()  # gives the guess back: this one is never checked
            return _why_not_now(uow, user_id, stored, now)
        uow.commit()
        if email_codes.matches(stored.code, purpose, reference, candidate, self._pepper):
            return stored
        refusal = locked(self._counters.fail(uow, guesses), field="code")
        return refusal or email_codes.wrong_guess(_attempts_now(uow, user_id, stored))

    # --- TOTP enrollment ---------------------------------------------------------------------------
    def new_enrollment(self, uow: AccountsUnitOfWork, user: UserRecord) -> TotpEnrollment:
        """Generate and store (encrypted, not yet enabled) a new secret for `user`."""
        secret = base64.b32encode(self._random.token_bytes(TOTP_SECRET_BYTES)).decode("ascii")
        key_id, ciphertext = self._cipher.encrypt(secret.encode("ascii"), _totp_aad(user))
        # last_step=0: the replay guard belongs to a secret, and this one is new
        uow.users.set_totp(user.id, secret_ct=ciphertext, key_id=key_id, enabled=False, last_step=0)
        uri = pyotp.TOTP(secret).provisioning_uri(name=user.email or user.uid, issuer_name=self._issuer)
        import segno  # deferred: it pulls in urllib, http and gzip (~50 ms), and only enrollment draws a QR

        qr_svg: str = segno.make(uri, error="m").svg_inline(scale=4)
        return TotpEnrollment(secret=secret, provisioning_uri=uri, qr_svg=qr_svg)

    def draw_recovery_codes(self) -> tuple[list[str], list[str]]:
        """Fresh recovery codes (shown once) and their argon2 hashes (stored)."""
        codes = recovery_codes(self._random.token_bytes(CODE_COUNT * BYTES_PER_CODE))
        return list(codes), [self._hasher.hash(code) for code in codes]

    # --- checking a second factor ------------------------------------------------------------------
    def check_totp(
        self, uow: AccountsUnitOfWork, user: UserRecord, candidate: str
    ) -> AcceptedFactor | Rejected:
        """A TOTP code only (enrollment confirmation, sensitive actions)."""
        return self._throttled(uow, user, lambda: self._totp(user, candidate))

    def check_any(
        self, uow: AccountsUnitOfWork, user: UserRecord, candidate: str
    ) -> AcceptedFactor | Rejected:
        """A TOTP code or, when the device is lost, one of the recovery codes."""
        if normalise_recovery_code(candidate) is None:
            return self.check_totp(uow, user, candidate)
        return self._throttled(uow, user, lambda: self._recovery(uow, user, candidate))

    def consume(
        self,
        uow: AccountsUnitOfWork,
        user: UserRecord,
        accepted: AcceptedFactor,
        email_code: StoredEmailCode | None = None,
    ) -> Rejected | None:
        """Use up checked factors. A refusal here means a concurrent request used one of them first:
        the caller must then leave without committing."""
        now = self._clock.now_ms()
        if accepted.totp_step is not None and not uow.users.advance_totp_step(user.id, accepted.totp_step):
            return Rejected.of(Reason.TOTP_INVALID, field="totp")
        recovery_id = accepted.recovery_code_id
        if recovery_id is not None and not uow.users.use_recovery_code(recovery_id, now):
            return Rejected.of(Reason.TOTP_INVALID, field="recovery_code")
        if email_code is not None:
            used = email_code.code
            # Counters before the code's row, as when reserving: on PostgreSQL, row locks taken in
            # one order everywhere can never deadlock. A used code can't be farmed: its place in the
            # issuance limit is given back.
            self._counters.succeed(uow, guess_counter(user.id, used.purpose))
            self._counters.give_back(uow, *issue_counters(user.id, used.purpose, used.subject, None))
            if not uow.email_codes.use(email_code.id, now):
                return Rejected.of(Reason.EMAIL_CODE_EXPIRED, field="code")
        if accepted.checked:
            self._counters.succeed(uow, factor_counter(user))
        return None

    def give_back(self, uow: AccountsUnitOfWork, user: UserRecord, accepted: AcceptedFactor) -> None:
        """A checked factor that will not be used (the other factor failed) stops counting as a guess."""
        if accepted.checked:
            self._counters.give_back(uow, factor_counter(user))

    def _throttled(
        self, uow: AccountsUnitOfWork, user: UserRecord, check: Callable[[], AcceptedFactor | Rejected]
    ) -> AcceptedFactor | Rejected:
        counted = factor_counter(user)
        refusal = locked(self._counters.reserve(uow, counted))
        if refusal is not None:
            return refusal
        uow.commit()  # counted before it is checked (a recovery code costs ten argon2 runs)
        result = check()
        if isinstance(result, Rejected):
            log.info("second factor refused uid=%s", user.uid)
            return locked(self._counters.fail(uow, counted)) or result
        return result

    def _totp(self, user: UserRecord, candidate: str) -> AcceptedFactor | Rejected:
        secret = self._secret(user)
        if secret is None:
            return Rejected.of(Reason.TOTP_NOT_ENABLED)
        step = verify_totp(secret, candidate, self._clock.now_ms(), user.totp_last_step)
        if isinstance(step, Rejected):
            return step
        return AcceptedFactor(totp_step=step)

    def _recovery(
        self, uow: AccountsUnitOfWork, user: UserRecord, candidate: str
    ) -> AcceptedFactor | Rejected:
        unused = uow.users.unused_recovery_codes(user.id)
        found = find_recovery_code(candidate, [hashed for _, hashed in unused], self._hasher.verify)
        if isinstance(found, Rejected):
            return found
        return AcceptedFactor(recovery_code_id=unused[found][0])

    def _secret(self, user: UserRecord) -> bytes | None:
        if user.totp_secret_ct is None or user.totp_key_id is None:
            return None
        text = self._cipher.decrypt(user.totp_key_id, user.totp_secret_ct, _totp_aad(user))
        return base64.b32decode(text)


def issue_counters(user_id: int, purpose: CodePurpose, reference: str, ip: str | None) -> list[Counted]:
    """What mailing a code counts against: the user's purpose and reference, and the client address."""
    by_user = Counted(CODE_ISSUE_SCOPE, f"{user_id}:{purpose.value}:{reference}", email_codes.ISSUE_POLICY)
    if ip is None:
        return [by_user]
    return [by_user, Counted(CODE_ADDRESS_SCOPE, ip, email_codes.ADDRESS_ISSUE_POLICY)]


def guess_counter(user_id: int, purpose: CodePurpose) -> Counted:
    """Wrong email codes of one user and purpose, whichever code they were meant for."""
    subject = f"{user_id}:{purpose.value}"
    return Counted(CODE_GUESS_SCOPE, subject, email_codes.GUESS_POLICY, cleared_by_success=True)


def factor_counter(user: UserRecord) -> Counted:
    """TOTP and recovery-code guesses are throttled like a password (per user, not per IP)."""
    return Counted(FACTOR_SCOPE, str(user.id), lockout.ACCOUNT_POLICY, cleared_by_success=True)


def _current(uow: AccountsUnitOfWork, user_id: int, stored: StoredEmailCode) -> EmailCode | None:
    """The code as stored now, or None once a newer one replaced it."""
    latest = uow.email_codes.latest(user_id, stored.code.purpose, stored.code.subject)
    return latest.code if latest is not None and latest.id == stored.id else None


def _why_not_now(uow: AccountsUnitOfWork, user_id: int, stored: StoredEmailCode, now_ms: int) -> Rejected:
    """Why a code that looked usable took no guess: meanwhile a concurrent request used it or took
    its last attempt, or a newer code replaced it."""
    current = _current(uow, user_id, stored)
    if current is None:
        return Rejected.of(Reason.EMAIL_CODE_EXPIRED, field="code")
    return email_codes.check_usable(current, now_ms) or email_codes.wrong_guess(email_codes.MAX_ATTEMPTS)


def _attempts_now(uow: AccountsUnitOfWork, user_id: int, stored: StoredEmailCode) -> int:
    """Wrong guesses the code has taken, this one included (for the attempts_left answer)."""
    current = _current(uow, user_id, stored)
    return stored.code.attempts + 1 if current is None else current.attempts


def totp_associated_data(uid: str) -> bytes:
    """AES-GCM associated data of a user's TOTP secret (master-key rotation re-encrypts with it).

    Binding the ciphertext to its owner: a secret copied onto another user's row fails to decrypt.
    """
    return b"sandex/totp/" + uid.encode("ascii")


def _totp_aad(user: UserRecord) -> bytes:
    return totp_associated_data(user.uid)
