"""The accounts service over an in-memory store with real transactions (copy on enter, swap on commit).

The fakes keep the service tests fast and independent of SQL; the same flows run against SQLite and
PostgreSQL in tests/integration/storage/test_accounts_*.py.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import TracebackType

import pyotp

from sandex.domain.accounts.email_codes import CodePurpose, EmailCode
from sandex.domain.accounts.lockout import FailureCounter
from sandex.domain.accounts.model import UserStatus
from sandex.runtime.crypto import AesGcmCipher, Argon2Hasher
from sandex.runtime.mailers import OutboxMailer
from sandex.services.accounts.mail import MailMessage, MailView, redact_code
from sandex.services.accounts.ports import (
    ConflictError,
    LoginRecord,
    MailDeliveryError,
    NewUser,
    StoredEmailCode,
    SubAccountQuery,
    UserRecord,
)
from sandex.services.accounts.service import AccountsService
from sandex.testing.clock import ManualClock

START_MS = 1_750_000_000_000


@dataclass
class State:
    users: dict[int, UserRecord] = field(default_factory=dict)
    recovery: dict[int, tuple[int, str, int | None]] = field(default_factory=dict)  # id: user, hash, used
    counters: dict[tuple[str, str], FailureCounter] = field(default_factory=dict)
    logins: list[tuple[int, LoginRecord]] = field(default_factory=list)
    codes: dict[int, tuple[int, EmailCode, int | None]] = field(default_factory=dict)  # id: user, code, used
    changes: dict[str, int] = field(default_factory=dict)
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


class MemoryStore:
    def __init__(self) -> None:
        self.state = State()
        self.commits = 0


class MemoryUsers:
    def __init__(self, state: State) -> None:
        self.s = state

    def add(self, user: NewUser) -> UserRecord:
        for other in self.s.users.values():
            same = {(other.uid, user.uid), (other.email, user.email), (other.sub_name, user.sub_name)}
            if any(a is not None and a == b for a, b in same):
                raise ConflictError("duplicate")
        record = UserRecord(
            id=self.s.new_id(),
            uid=user.uid,
            email=user.email,
            sub_name=user.sub_name,
            master_id=user.master_id,
            label=user.label,
            password_hash=user.password_hash,
            status=UserStatus.ACTIVE,
            created_ms=user.created_ms,
            totp_secret_ct=None,
            totp_key_id=None,
            totp_enabled=False,
            totp_last_step=0,
            can_transfer_out=True,
        )
        self.s.users[record.id] = record
        return record

    def get(self, user_id: int) -> UserRecord | None:
        return self.s.users.get(user_id)

    def _find(self, **match: object) -> UserRecord | None:
        for user in self.s.users.values():
            if all(getattr(user, k) == v for k, v in match.items()):
                return user
        return None

    def find_by_email(self, email: str) -> UserRecord | None:
        return self._find(email=email)

    def find_by_uid(self, uid: str) -> UserRecord | None:
        return self._find(uid=uid)

    def find_by_sub_name(self, name: str) -> UserRecord | None:
        return self._find(sub_name=name)

    def list_masters(self, limit: int, *, people_only: bool = False) -> list[UserRecord]:
        masters = [u for u in self.s.users.values() if u.master_id is None]
        if people_only:  # sandex's own users have no email
            masters = [u for u in masters if u.email is not None]
        return sorted(masters, key=lambda u: -u.id)[:limit]

    def list_subaccounts(self, master_id: int, query: SubAccountQuery) -> list[UserRecord]:
        subs = [u for u in self.s.users.values() if u.master_id == master_id]
        if query.enable is not None:
            subs = [u for u in subs if (u.status is UserStatus.ACTIVE) == query.enable]
        if query.name is not None:
            subs = [u for u in subs if u.sub_name == query.name]
        if query.after_ms is not None:
            subs = [u for u in subs if u.created_ms < query.after_ms]
        if query.before_ms is not None:
            subs = [u for u in subs if u.created_ms > query.before_ms]
        return sorted(subs, key=lambda u: (-u.created_ms, -u.id))[: query.limit]

    def _set(self, user_id: int, **values: object) -> None:
        self.s.users[user_id] = replace(self.s.users[user_id], **values)  # type: ignore[arg-type]

    def set_status(self, user_id: int, status: UserStatus) -> None:
        self._set(user_id, status=status)

    def set_transfer_out(self, user_id: int, allowed: bool) -> None:
        self._set(user_id, can_transfer_out=allowed)

    def set_totp(
        self,
        user_id: int,
        *,
        secret_ct: bytes | None,
        key_id: str | None,
        enabled: bool,
        last_step: int | None = None,
    ) -> None:
        self._set(user_id, totp_secret_ct=secret_ct, totp_key_id=key_id, totp_enabled=enabled)
        if last_step is not None:
            self._set(user_id, totp_last_step=last_step)

    def advance_totp_step(self, user_id: int, step: int) -> bool:
        if self.s.users[user_id].totp_last_step >= step:
            return False
        self._set(user_id, totp_last_step=step)
        return True

    def replace_recovery_codes(self, user_id: int, hashes: list[str]) -> None:
        self.s.recovery = {k: v for k, v in self.s.recovery.items() if v[0] != user_id}
        for hashed in hashes:
            self.s.recovery[self.s.new_id()] = (user_id, hashed, None)

    def unused_recovery_codes(self, user_id: int) -> list[tuple[int, str]]:
        return [
            (k, h) for k, (u, h, used) in sorted(self.s.recovery.items()) if u == user_id and used is None
        ]

    def use_recovery_code(self, code_id: int, now_ms: int) -> bool:
        user_id, hashed, used = self.s.recovery[code_id]
        self.s.recovery[code_id] = (user_id, hashed, used or now_ms)
        return used is None


class MemoryLogins:
    def __init__(self, state: State) -> None:
        self.s = state

    def counter(self, scope: str, subject: str) -> FailureCounter:
        return self.s.counters.get((scope, subject), FailureCounter())

    def change_counter(
        self, scope: str, subject: str, change: Callable[[FailureCounter], FailureCounter | None]
    ) -> tuple[FailureCounter, FailureCounter | None]:
        before = self.counter(scope, subject)
        after = change(before)
        if after is not None:
            self.s.counters[(scope, subject)] = after
        return before, after

    def record_login(self, user_id: int, record: LoginRecord) -> None:
        self.s.logins.append((user_id, record))

    def recent_logins(self, user_id: int, limit: int) -> list[LoginRecord]:
        return [r for u, r in reversed(self.s.logins) if u == user_id][:limit]


class MemoryCodes:
    def __init__(self, state: State) -> None:
        self.s = state

    def add(self, user_id: int, code: EmailCode) -> int:
        code_id = self.s.new_id()
        self.s.codes[code_id] = (user_id, code, None)
        return code_id

    def latest(self, user_id: int, purpose: CodePurpose, reference: str) -> StoredEmailCode | None:
        for code_id in sorted(self.s.codes, reverse=True):
            owner, code, _ = self.s.codes[code_id]
            if owner == user_id and code.purpose is purpose and code.subject == reference:
                return StoredEmailCode(code_id, code)
        return None

    def supersede(self, user_id: int, purpose: CodePurpose, reference: str, now_ms: int) -> None:
        for code_id, (owner, code, used) in list(self.s.codes.items()):
            same = owner == user_id and code.purpose is purpose and code.subject == reference
            if same and used is None and code.expires_at_ms > now_ms:
                self.s.codes[code_id] = (owner, replace(code, expires_at_ms=now_ms), used)

    def reserve_attempt(self, code_id: int, now_ms: int, max_attempts: int) -> bool:
        owner, code, used = self.s.codes[code_id]
        if used is not None or code.expires_at_ms <= now_ms or code.attempts >= max_attempts:
            return False
        self.s.codes[code_id] = (owner, replace(code, attempts=code.attempts + 1), used)
        return True

    def use(self, code_id: int, now_ms: int) -> bool:
        owner, code, used = self.s.codes[code_id]
        if used is not None:
            return False
        self.s.codes[code_id] = (owner, replace(code, used=True, attempts=max(0, code.attempts - 1)), now_ms)
        return True


class MemoryCounters:
    def __init__(self, state: State) -> None:
        self.s = state

    def bump(self, topic: str) -> None:
        self.s.changes[topic] = self.s.changes.get(topic, 0) + 1

    def version(self, topic: str) -> int:
        return self.s.changes.get(topic, 0)


class MemoryUnitOfWork:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def __enter__(self) -> MemoryUnitOfWork:
        self._bind(copy.deepcopy(self._store.state))
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def _bind(self, state: State) -> None:
        self._state = state
        self.users = MemoryUsers(state)
        self.logins = MemoryLogins(state)
        self.email_codes = MemoryCodes(state)
        self.counters = MemoryCounters(state)

    def commit(self) -> None:
        self._store.state = copy.deepcopy(self._state)
        self._store.commits += 1

    def rollback(self) -> None:
        self._bind(copy.deepcopy(self._store.state))


class ListOutbox:
    """The outbox over a memory store: blanks a code once the store says it is spent."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self.mails: list[MailView] = []
        self._codes: dict[int, int] = {}  # mail id: code id, while the code is shown

    def add(self, message: MailMessage, created_ms: int) -> None:
        mail = MailView(len(self.mails) + 1, message.to, message.subject, message.body, created_ms)
        self.mails.append(mail)
        if message.code_id is not None:
            self._codes[mail.id] = message.code_id

    def redact_spent(self, to: str, now_ms: int) -> None:
        for index, mail in enumerate(self.mails):
            code_id = self._codes.get(mail.id)
            if mail.to != to or code_id is None or self._live(code_id, now_ms):
                continue
            self.mails[index] = replace(mail, body=redact_code(mail.body))
            del self._codes[mail.id]

    def _live(self, code_id: int, now_ms: int) -> bool:
        found = self._store.state.codes.get(code_id)
        return found is not None and found[2] is None and found[1].expires_at_ms > now_ms

    def list_for(self, to: str, limit: int) -> list[MailView]:
        return [m for m in reversed(self.mails) if m.to == to][:limit]


class BrokenMailer:
    def send(self, message: MailMessage) -> None:
        raise MailDeliveryError("SMTPServerDisconnected from 127.0.0.1:1")


class SeededRandom:
    """Deterministic RandomSource for reproducible tests."""

    def __init__(self, seed: int = 7) -> None:
        self._rng = random.Random(seed)

    def token_bytes(self, n: int) -> bytes:
        return self._rng.randbytes(n)

    def digits(self, n: int) -> str:
        return "".join(self._rng.choice("0123456789") for _ in range(n))


class CountingHasher:
    """The real (fast) argon2 hasher, counting verifications (the key cache must spare most of them)."""

    def __init__(self) -> None:
        self._inner = Argon2Hasher(fast=True)
        self.verifications = 0

    def hash(self, secret: str) -> str:
        return self._inner.hash(secret)

    def verify(self, hashed: str, secret: str) -> bool:
        self.verifications += 1
        return self._inner.verify(hashed, secret)


@dataclass
class Kit:
    service: AccountsService
    store: MemoryStore
    clock: ManualClock
    outbox: ListOutbox
    hasher: CountingHasher

    def user_count(self) -> int:
        return len(self.store.state.users)

    def last_code(self, to: str) -> str:
        mails = self.outbox.list_for(to, 1)
        assert mails and mails[0].code is not None, f"no code mailed to {to}"
        return mails[0].code

    def totp_now(self, secret: str, *, offset_steps: int = 0) -> str:
        """What an authenticator app shows (pyotp: an implementation independent of ours)."""
        return str(pyotp.TOTP(secret).at(self.clock.now_ms() // 1000 + 30 * offset_steps))


def make_kit(*, broken_mail: bool = False) -> Kit:
    store, clock, hasher = MemoryStore(), ManualClock(START_MS), CountingHasher()
    outbox = ListOutbox(store)
    cipher = AesGcmCipher({"k1": b"k" * 32}, "k1")
    service = AccountsService(
        lambda: MemoryUnitOfWork(store),
        clock=clock,
        hasher=hasher,
        cipher=cipher,
        random=SeededRandom(),
        mailer=BrokenMailer() if broken_mail else OutboxMailer(outbox, clock),
        outbox=outbox,
        email_pepper=b"p" * 32,
    )
    return Kit(service, store, clock, outbox, hasher)


def wrong_code(code: str) -> str:
    """A six-digit code that is surely not `code`."""
    return f"{(int(code) + 1) % 1_000_000:06d}"
