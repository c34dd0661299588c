"""API keys in the tests: policy-level builders (a key view, a signed request, no services) and `Kit`,
the key services over a real SQLite file (copied from the migrated template), a manual clock and fast
argon2, with builders for users, keys and signed requests."""

from __future__ import annotations

import hmac
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
from sandex.domain.keys.ips import UNBOUND, IpAllowList, parse_ip_list
from sandex.domain.keys.model import ApiKeyPolicyView, KeyState, Permission
from sandex.domain.keys.policy import SignedRequest
from sandex.domain.keys.timestamps import format_rest_timestamp
from sandex.runtime.crypto import AesGcmCipher, OsRandom
from sandex.runtime.hub import Hub
from sandex.runtime.mailers import OutboxMailer
from sandex.services.accounts.service import AccountsService
from sandex.services.accounts.views import UserView
from sandex.services.keys.auth import AuthService
from sandex.services.keys.events import KeyChanged
from sandex.services.keys.maintenance import KeyMaintenance
from sandex.services.keys.passphrases import PassphraseMac
from sandex.services.keys.service import KeysService
from sandex.services.keys.subaccounts import SubAccountKeysService
from sandex.services.keys.views import CreatedKey
from sandex.storage.db import create_db_engine, session_factory
from sandex.storage.repositories import SqlMailOutbox
from sandex.storage.uow import SqlUnitOfWork, unit_of_work_factory
from sandex.testing.clock import ManualClock
from tests.support.accounts import CountingHasher
from tests.support.db import migrated_sqlite_file
from tests.support.factories import PASSPHRASE, api_key, register, subaccount

NOW_MS = 1_787_416_800_000  # 2026-08-22T16:40:00Z
API_KEY = "b68428e0-1f2a-4c3d-8e9f-0a1b2c3d4e5f"
SECRET = "22582BD0CFF14C41EDBF1AB98506286D"
CLIENT_IP = "203.0.113.7"
MASTER_KEY = bytes(range(32))


# --- policy level: key views and signed requests, no services ------------------------------------
def ips(text: str) -> IpAllowList:
    parsed = parse_ip_list(text)
    assert isinstance(parsed, IpAllowList), parsed
    return parsed


def make_key(**changes: Any) -> ApiKeyPolicyView:
    """An active live read+trade key bound to CLIENT_IP, created a day before NOW_MS."""
    key = ApiKeyPolicyView(
        api_key=API_KEY,
        user_id=7,
        is_sub_account=False,
        environment=Environment.LIVE,
        state=KeyState.ACTIVE,
        perms=frozenset({Permission.READ_ONLY, Permission.TRADE}),
        secret=SECRET.encode(),
        passphrase_verifier="plain:" + PASSPHRASE,
        created_ms=NOW_MS - 86_400_000,
        ips=ips(CLIENT_IP),
    )
    return replace(key, **changes)


def unbound_key(**changes: Any) -> ApiKeyPolicyView:
    return make_key(ips=UNBOUND, **changes)


def signed(
    *,
    method: str = "GET",
    target: bytes | str = b"/api/v5/account/balance?ccy=BTC",
    body: bytes = b"",
    now_ms: int = NOW_MS,
    timestamp: str | None = None,
    secret: str = SECRET,
    **fields: Any,
) -> SignedRequest:
    """A correctly signed REST request (fields override anything after signing)."""
    ts = format_rest_timestamp(now_ms) if timestamp is None else timestamp
    sign = signing.sign(secret, signing.prehash(ts, method, target, body))
    request = SignedRequest(
        api_key=API_KEY,
        sign=sign,
        timestamp=ts,
        passphrase=PASSPHRASE,
        method=method,
        raw_target=target,
        body=body,
        client_ip=CLIENT_IP,
        demo=False,
    )
    return replace(request, **fields)


def plain_passphrase_check(verifier: str, candidate: str) -> bool:
    """Stands in for argon2: verifiers in these tests are "plain:<passphrase>"."""
    return hmac.compare_digest(verifier.encode(), ("plain:" + candidate).encode())


def lookup_of(*keys: ApiKeyPolicyView) -> Callable[[str], ApiKeyPolicyView | None]:
    table = {key.api_key: key for key in keys}
    return table.get


# --- service level: the key services on a real database ------------------------------------------


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
    passphrase_key: bytes | None = None

    def user(self, email: str = "alice@example.com") -> UserView:
        return register(self.accounts, email)

    def sub(self, master: UserView, name: str = "botdesk01") -> UserView:
        return subaccount(self.accounts, master, name)

    def key(
        self,
        user_id: int,
        label: str = "bot",
        perm: str = "read_only,trade",
        ip: str = CLIENT_IP,
        environment: Environment = Environment.LIVE,
        **fields: Any,
    ) -> CreatedKey:
        return api_key(self.keys, user_id, label, perm, ip, environment, **fields)

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
        """`created`'s request, signed at the kit's time (fields override anything after signing)."""
        signed_as_created = signed(
            method=method,
            target=target,
            body=body,
            now_ms=self.clock.now_ms(),
            secret=created.secret,
            api_key=created.info.api_key,
            passphrase=created.passphrase,
            demo=created.info.environment is Environment.DEMO,
            required_perm=perm,
        )
        return replace(signed_as_created, **fields)

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
        return make_kit(self.engine, cipher, ManualClock(self.clock.now_ms()), self.passphrase_key)

    @staticmethod
    def cipher_material() -> bytes:
        return MASTER_KEY


def make_kit(
    engine: Engine,
    cipher: AesGcmCipher | None = None,
    clock: ManualClock | None = None,
    passphrase_key: bytes | None = None,
) -> Kit:
    """Keys get argon2-hashed passphrases, as before fast verifiers; `passphrase_key` gives the
    server's fast (HMAC) verifiers instead."""
    sessions = session_factory(engine)
    clock = clock or ManualClock(NOW_MS)
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
    fast = None if passphrase_key is None else PassphraseMac(passphrase_key, random)
    auth = AuthService(uow, accounts, cipher, hasher, random, clock, fast=fast)
    hub.subscribe(KeyChanged, auth.on_key_changed)
    keys = KeysService(
        uow, accounts, cipher, hasher, random, clock, hub, fresh_use=auth.fresh_last_used, fast=fast
    )
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
        passphrase_key=passphrase_key,
    )
    hub.subscribe(KeyChanged, kit.events.append)
    return kit


def kit_on_copy(directory: Path, passphrase_key: bytes | None = None) -> Kit:
    """A kit on a copy of the migrated template in `directory`."""
    path = migrated_sqlite_file(directory / "keys.db")
    return make_kit(create_db_engine(f"sqlite:///{path}"), passphrase_key=passphrase_key)
