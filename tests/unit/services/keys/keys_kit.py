"""Key services over a real SQLite file (copied from a migrated template), a manual clock and fast
argon2, plus builders for users, keys and signed requests. Imported by module name."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyotp
from sqlalchemy import Engine

from sandex.domain.accounts.email_codes import CodePurpose
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.keys import signing
from sandex.domain.keys.model import Permission
from sandex.domain.keys.policy import SignedRequest
from sandex.domain.keys.rules import CreateKeyRequest
from sandex.domain.keys.timestamps import format_rest_timestamp
from sandex.runtime.crypto import AesGcmCipher, Argon2Hasher, OsRandom
from sandex.runtime.hub import Hub
from sandex.runtime.mailers import OutboxMailer
from sandex.services.accounts.service import AccountsService
from sandex.services.accounts.views import UserView
from sandex.services.keys.auth import AuthService
from sandex.services.keys.events import KeyChanged
from sandex.services.keys.maintenance import KeyMaintenance
from sandex.services.keys.service import KeysService
from sandex.services.keys.subaccounts import SubAccountKeysService
from sandex.services.keys.views import CreatedKey
from sandex.storage.db import create_db_engine, migrate, session_factory
from sandex.storage.repositories import SqlMailOutbox
from sandex.storage.uow import SqlUnitOfWork, unit_of_work_factory
from sandex.testing.clock import ManualClock

START_MS = 1_787_416_800_000  # 2026-08-22T16:40:00Z
PASSWORD = "Correct-Horse-9"
PASSPHRASE = "Sandex#2026"
CLIENT_IP = "203.0.113.7"
MASTER_KEY = bytes(range(32))


def migrated_template(directory: Path) -> Path:
    path = directory / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


class CountingHasher:
    """argon2 (fast) that counts verifications: the cache must spare most of them."""

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
    engine: Engine
    clock: ManualClock
    cipher: AesGcmCipher
    hasher: CountingHasher
    accounts: AccountsService
    keys: KeysService
    auth: AuthService
    maintenance: KeyMaintenance
    subs: SubAccountKeysService
    uow: Callable[[], SqlUnitOfWork]
    events: list[KeyChanged] = field(default_factory=list)

    def user(self, email: str = "alice@example.com") -> UserView:
        user = self.accounts.register(email, PASSWORD)
        assert not isinstance(user, Rejected), user
        return user

    def sub(self, master: UserView, name: str = "botdesk01") -> UserView:
        sub = self.accounts.create_subaccount(master.id, name)
        assert not isinstance(sub, Rejected), sub
        return sub

    def key(
        self,
        user_id: int,
        label: str = "bot",
        perm: str = "read_only,trade",
        ip: str = CLIENT_IP,
        environment: Environment = Environment.LIVE,
        **fields: Any,
    ) -> CreatedKey:
        request = CreateKeyRequest(label, PASSPHRASE, perm, ip, **fields)
        created = self.keys.create(user_id, request, environment=environment)
        assert not isinstance(created, Rejected), created
        return created

    def signed(
        self,
        created: CreatedKey,
        *,
        method: str = "GET",
        target: str = "/api/v5/account/config",
        body: bytes = b"",
        perm: Permission = Permission.READ_ONLY,
        **fields: Any,
    ) -> SignedRequest:
        timestamp = format_rest_timestamp(self.clock.now_ms())
        sign = signing.sign(created.secret, signing.prehash(timestamp, method, target, body))
        request = SignedRequest(
            api_key=created.info.api_key,
            sign=sign,
            timestamp=timestamp,
            passphrase=created.passphrase,
            method=method,
            raw_target=target,
            body=body,
            client_ip=CLIENT_IP,
            demo=created.info.environment is Environment.DEMO,
            required_perm=perm,
        )
        return replace(request, **fields)

    def email_code(self, email: str) -> str:
        mails = self.accounts.list_mail(email, 1)
        assert mails and mails[0].code, "no code mailed"
        return mails[0].code

    def send_code(self, user: UserView, purpose: CodePurpose, reference: str = "") -> str:
        assert self.accounts.send_email_code(user.id, purpose, reference) is None
        return self.email_code(user.email or "")

    def enable_totp(self, user: UserView) -> str:
        enrollment = self.accounts.begin_totp(user.id)
        assert not isinstance(enrollment, Rejected)
        assert not isinstance(self.accounts.confirm_totp(user.id, self.totp(enrollment.secret)), Rejected)
        self.clock.advance(seconds=30)  # the next code is a new step (replay guard)
        return enrollment.secret

    def totp(self, secret: str) -> str:
        return str(pyotp.TOTP(secret).at(self.clock.now_ms() // 1000))

    def second_process(self) -> Kit:
        """The same database seen by another process: its own services, caches and clock object."""
        return self.second_process_with(self.cipher)

    def second_process_with(self, cipher: AesGcmCipher) -> Kit:
        return make_kit(self.engine, cipher, ManualClock(self.clock.now_ms()))

    @staticmethod
    def cipher_material() -> bytes:
        return MASTER_KEY


def make_kit(engine: Engine, cipher: AesGcmCipher | None = None, clock: ManualClock | None = None) -> Kit:
    sessions = session_factory(engine)
    clock = clock or ManualClock(START_MS)
    cipher = cipher or AesGcmCipher({"mk-1": MASTER_KEY}, "mk-1")
    hasher, random = CountingHasher(), OsRandom()
    outbox = SqlMailOutbox(sessions)
    uow = unit_of_work_factory(sessions)
    accounts = AccountsService(
        uow,
        clock=clock,
        hasher=hasher,
        cipher=cipher,
        random=random,
        mailer=OutboxMailer(outbox, clock),
        outbox=outbox,
        email_pepper=b"p" * 32,
    )
    hub = Hub()
    auth = AuthService(uow, accounts, cipher, hasher, random, clock)
    hub.subscribe(KeyChanged, auth.on_key_changed)
    keys = KeysService(uow, accounts, cipher, hasher, random, clock, hub, fresh_use=auth.fresh_last_used)
    maintenance = KeyMaintenance(uow, clock, hub, fresh_use=auth.fresh_last_used)
    kit = Kit(
        engine,
        clock,
        cipher,
        hasher,
        accounts,
        keys,
        auth,
        maintenance,
        SubAccountKeysService(keys, accounts),
        uow,
    )
    hub.subscribe(KeyChanged, kit.events.append)
    return kit


def kit_on_copy(template: Path, directory: Path) -> Kit:
    path = directory / "keys.db"
    shutil.copyfile(template, path)
    return make_kit(create_db_engine(f"sqlite:///{path}"))
