"""Real threaded sandex servers (uvicorn on 127.0.0.1) with funded users and their keys, for the tests
that drive unmodified clients (ccxt, python-okx) over real sockets.

Money arrives the way operators and CI scripts send it: `sandex deposit` (the CLI writes the inbox,
the running server's sequencer applies it). Withdrawal addresses are added the way the console adds
them (an emailed code, read from the outbox).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from sandex.cli.main import app as cli
from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.testing.server import RunningServer, serve_in_thread
from tests.support.db import migrated_data_dir
from tests.support.factories import TRON_ADDR, XRP_ADDR, api_key, register, registered
from tests.support.okx import Creds

SUB_NAME = "botdesk01"
FRIEND = "friend@example.test"
TREASURY = "treasury@example.test"
WITHDRAWAL_MS = 10_000  # review + broadcast with the default timing


def server_settings(data_dir: Path) -> Settings:
    """No rate limits, on a copied template database."""
    return Settings(data_dir=migrated_data_dir(data_dir), rate_limits="off")


def cli_deposit(
    data_dir: Path, email: str, ccy: str, amount: str, *, demo: bool = False, to: str = ""
) -> None:
    """`sandex deposit` in this process, as an operator would run it next to the server."""
    args = ["deposit", email, ccy, amount, "--data-dir", str(data_dir)]
    args += (["--demo"] if demo else []) + (["--to", to] if to else [])
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output


# --- the compat world: one user, a sub-account, keys -------------------------------------------------
@dataclass(frozen=True)
class World:
    server: RunningServer
    uid: str
    sub_uid: str
    live: Creds  # read+trade, bound to 127.0.0.1
    demo: Creds  # the same, in the demo environment
    elsewhere: Creds  # bound to an address the tests never come from
    sub_key: str  # a key of the sub-account, for modify-apikey

    @property
    def base_url(self) -> str:
        return self.server.base_url


# --- trading_world: two funded traders ---------------------------------------------------------------
@dataclass(frozen=True)
class TradingWorld:
    server: RunningServer
    alice: Creds  # live key; the trader under test
    alice_demo: Creds  # demo key of the same user
    bob: Creds  # live key of a counterparty who sells to alice

    @property
    def base_url(self) -> str:
        return self.server.base_url


@contextmanager
def trading_world(data_dir: Path) -> Iterator[TradingWorld]:
    with serve_in_thread(server_settings(data_dir)) as server:
        accounts, keys = server.runtime.accounts, server.runtime.keys.keys

        def key(email: str, env: Environment = Environment.LIVE) -> Creds:
            user = registered(accounts, email)
            return Creds.of(api_key(keys, user.id, f"{env.value}key", environment=env))

        world = TradingWorld(
            server,
            key("alice@example.test"),
            key("alice@example.test", Environment.DEMO),
            key("bob@example.test"),
        )
        cli_deposit(data_dir, "alice@example.test", "USDT", "10000")
        cli_deposit(data_dir, "alice@example.test", "USDT", "5000", demo=True)
        cli_deposit(data_dir, "bob@example.test", "BTC", "1")
        yield world


# --- funded_world: a user whose key may withdraw -----------------------------------------------------
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
        """Shift the server's clock: its funding clock then moves withdrawals on by itself."""
        self.server.runtime.clock.advance(ms)


@contextmanager
def funded_world(data_dir: Path) -> Iterator[Funded]:
    with serve_in_thread(server_settings(data_dir)) as server:
        rt = server.runtime
        user, friend = register(rt.accounts, TREASURY), register(rt.accounts, FRIEND)
        created = api_key(rt.keys.keys, user.id, "treasury", "read_only,trade,withdraw")
        book = rt.funding.addresses
        for chain, addr, tag in (
            ("USDT-TRC20", TRON_ADDR, ""),
            ("XRP-Ripple", XRP_ADDR, "7"),
            ("", FRIEND, ""),
        ):
            assert book.send_add_code(user.id, chain=chain, addr=addr, tag=tag) is None
            code = rt.accounts.list_mail(TREASURY)[0].code
            added = book.add(user.id, chain=chain, addr=addr, tag=tag, totp_code=None, email_code=code)
            assert not isinstance(added, Rejected), added
        cli_deposit(data_dir, TREASURY, "USDT", "1000", to="funding")
        cli_deposit(data_dir, TREASURY, "XRP", "50", to="funding")
        yield Funded(server, user.uid, Creds.of(created), friend.uid)
