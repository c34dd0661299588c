"""A running sandex with a funded user whose key may withdraw, for the ccxt and python-okx funding
tests (imported by module name).

Money arrives as operators send it (`sandex deposit --to funding`, through the inbox); withdrawal
addresses are added the way the console will add them (an emailed code, read from the outbox).
Time moves by shifting the server's clock (`Funded.travel`): its funding clock then moves
withdrawals on by itself, as it does in production.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from compat_support import PASSPHRASE, Creds
from typer.testing import CliRunner

from sandex.cli.main import app as cli
from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.keys.rules import CreateKeyRequest
from sandex.services.keys.views import CreatedKey
from sandex.testing.server import RunningServer, serve_in_thread

T = TypeVar("T")
EMAIL = "treasury@example.test"
FRIEND = "friend@example.test"
TRON_ADDR = "TXtvfb7cdrn6VX9H49mgio8bUxZ3DGfvYF"
XRP_ADDR = "rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY"
WITHDRAWAL_MS = 10_000  # review + broadcast with the default timing


@dataclass(frozen=True)
class Funded:
    server: RunningServer
    uid: str
    creds: Creds  # read, trade and withdraw; bound to 127.0.0.1
    friend_uid: str

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def travel(self, ms: int) -> None:
        self.server.runtime.clock.advance(ms)


def deposit(data_dir: Path, email: str, ccy: str, amount: str) -> None:
    args = ["deposit", email, ccy, amount, "--to", "funding", "--data-dir", str(data_dir)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output


def eventually(probe: Callable[[], T], done: Callable[[T], bool], timeout_s: float = 5.0) -> T:
    deadline = time.monotonic() + timeout_s
    value = probe()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.05)
        value = probe()
    return value


@contextmanager
def funded_world(data_dir: Path) -> Iterator[Funded]:
    with serve_in_thread(Settings(data_dir=data_dir, rate_limits="off")) as server:
        rt = server.runtime
        user = rt.accounts.register(EMAIL, "Correct-Horse-9")
        friend = rt.accounts.register(FRIEND, "Correct-Horse-9")
        assert not isinstance(user, Rejected) and not isinstance(friend, Rejected)
        request = CreateKeyRequest("treasury", PASSPHRASE, "read_only,trade,withdraw", "127.0.0.1")
        created = rt.keys.keys.create(user.id, request, environment=Environment.LIVE)
        assert isinstance(created, CreatedKey), created
        book = rt.funding.addresses
        for chain, addr, tag in (
            ("USDT-TRC20", TRON_ADDR, ""),
            ("XRP-Ripple", XRP_ADDR, "7"),
            ("", FRIEND, ""),
        ):
            assert book.send_add_code(user.id, chain=chain, addr=addr, tag=tag) is None
            code = rt.accounts.list_mail(EMAIL)[0].code
            added = book.add(user.id, chain=chain, addr=addr, tag=tag, totp_code=None, email_code=code)
            assert not isinstance(added, Rejected), added
        deposit(data_dir, EMAIL, "USDT", "1000")
        deposit(data_dir, EMAIL, "XRP", "50")
        yield Funded(server, user.uid, Creds.of(created), friend.uid)
