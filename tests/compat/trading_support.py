"""A running sandex with two funded traders, for the ccxt and python-okx trading tests.

Imported by module name. Money arrives the way operators and CI scripts send it: `sandex deposit`
(the CLI writes the inbox, the running server's sequencer applies it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from compat_support import PASSPHRASE, Creds
from typer.testing import CliRunner

from sandex.cli.main import app as cli
from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.keys.rules import CreateKeyRequest
from sandex.services.keys.views import CreatedKey
from sandex.testing.server import RunningServer, serve_in_thread


@dataclass(frozen=True)
class TradingWorld:
    server: RunningServer
    alice: Creds  # live key; the trader under test
    alice_demo: Creds  # demo key of the same user
    bob: Creds  # live key of a counterparty who sells to alice

    @property
    def base_url(self) -> str:
        return self.server.base_url


def deposit(data_dir: Path, email: str, ccy: str, amount: str, *, demo: bool = False) -> None:
    args = ["deposit", email, ccy, amount, "--data-dir", str(data_dir)] + (["--demo"] if demo else [])
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output


@contextmanager
def trading_world(data_dir: Path) -> Iterator[TradingWorld]:
    with serve_in_thread(Settings(data_dir=data_dir, rate_limits="off")) as server:
        accounts, keys = server.runtime.accounts, server.runtime.keys.keys

        def key(email: str, env: Environment = Environment.LIVE) -> Creds:
            user = accounts.get_user_by_email(email) or accounts.register(email, "Correct-Horse-9")
            assert not isinstance(user, Rejected), user
            wanted = CreateKeyRequest(f"{env.value}key", PASSPHRASE, "read_only,trade", "127.0.0.1")
            created = keys.create(user.id, wanted, environment=env)
            assert isinstance(created, CreatedKey), created
            return Creds.of(created)

        world = TradingWorld(
            server,
            key("alice@example.test"),
            key("alice@example.test", Environment.DEMO),
            key("bob@example.test"),
        )
        deposit(data_dir, "alice@example.test", "USDT", "10000")
        deposit(data_dir, "alice@example.test", "USDT", "5000", demo=True)
        deposit(data_dir, "bob@example.test", "BTC", "1")
        yield world
