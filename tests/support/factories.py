"""Users, sub-accounts and API keys, made through the services as a user would make them, plus the test
data every area shares (one password, one passphrase, withdrawal addresses)."""

from __future__ import annotations

from typing import Any

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.keys.rules import CreateKeyRequest
from sandex.services.accounts.service import AccountsService
from sandex.services.accounts.views import UserView
from sandex.services.keys.service import KeysService
from sandex.services.keys.views import CreatedKey

PASSWORD = "Correct-Horse-9"
PASSPHRASE = "Sandex#2026"
LOOPBACK = "127.0.0.1"  # where in-process and threaded-server clients come from
ELSEWHERE = "198.51.100.7"  # an address the tests never come from (TEST-NET-2)
TRON_ADDR = "TXtvfb7cdrn6VX9H49mgio8bUxZ3DGfvYF"
XRP_ADDR = "rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY"
WITHDRAW = "read_only,withdraw"  # the permissions of a key that may withdraw


def register(accounts: AccountsService, email: str) -> UserView:
    """A new user with the shared password."""
    user = accounts.register(email, PASSWORD)
    assert not isinstance(user, Rejected), user
    return user


def registered(accounts: AccountsService, email: str) -> UserView:
    """The user with this email, registered first if there is none yet."""
    found = accounts.get_user_by_email(email)
    return found if found is not None else register(accounts, email)


def subaccount(accounts: AccountsService, master: UserView | int, name: str, label: str = "") -> UserView:
    master_id = master if isinstance(master, int) else master.id
    sub = accounts.create_subaccount(master_id, name, label)
    assert not isinstance(sub, Rejected), sub
    return sub


def api_key(
    keys: KeysService,
    user_id: int,
    label: str = "bot",
    perm: str = "read_only,trade",
    ip: str = LOOPBACK,
    environment: Environment = Environment.LIVE,
    **fields: Any,
) -> CreatedKey:
    """A key with the shared passphrase (`fields`: the rest of `CreateKeyRequest`)."""
    request = CreateKeyRequest(label, PASSPHRASE, perm, ip, **fields)
    created = keys.create(user_id, request, environment=environment)
    assert isinstance(created, CreatedKey), created
    return created


def environment_of(*, demo: bool) -> Environment:
    return Environment.DEMO if demo else Environment.LIVE
