"""Second factors inside one accounts transaction: email codes, TOTP and recovery codes.

`AccountsService` opens the unit of work and decides what a flow needs; these helpers check one
factor each, persist what a check must persist even when it fails (attempt counters), and leave
*consuming* a factor to the caller, so a flow that needs two factors consumes neither unless both
pass.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass

import pyotp
import segno

from sandex.domain.accounts import email_codes, lockout
from sandex.domain.accounts.email_codes import CodePurpose
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
from sandex.services.accounts_ports import AccountsUnitOfWork, StoredEmailCode, UserRecord
from sandex.services.ports import RandomSource, SecretCipher, SlowHasher

log = logging.getLogger("sandex.accounts")

TOTP_SECRET_BYTES = 20  # 160 bits, as pyotp.random_base32() and most authenticator apps use
EMAIL_CODE_SALT_BYTES = 16
# Guessing a 6-digit TOTP or a recovery code is throttled like a password (per user, not per IP).
FACTOR_SCOPE = "2fa"
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
        issuer: str = "sandex",
    ) -> None:
        self._clock = clock
        self._hasher = hasher
        self._cipher = cipher
        self._random = random
        self._pepper = email_pepper
        self._issuer = issuer

    # --- email codes -------------------------------------------------------------------------------
    def issue_email_code(
        self, uow: AccountsUnitOfWork, user_id: int, purpose: CodePurpose, reference: str
    ) -> str:
        """Store a fresh code (it supersedes earlier ones for the same purpose) and return its digits."""
        code = self._random.digits(email_codes.CODE_LENGTH)
        salt = self._random.token_bytes(EMAIL_CODE_SALT_BYTES)
        record = email_codes.issue(purpose, reference, code, salt, self._pepper, self._clock.now_ms())
        uow.email_codes.add(user_id, record)
        return code

    def check_email_code(
        self, uow: AccountsUnitOfWork, user_id: int, purpose: CodePurpose, reference: str, candidate: str
    ) -> StoredEmailCode | Rejected:
        """The checked code, to be used up by `consume`; a wrong guess is counted at once."""
        stored = uow.email_codes.latest(user_id, purpose, reference)
        if stored is None:
            return Rejected.of(Reason.EMAIL_CODE_INVALID, field="code")
        now = self._clock.now_ms()
        record, refusal = email_codes.verify(stored.code, purpose, reference, candidate, self._pepper, now)
        if refusal is not None:
            if record != stored.code:
                uow.email_codes.save(StoredEmailCode(stored.id, record), now)
            return refusal
        return StoredEmailCode(stored.id, record)

    # --- TOTP enrollment ---------------------------------------------------------------------------
    def new_enrollment(self, uow: AccountsUnitOfWork, user: UserRecord) -> TotpEnrollment:
        """Generate and store (encrypted, not yet enabled) a new secret for `user`."""
        secret = base64.b32encode(self._random.token_bytes(TOTP_SECRET_BYTES)).decode("ascii")
        key_id, ciphertext = self._cipher.encrypt(secret.encode("ascii"), _totp_aad(user))
        # last_step=0: the replay guard belongs to a secret, and this one is new
        uow.users.set_totp(user.id, secret_ct=ciphertext, key_id=key_id, enabled=False, last_step=0)
        uri = pyotp.TOTP(secret).provisioning_uri(name=user.email or user.uid, issuer_name=self._issuer)
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
        if email_code is not None and not uow.email_codes.save(email_code, now):
            return Rejected.of(Reason.EMAIL_CODE_EXPIRED, field="code")
        if accepted.totp_step is not None or recovery_id is not None:
            uow.logins.save_counter(FACTOR_SCOPE, str(user.id), lockout.record_success())
        return None

    def _throttled(
        self, uow: AccountsUnitOfWork, user: UserRecord, check: Callable[[], AcceptedFactor | Rejected]
    ) -> AcceptedFactor | Rejected:
        now = self._clock.now_ms()
        counter = uow.logins.counter(FACTOR_SCOPE, str(user.id))
        locked = lockout.check_locked(counter, now)
        if locked is not None:
            return locked
        result = check()
        if isinstance(result, Rejected):
            counter = lockout.record_failure(counter, lockout.ACCOUNT_POLICY, now)
            uow.logins.save_counter(FACTOR_SCOPE, str(user.id), counter)
            log.info("second factor refused uid=%s", user.uid)
            return lockout.check_locked(counter, now) or result
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


def totp_associated_data(uid: str) -> bytes:
    """AES-GCM associated data of a user's TOTP secret (master-key rotation re-encrypts with it).

    Binding the ciphertext to its owner: a secret copied onto another user's row fails to decrypt.
    """
    return b"sandex/totp/" + uid.encode("ascii")


def _totp_aad(user: UserRecord) -> bytes:
    return totp_associated_data(user.uid)
