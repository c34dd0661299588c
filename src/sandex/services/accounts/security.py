"""Second-factor flows of the accounts service: email codes, sensitive actions and TOTP 2FA.

`AccountsService` delegates here; `SecondFactors` checks the individual factors.

A flow that confirms a write of another feature (a key, an allow-list entry) runs in THAT feature's
unit of work: `check_*` checks the factors in it (committing only the attempt counts, which must
survive whatever follows), `use` spends them without committing, and the caller writes its change
and commits once. A failure before that commit leaves the code usable and nothing written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sandex.domain.accounts.email_codes import NEVER_MAILED, CodePurpose
from sandex.domain.accounts.model import UserStatus
from sandex.domain.clock import Clock
from sandex.domain.errors import Reason, Rejected
from sandex.services.accounts.factors import (
    REFERENCE_MAX,
    AcceptedFactor,
    SecondFactors,
    TotpEnrollment,
    parse_purpose,
)
from sandex.services.accounts.mail import (
    MailMessage,
    email_code_mail,
    totp_disabled_mail,
    totp_enabled_mail,
)
from sandex.services.accounts.ports import (
    AccountsUnitOfWork,
    MailDeliveryError,
    Mailer,
    MailOutbox,
    StoredEmailCode,
    UserRecord,
)

log = logging.getLogger("sandex.accounts")

# SecondFactors.check_totp or .check_any: which second factor a flow accepts
_FactorCheck = Callable[[AccountsUnitOfWork, UserRecord, str], AcceptedFactor | Rejected]


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A code stored in a caller's unit of work, to be mailed once it commits (`mail_code`)."""

    person: UserRecord
    purpose: CodePurpose
    reference: str
    ip: str | None
    code_id: int
    code: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Confirmation:
    """Factors that checked out in a caller's unit of work, not used up yet (`SecurityFlows.use`)."""

    person: UserRecord
    factor: AcceptedFactor
    email_code: StoredEmailCode | None  # None: the TOTP code alone confirms (`check_totp_action`)
    purpose: CodePurpose


class SecurityFlows:
    def __init__(
        self,
        uow: Callable[[], AccountsUnitOfWork],
        factors: SecondFactors,
        mailer: Mailer,
        outbox: MailOutbox,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._factors = factors
        self._mailer = mailer
        self._outbox = outbox
        self._clock = clock

    def _person(self, uow: AccountsUnitOfWork, user_id: int) -> UserRecord | Rejected:
        """Who answers for `user_id`: the user, or for a sub-account its master (subs have no email
        and no 2FA of their own). Refused when that person is frozen."""
        user = uow.users.get(user_id)
        if user is not None and user.master_id is not None:
            if user.status is UserStatus.FROZEN:
                return Rejected.of(Reason.ACCOUNT_FROZEN)
            user = uow.users.get(user.master_id)
        if user is None:
            return Rejected.of(Reason.USER_NOT_FOUND)
        if user.status is UserStatus.FROZEN:
            return Rejected.of(Reason.ACCOUNT_FROZEN)
        return user

    # --- email codes -------------------------------------------------------------------------------
    def send_email_code(
        self, user_id: int, purpose: str, reference: str = "", *, ip: str | None = None
    ) -> Rejected | None:
        """Mail a 6-digit code for `purpose` (a CodePurpose value), valid 10 minutes, single use.

        A new code replaces any earlier one for the same purpose and reference. For a sub-account
        the code goes to (and is bound to) its master. Limits (EMAIL_CODE_TOO_FREQUENT): unused
        codes per purpose and reference in 10 minutes, codes per client address `ip` an hour.
        """
        parsed = parse_purpose(purpose)
        if isinstance(parsed, Rejected):
            return parsed
        if parsed in NEVER_MAILED:  # confirmed by the 2FA code alone: a mailed code would confuse
            return Rejected.of(Reason.PARAM_ERROR, field="purpose")
        if len(reference) > REFERENCE_MAX:
            return Rejected.of(Reason.PARAM_ERROR, field="reference")
        with self._uow() as uow:
            issued = self.issue_email_code(uow, user_id, parsed, reference, ip=ip)
            if isinstance(issued, Rejected):
                return issued
            uow.commit()
        return self.mail_code(issued)

    def issue_email_code(
        self,
        uow: AccountsUnitOfWork,
        user_id: int,
        purpose: CodePurpose,
        reference: str,
        *,
        ip: str | None = None,
    ) -> IssuedCode | Rejected:
        """Store a new code in the caller's unit of work; once it commits, `mail_code` mails it.
        A refusal (past the limits) has rolled the unit of work back: leave without committing."""
        person = self._person(uow, user_id)
        if isinstance(person, Rejected):
            return person
        issued = self._factors.issue_email_code(uow, person.id, purpose, reference, ip)
        if isinstance(issued, Rejected):
            return issued
        code_id, code = issued
        return IssuedCode(person, purpose, reference, ip, code_id, code)

    def mail_code(self, issued: IssuedCode) -> Rejected | None:
        """Mail a committed code; if it cannot be sent, it stops counting against the limits."""
        person, purpose = issued.person, issued.purpose
        self._redact_spent(person)  # the codes this one replaces
        log.info("email code sent uid=%s purpose=%s", person.uid, purpose.value)
        mail = email_code_mail(person.email or "", purpose, issued.code, issued.reference, issued.code_id)
        refusal = self._send(mail)
        if refusal is not None:
            with self._uow() as uow:
                self._factors.take_back_issue(uow, person.id, purpose, issued.reference, issued.ip)
                uow.commit()
        return refusal

    def verify_email_code(
        self, user_id: int, purpose: str, code: str, reference: str = ""
    ) -> Rejected | None:
        """Consume the code mailed for `purpose` (and `reference`): EMAIL_CODE_INVALID / EXPIRED /
        EXHAUSTED / REQUIRED otherwise."""
        with self._uow() as uow:
            return self._confirmed(uow, self.check_email_code(uow, user_id, purpose, code, reference))

    def verify_sensitive_action(
        self,
        user_id: int,
        purpose: str,
        *,
        totp_code: str | None,
        email_code: str | None,
        reference: str = "",
    ) -> Rejected | None:
        """Confirm a sensitive action that writes nothing else, in a transaction of its own."""
        with self._uow() as uow:
            checked = self.check_sensitive_action(
                uow, user_id, purpose, totp_code=totp_code, email_code=email_code, reference=reference
            )
            refusal = self._confirmed(uow, checked)
        if isinstance(checked, Confirmation) and refusal is None:
            _log_confirmed(checked)
        return refusal

    def check_email_code(
        self, uow: AccountsUnitOfWork, user_id: int, purpose: str, code: str, reference: str = ""
    ) -> Confirmation | Rejected:
        """Check the code mailed for `purpose` (and `reference`) inside the caller's unit of work,
        using up nothing; see `use`. Call it before writing anything: it commits the attempt counts."""
        parsed = parse_purpose(purpose)
        if isinstance(parsed, Rejected):
            return parsed
        if not code:
            return Rejected.of(Reason.EMAIL_CODE_REQUIRED, field="code")
        person = self._person(uow, user_id)
        if isinstance(person, Rejected):
            return person
        return self._checked(
            uow, person, parsed, self._check_both(uow, person, None, parsed, reference, code)
        )

    def check_sensitive_action(
        self,
        uow: AccountsUnitOfWork,
        user_id: int,
        purpose: str,
        *,
        totp_code: str | None,
        email_code: str | None,
        reference: str = "",
    ) -> Confirmation | Rejected:
        """Check what confirms an API-key change, a withdrawal-address change and the like, inside
        the caller's unit of work, using up nothing; see `use`. Call it before writing anything: it
        commits the attempt counts.

        Always needs the email code mailed for `purpose` (and `reference`); also a fresh TOTP code
        when the user has 2FA on. Both are consumed only if both are right.
        """
        parsed = parse_purpose(purpose)
        if isinstance(parsed, Rejected):
            return parsed
        person = self._person(uow, user_id)
        if isinstance(person, Rejected):
            return person
        if person.totp_enabled and not totp_code:
            return Rejected.of(Reason.TOTP_REQUIRED, field="totp")
        if not email_code:
            return Rejected.of(Reason.EMAIL_CODE_REQUIRED, field="code")
        totp = self._factors.check_totp if person.totp_enabled else None
        both = self._check_both(uow, person, totp, parsed, reference, email_code, totp_code)
        return self._checked(uow, person, parsed, both)

    def check_totp_action(
        self, uow: AccountsUnitOfWork, user_id: int, purpose: CodePurpose, *, totp_code: str | None
    ) -> Confirmation | Rejected | None:
        """A fresh TOTP code alone confirms `purpose` (revoking an API key: OKX asks for the 2FA
        code, and cutting off a leaked key must not wait for a mail). None when the person has no
        2FA: there is nothing to ask. Uses up nothing yet (see `use`); commits a wrong code's count."""
        person = self._person(uow, user_id)
        if isinstance(person, Rejected):
            return person
        if not person.totp_enabled:
            return None
        if not totp_code:
            return Rejected.of(Reason.TOTP_REQUIRED, field="totp")
        factor = self._factors.check_totp(uow, person, totp_code)
        if isinstance(factor, Rejected):
            uow.commit()  # keeps the failure count
            return factor
        return Confirmation(person, factor, None, purpose)

    def use(self, uow: AccountsUnitOfWork, confirmation: Confirmation) -> Rejected | None:
        """Spend checked factors in the caller's unit of work, which then writes and commits. A
        refusal means a concurrent request used one first: the caller must leave without committing."""
        lost = self._spend(uow, confirmation)
        if lost is None:
            _log_confirmed(confirmation)
        return lost

    # --- TOTP two-factor ---------------------------------------------------------------------------
    def begin_totp(self, user_id: int) -> TotpEnrollment | Rejected:
        """A new secret (shown once) waiting for `confirm_totp`; starting over replaces it."""
        with self._uow() as uow:
            user = self._totp_owner(uow, user_id)
            if isinstance(user, Rejected):
                return user
            if user.totp_enabled:
                return Rejected.of(Reason.TOTP_ALREADY_ENABLED)
            enrollment = self._factors.new_enrollment(uow, user)
            uow.commit()
        log.info("2fa enrollment started uid=%s", user.uid)
        return enrollment

    def confirm_totp(self, user_id: int, code: str) -> list[str] | Rejected:
        """Turn 2FA on with a first code; answers the ten recovery codes (shown once)."""
        with self._uow() as uow:
            user = self._totp_owner(uow, user_id)
            if isinstance(user, Rejected):
                return user
            if user.totp_enabled:
                return Rejected.of(Reason.TOTP_ALREADY_ENABLED)
            if user.totp_secret_ct is None:
                return Rejected.of(Reason.TOTP_NOT_ENABLED)
            factor = self._factors.check_totp(uow, user, code)
            if isinstance(factor, Rejected):
                uow.commit()  # keeps the failure count
                return factor
            # Hash before writing anything: ten argon2 runs must not hold a (SQLite) write lock.
            codes, hashes = self._factors.draw_recovery_codes()
            lost = self._factors.consume(uow, user, factor)
            if lost is not None:
                return lost
            uow.users.set_totp(user.id, secret_ct=user.totp_secret_ct, key_id=user.totp_key_id, enabled=True)
            uow.users.replace_recovery_codes(user.id, hashes)
            uow.commit()
        log.info("2fa enabled uid=%s", user.uid)
        self._send(totp_enabled_mail(user.email or ""))
        return codes

    def verify_second_factor(self, user_id: int, code: str) -> Rejected | None:
        """The login step after the password for users with 2FA: a TOTP or a recovery code."""
        with self._uow() as uow:
            user = self._totp_owner(uow, user_id)
            if isinstance(user, Rejected):
                return user
            if not user.totp_enabled:
                return Rejected.of(Reason.TOTP_NOT_ENABLED)
            factor = self._factors.check_any(uow, user, code)
            refusal = factor if isinstance(factor, Rejected) else self._factors.consume(uow, user, factor)
            if refusal is None:
                uow.commit()
            else:
                self._commit_failure(uow, factor)
        return refusal

    def disable_totp(self, user_id: int, code: str, email_code: str) -> Rejected | None:
        """Turn 2FA off: needs a TOTP or recovery code and the email code for `totp_disable`."""
        with self._uow() as uow:
            user = self._totp_owner(uow, user_id)
            if isinstance(user, Rejected):
                return user
            if not user.totp_enabled:
                return Rejected.of(Reason.TOTP_NOT_ENABLED)
            if not code:
                return Rejected.of(Reason.TOTP_REQUIRED, field="totp")
            if not email_code:
                return Rejected.of(Reason.EMAIL_CODE_REQUIRED, field="code")
            purpose = CodePurpose.TOTP_DISABLE
            both = self._check_both(uow, user, self._factors.check_any, purpose, "", email_code, code)
            checked = self._checked(uow, user, purpose, both)
            refusal = self._confirmed(uow, checked, then=lambda: self._turn_off(uow, user))
        if refusal is not None:
            return refusal
        log.info("2fa disabled uid=%s", user.uid)
        self._send(totp_disabled_mail(user.email or ""))
        return None

    # --- helpers -----------------------------------------------------------------------------------
    def _check_both(
        self,
        uow: AccountsUnitOfWork,
        person: UserRecord,
        factor_check: _FactorCheck | None,
        purpose: CodePurpose,
        reference: str,
        email_code: str,
        factor_code: str | None = None,
    ) -> tuple[AcceptedFactor, StoredEmailCode] | Rejected:
        """Check the second factor (if any) and then the email code, using up nothing yet."""
        factor = AcceptedFactor()
        if factor_check is not None:
            checked_factor = factor_check(uow, person, factor_code or "")
            if isinstance(checked_factor, Rejected):
                return checked_factor
            factor = checked_factor
        checked = self._factors.check_email_code(uow, person.id, purpose, reference, email_code)
        if isinstance(checked, Rejected):
            self._factors.give_back(uow, person, factor)  # a right TOTP code is no failed guess
            return checked
        return factor, checked

    @staticmethod
    def _checked(
        uow: AccountsUnitOfWork,
        person: UserRecord,
        purpose: CodePurpose,
        both: tuple[AcceptedFactor, StoredEmailCode] | Rejected,
    ) -> Confirmation | Rejected:
        if isinstance(both, Rejected):
            uow.commit()  # keeps the failure counts
            return both
        return Confirmation(person, *both, purpose)

    def _confirmed(
        self,
        uow: AccountsUnitOfWork,
        checked: Confirmation | Rejected,
        then: Callable[[], None] | None = None,
    ) -> Rejected | None:
        """Use up checked factors, apply `then` (a write of the accounts' own) and commit it all."""
        if isinstance(checked, Rejected):
            return checked
        lost = self._spend(uow, checked)
        if lost is not None:
            return lost
        if then is not None:
            then()
        uow.commit()
        self._redact_spent(checked.person)
        return None

    def _spend(self, uow: AccountsUnitOfWork, checked: Confirmation) -> Rejected | None:
        return self._factors.consume(uow, checked.person, checked.factor, checked.email_code)

    def _redact_spent(self, person: UserRecord) -> None:
        if person.email is not None:
            self._outbox.redact_spent(person.email, self._clock.now_ms())

    @staticmethod
    def _turn_off(uow: AccountsUnitOfWork, user: UserRecord) -> None:
        uow.users.set_totp(user.id, secret_ct=None, key_id=None, enabled=False)
        uow.users.replace_recovery_codes(user.id, [])

    @staticmethod
    def _commit_failure(uow: AccountsUnitOfWork, checked: object) -> None:
        """After a refused check, keep its failure count; after a lost race, commit nothing."""
        if isinstance(checked, Rejected):
            uow.commit()

    def _totp_owner(self, uow: AccountsUnitOfWork, user_id: int) -> UserRecord | Rejected:
        user = uow.users.get(user_id)
        if user is None:
            return Rejected.of(Reason.USER_NOT_FOUND)
        if user.master_id is not None:
            return Rejected.of(Reason.MASTER_ONLY)
        if user.status is UserStatus.FROZEN:
            return Rejected.of(Reason.ACCOUNT_FROZEN)
        return user

    def _send(self, message: MailMessage) -> Rejected | None:
        try:
            self._mailer.send(message)
        except MailDeliveryError as exc:
            log.warning("mail not delivered (%s): %s", message.subject, exc)
            return Rejected.of(Reason.SERVICE_UNAVAILABLE)
        return None


def _log_confirmed(confirmation: Confirmation) -> None:
    uid, purpose = confirmation.person.uid, confirmation.purpose.value
    log.info("sensitive action confirmed uid=%s purpose=%s", uid, purpose)
