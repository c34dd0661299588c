"""Accounts and identity: sign-up, login, sub-accounts, email codes and TOTP two-factor.

Every method is synchronous and may block (argon2, database, SMTP): call it from a sync handler or a
worker thread, never directly on an event loop. Refusals are `Rejected` values and change nothing,
except that attempts (password and code guesses, codes mailed) are counted, which is the point of
counting them: each is counted before it is checked (`accounts_counters`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sandex.domain.accounts import lockout
from sandex.domain.accounts.email_codes import CodePurpose
from sandex.domain.accounts.model import Environment, UserStatus
from sandex.domain.accounts.rules import PASSWORD_MAX, check_password, check_subaccount_name, normalise_email
from sandex.domain.clock import Clock
from sandex.domain.errors import Reason, Rejected
from sandex.services.accounts.counters import AttemptCounters, Counted, locked
from sandex.services.accounts.factors import SecondFactors, TotpEnrollment
from sandex.services.accounts.mail import MailView
from sandex.services.accounts.ports import (
    AccountsUnitOfWork,
    ConflictError,
    LoginRecord,
    Mailer,
    MailOutbox,
    NewUser,
    SubAccountQuery,
    UserRecord,
)
from sandex.services.accounts.security import Confirmation, IssuedCode, SecurityFlows
from sandex.services.accounts.views import SubAccountView, UserView, sub_account_view, user_view
from sandex.services.ports import RandomSource, SecretCipher, SlowHasher

__all__ = [
    "AccountsService",
    "Confirmation",
    "Environment",
    "IssuedCode",
    "LoginRecord",
    "MailView",
    "SubAccountView",
    "TotpEnrollment",
    "UserStatus",
    "UserView",
]

log = logging.getLogger("sandex.accounts")

USERS_TOPIC = "users"  # change counter bumped when a status changes (key-auth caches watch it)
ACCOUNT_SCOPE = "account"
IP_SCOPE = "ip"
LABEL_MAX = 50
IP_MAX = 64
USER_AGENT_MAX = 512
LIST_LIMIT_MAX = 100
_UID_TRIES = 20


class AccountsService:
    def __init__(
        self,
        uow: Callable[[], AccountsUnitOfWork],
        *,
        clock: Clock,
        hasher: SlowHasher,
        cipher: SecretCipher,
        random: RandomSource,
        mailer: Mailer,
        outbox: MailOutbox,
        email_pepper: bytes,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = hasher
        self._random = random
        self._outbox = outbox
        self._counters = AttemptCounters(clock)
        factors = SecondFactors(
            clock=clock,
            hasher=hasher,
            cipher=cipher,
            random=random,
            email_pepper=email_pepper,
            counters=self._counters,
        )
        self._security = SecurityFlows(uow, factors, mailer, outbox, clock)
        self._dummy_hash: str | None = None
        self._dummy_lock = threading.Lock()

    # --- sign-up and login -------------------------------------------------------------------------
    def register(self, email: str, password: str) -> UserView | Rejected:
        normalised = normalise_email(email)
        if isinstance(normalised, Rejected):
            return normalised
        weak = check_password(password, normalised)
        if weak is not None:
            return weak
        with self._uow() as uow:
            if uow.users.find_by_email(normalised) is not None:
                return Rejected.of(Reason.EMAIL_TAKEN, field="email")
            new = NewUser(
                uid=self._new_uid(uow),
                created_ms=self._clock.now_ms(),
                email=normalised,
                password_hash=self._hasher.hash(password),
            )
            try:
                record = uow.users.add(new)
                uow.commit()
            except ConflictError:
                return Rejected.of(Reason.EMAIL_TAKEN, field="email")
        log.info("user registered uid=%s", record.uid)
        return user_view(record, record.status)

    def login(self, email: str, password: str, *, ip: str, user_agent: str) -> UserView | Rejected:
        """The user, or LOGIN_FAILED for an unknown email and a wrong password alike (same work, same
        answer), LOGIN_LOCKED (retry_after) after repeated failures per account or per IP, or
        ACCOUNT_FROZEN once the password is right. A user with 2FA on must then pass
        `verify_second_factor`."""
        normalised = normalise_email(email)
        if isinstance(normalised, Rejected):
            return normalised
        ip, user_agent = ip[:IP_MAX], user_agent[:USER_AGENT_MAX]  # the columns' sizes
        dummy = self._dummy()  # before the lookup: the first login pays for it, known user or not
        account = Counted(ACCOUNT_SCOPE, normalised, lockout.ACCOUNT_POLICY, cleared_by_success=True)
        by_ip = Counted(IP_SCOPE, ip, lockout.IP_POLICY)
        with self._uow() as uow:
            refusal = locked(self._counters.reserve(uow, by_ip, account))
            if refusal is not None:
                return refusal
            uow.commit()  # counted before argon2 runs: parallel guesses cannot share one count
            user = uow.users.find_by_email(normalised)
        matched = self._password_matches(user, password, dummy)
        with self._uow() as uow:
            if not matched or user is None:
                refusal = locked(self._counters.fail(uow, by_ip, account))
                uow.commit()
                log.info("login failed ip=%s", ip)
                return refusal or Rejected.of(Reason.LOGIN_FAILED)
            self._counters.succeed(uow, by_ip, account)
            if user.status is not UserStatus.FROZEN:
                uow.logins.record_login(user.id, LoginRecord(self._clock.now_ms(), ip, user_agent))
            uow.commit()
        if user.status is UserStatus.FROZEN:
            return Rejected.of(Reason.ACCOUNT_FROZEN)
        log.info("login ok uid=%s ip=%s", user.uid, ip)
        return user_view(user, user.status)

    def _dummy(self) -> str:
        # Unknown emails are checked against this hash so that they cost as much time as a wrong
        # password: response time must not tell which addresses have an account.
        # Made once under a lock: a first burst of N parallel logins must not run N argon2 hashes.
        with self._dummy_lock:
            if self._dummy_hash is None:
                self._dummy_hash = self._hasher.hash(self._random.token_bytes(16).hex())
            return self._dummy_hash

    def _password_matches(self, user: UserRecord | None, password: str, dummy: str) -> bool:
        stored = user.password_hash if user is not None else None
        # Over-long input can never match (sign-up refuses it) but still costs one verification.
        fits = len(password) <= PASSWORD_MAX
        matches = self._hasher.verify(stored or dummy, password if fits else "")
        return matches and stored is not None and fits

    def recent_logins(self, user_id: int, limit: int = 20) -> list[LoginRecord]:
        with self._uow() as uow:
            return uow.logins.recent_logins(user_id, max(1, min(limit, LIST_LIMIT_MAX)))

    # --- lookups and status ------------------------------------------------------------------------
    def get_user(self, user_id: int) -> UserView | None:
        with self._uow() as uow:
            return self._view_of(uow, uow.users.get(user_id))

    def user_in(self, uow: AccountsUnitOfWork, user_id: int) -> UserView | None:
        """`get_user` inside the caller's unit of work (a use case of another feature reads its
        owner in its own transaction)."""
        return self._view_of(uow, uow.users.get(user_id))

    def get_user_by_email(self, email: str) -> UserView | None:
        with self._uow() as uow:
            return self._view_of(uow, uow.users.find_by_email(email.strip().lower()))

    def get_user_by_uid(self, uid: str) -> UserView | None:
        with self._uow() as uow:
            return self._view_of(uow, uow.users.find_by_uid(uid))

    def list_users(self, limit: int = 100, *, people_only: bool = False) -> list[UserView]:
        """Master accounts, newest first (operators: CLI, control API). `people_only` leaves out
        sandex's own users (the market maker and taker flow): nobody can log in as them."""
        with self._uow() as uow:
            masters = uow.users.list_masters(max(1, limit), people_only=people_only)
            return [user_view(user, user.status) for user in masters]

    def effective_status(self, user_id: int) -> UserStatus:
        """FROZEN when the user or (for a sub-account) its master is frozen, and for no such user."""
        view = self.get_user(user_id)
        return UserStatus.FROZEN if view is None else view.status

    def set_status(self, user_id: int, status: UserStatus) -> UserView | Rejected:
        """Freeze or unfreeze any user (operators)."""
        with self._uow() as uow:
            user = uow.users.get(user_id)
            if user is None:
                return Rejected.of(Reason.USER_NOT_FOUND)
            self._change_status(uow, user, status)
            uow.commit()
            return self._view_of(uow, uow.users.get(user_id)) or Rejected.of(Reason.USER_NOT_FOUND)

    def _change_status(self, uow: AccountsUnitOfWork, user: UserRecord, status: UserStatus) -> None:
        if user.status is not status:
            uow.users.set_status(user.id, status)
            uow.counters.bump(USERS_TOPIC)
            log.info("user status uid=%s status=%s", user.uid, status.value)

    def _view_of(self, uow: AccountsUnitOfWork, user: UserRecord | None) -> UserView | None:
        if user is None:
            return None
        status = user.status
        if user.master_id is not None and status is UserStatus.ACTIVE:
            master = uow.users.get(user.master_id)
            status = master.status if master is not None else UserStatus.FROZEN
        return user_view(user, status)

    def _new_uid(self, uow: AccountsUnitOfWork) -> str:
        """A random OKX-style uid: 16-18 digits, no leading zero, unique."""
        for _ in range(_UID_TRIES):
            pick = self._random.token_bytes(2)
            length = 16 + pick[0] % 3
            uid = "123456789"[pick[1] % 9] + self._random.digits(length - 1)
            if uow.users.find_by_uid(uid) is None:
                return uid
        raise RuntimeError("could not draw an unused uid")  # a broken RandomSource, not bad luck

    # --- sub-accounts ------------------------------------------------------------------------------
    def create_subaccount(self, master_id: int, name: str, label: str = "") -> UserView | Rejected:
        refusal = check_subaccount_name(name) or _check_label(label)
        if refusal is not None:
            return refusal
        with self._uow() as uow:
            master = self._active_master(uow, master_id)
            if isinstance(master, Rejected):
                return master
            if uow.users.find_by_sub_name(name) is not None:
                return Rejected.of(Reason.SUBACCOUNT_NAME_TAKEN, field="sub_account")
            new = NewUser(
                uid=self._new_uid(uow),
                created_ms=self._clock.now_ms(),
                sub_name=name,
                master_id=master.id,
                label=label,
            )
            try:
                sub = uow.users.add(new)
                uow.commit()
            except ConflictError:
                return Rejected.of(Reason.SUBACCOUNT_NAME_TAKEN, field="sub_account")
        log.info("sub-account created uid=%s master=%s", sub.uid, master.uid)
        return user_view(sub, sub.status)

    def get_subaccount(self, master_id: int, name: str) -> UserView | Rejected:
        with self._uow() as uow:
            sub = uow.users.find_by_sub_name(name)
            if sub is None or sub.master_id != master_id:
                return Rejected.of(Reason.SUBACCOUNT_NOT_FOUND)
            return self._view_of(uow, sub) or Rejected.of(Reason.SUBACCOUNT_NOT_FOUND)

    def list_subaccounts(
        self,
        master_id: int,
        *,
        enable: bool | None = None,
        name: str | None = None,
        after_ms: int | None = None,
        before_ms: int | None = None,
        limit: int = 100,
    ) -> list[SubAccountView]:
        """Newest first; `after_ms`/`before_ms` are OKX's exclusive creation-time bounds (older/newer)."""
        query = SubAccountQuery(enable, name, after_ms, before_ms, max(1, min(limit, LIST_LIMIT_MAX)))
        with self._uow() as uow:
            return [sub_account_view(sub) for sub in uow.users.list_subaccounts(master_id, query)]

    def set_subaccount_enabled(self, master_id: int, name: str, enabled: bool) -> UserView | Rejected:
        """The master freezes (enabled=False) or unfreezes one of its sub-accounts."""
        with self._uow() as uow:
            sub = self._own_subaccount(uow, master_id, name)
            if isinstance(sub, Rejected):
                return sub
            self._change_status(uow, sub, UserStatus.ACTIVE if enabled else UserStatus.FROZEN)
            uow.commit()
            return self._view_of(uow, uow.users.get(sub.id)) or Rejected.of(Reason.SUBACCOUNT_NOT_FOUND)

    def set_subaccount_transfer_out(self, master_id: int, name: str, allowed: bool) -> UserView | Rejected:
        """The master's approval: whether the sub-account's own API keys may transfer money out
        (OKX `canTransOut`; asset/transfer types 3 and 4 get 58119 without it)."""
        with self._uow() as uow:
            sub = self._own_subaccount(uow, master_id, name)
            if isinstance(sub, Rejected):
                return sub
            if sub.can_transfer_out is not allowed:
                uow.users.set_transfer_out(sub.id, allowed)
                uow.counters.bump(USERS_TOPIC)
                log.info("sub-account transfer-out uid=%s allowed=%s", sub.uid, allowed)
            uow.commit()
            return self._view_of(uow, uow.users.get(sub.id)) or Rejected.of(Reason.SUBACCOUNT_NOT_FOUND)

    def _own_subaccount(self, uow: AccountsUnitOfWork, master_id: int, name: str) -> UserRecord | Rejected:
        """The active master's sub-account called `name` (the master's own refusal first)."""
        master = self._active_master(uow, master_id)
        if isinstance(master, Rejected):
            return master
        sub = uow.users.find_by_sub_name(name)
        if sub is None or sub.master_id != master.id:
            return Rejected.of(Reason.SUBACCOUNT_NOT_FOUND)
        return sub

    def _active_master(self, uow: AccountsUnitOfWork, master_id: int) -> UserRecord | Rejected:
        master = uow.users.get(master_id)
        if master is None:
            return Rejected.of(Reason.USER_NOT_FOUND)
        if master.master_id is not None:
            return Rejected.of(Reason.MASTER_ONLY)
        if master.status is UserStatus.FROZEN:
            return Rejected.of(Reason.ACCOUNT_FROZEN)
        return master

    # --- email codes and two-factor (see accounts_security) ---------------------------------------
    def send_email_code(
        self, user_id: int, purpose: str, reference: str = "", *, ip: str | None = None
    ) -> Rejected | None:
        """Mail a 6-digit code for `purpose` (a CodePurpose value), valid 10 minutes, single use.
        A new code replaces earlier ones; a sub-account's code goes to (and is bound to) its master.
        EMAIL_CODE_TOO_FREQUENT (retry_after) past 3 unused codes for the same purpose and reference
        in 10 minutes, or past the hourly cap of client address `ip` (when the caller knows it)."""
        return self._security.send_email_code(user_id, purpose, reference, ip=ip[:IP_MAX] if ip else None)

    def issue_email_code(
        self, uow: AccountsUnitOfWork, user_id: int, purpose: CodePurpose, reference: str = ""
    ) -> IssuedCode | Rejected:
        """`send_email_code` in two steps: the code is stored in the caller's unit of work, and
        mailed by `mail_code` once that commits. A refusal has rolled the unit of work back."""
        return self._security.issue_email_code(uow, user_id, purpose, reference)

    def mail_code(self, issued: IssuedCode) -> Rejected | None:
        """Mail a code `issue_email_code` stored (after its commit)."""
        return self._security.mail_code(issued)

    def verify_email_code(
        self, user_id: int, purpose: str, code: str, reference: str = ""
    ) -> Rejected | None:
        """Consume the code mailed for `purpose` and `reference`."""
        return self._security.verify_email_code(user_id, purpose, code, reference)

    def verify_sensitive_action(
        self,
        user_id: int,
        purpose: str,
        *,
        totp_code: str | None,
        email_code: str | None,
        reference: str = "",
    ) -> Rejected | None:
        """An email code always, plus a fresh TOTP code with 2FA on; both consumed only if both pass."""
        return self._security.verify_sensitive_action(
            user_id, purpose, totp_code=totp_code, email_code=email_code, reference=reference
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
        """`verify_sensitive_action` inside the caller's unit of work, using up nothing yet: the
        caller spends the factors with `use_confirmation`, writes its change and commits once.
        Call it before writing anything: it commits the attempt counts (and a refusal's)."""
        return self._security.check_sensitive_action(
            uow, user_id, purpose, totp_code=totp_code, email_code=email_code, reference=reference
        )

    def check_email_code(
        self, uow: AccountsUnitOfWork, user_id: int, purpose: str, code: str, reference: str = ""
    ) -> Confirmation | Rejected:
        """`verify_email_code` inside the caller's unit of work, using up nothing yet (as above)."""
        return self._security.check_email_code(uow, user_id, purpose, code, reference)

    def check_totp_action(
        self, uow: AccountsUnitOfWork, user_id: int, purpose: CodePurpose, *, totp_code: str | None
    ) -> Confirmation | Rejected | None:
        """A TOTP code alone, in the caller's unit of work (None: the user has no 2FA to ask)."""
        return self._security.check_totp_action(uow, user_id, purpose, totp_code=totp_code)

    def use_confirmation(self, uow: AccountsUnitOfWork, confirmation: Confirmation) -> Rejected | None:
        """Spend checked factors in the caller's unit of work, without committing. A refusal means a
        concurrent request used one first: the caller must then leave without committing."""
        return self._security.use(uow, confirmation)

    def begin_totp(self, user_id: int) -> TotpEnrollment | Rejected:
        """A new secret, URI and QR code (shown once), waiting for `confirm_totp`."""
        return self._security.begin_totp(user_id)

    def confirm_totp(self, user_id: int, code: str) -> list[str] | Rejected:
        """Turn 2FA on with a first code; answers the ten recovery codes (shown once)."""
        return self._security.confirm_totp(user_id, code)

    def verify_second_factor(self, user_id: int, code: str) -> Rejected | None:
        """The login step after the password with 2FA on: a TOTP or a (single-use) recovery code."""
        return self._security.verify_second_factor(user_id, code)

    def disable_totp(self, user_id: int, code: str, email_code: str) -> Rejected | None:
        """Turn 2FA off with a TOTP or recovery code and the email code for `totp_disable`."""
        return self._security.disable_totp(user_id, code, email_code)

    # --- mail --------------------------------------------------------------------------------------
    def list_mail(self, email: str, limit: int = 50) -> list[MailView]:
        """Mail recorded in the embedded outbox for `email`, newest first (empty when SMTP is used).
        Codes that can no longer be used (used, expired, replaced) show blanked."""
        address = email.strip().lower()
        self._outbox.redact_spent(address, self._clock.now_ms())
        return self._outbox.list_for(address, max(1, min(limit, 1000)))


def _check_label(label: str) -> Rejected | None:
    if len(label) > LABEL_MAX or not label.isprintable():
        return Rejected.of(Reason.PARAM_ERROR, field="label")
    return None
