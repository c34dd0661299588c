"""A real sandex server for the swap compat tests (ccxt, ccxt.pro, python-okx): traders in Futures
mode with USDT, the mark steered and the clock advanced through the control API, as an operator or a
CI script does it next to a running server.

The simulated market is off: the swap book holds only what the tests place (a second trader is the
counterparty), so fills are at known prices. `world.trader()` makes a new funded trader. Marks still
flow (the mark feed steps on its own) and `steer_mark` pins them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from sandex.client.models import Credentials
from sandex.client.sync import ControlClient, OkxClient
from sandex.config import Settings
from sandex.testing.server import RunningServer, serve_in_thread
from tests.support.db import migrated_data_dir
from tests.support.factories import api_key, registered
from tests.support.okx import Creds
from tests.support.polling import eventually
from tests.support.ws import subscriptions

SWAP = "BTC-USDT-SWAP"
SYMBOL = "BTC/USDT:USDT"  # ccxt's name of it
INDEX = "BTC-USDT"
START_PX = Decimal("50000")
READY_S = 60.0  # generous: only a failing test waits this long


@dataclass(frozen=True)
class SwapTrader:
    uid: str
    creds: Creds


@dataclass(frozen=True)
class SwapWorld:
    server: RunningServer
    data_dir: Path
    control: ControlClient
    usdt: str  # what each new trader gets
    _made: list[str] = field(default_factory=list)

    def trader(self, name: str = "trader") -> SwapTrader:
        """A new user in Futures mode with USDT and a read+trade key: each test gets its own, so a
        failing test leaves no position behind for the next."""
        rt = self.server.runtime
        self._made.append(name)
        user = registered(rt.accounts, f"{name}{len(self._made)}@example.test")
        self.control.deposit(user.uid, "USDT", self.usdt)
        self.control.set_account_mode(user.uid, "futures")
        made = SwapTrader(user.uid, Creds.of(api_key(rt.keys.keys, user.id, "swaps"), user.uid))
        wait_for_usdt(self, made)
        return made

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://", 1) + "/ws/v5"

    def subscriptions(self, channel: str) -> int:
        """Connections the server has subscribed to `channel`: the signal that a client is ready."""
        return subscriptions(self.server.app.state.ws, channel)

    def steer_mark(self, px: Decimal | str, inst_id: str = SWAP) -> None:
        """Pin the mark at `px` and wait until the public mark-price endpoint shows it."""
        self.control.set_mark(inst_id, px)
        wait_for_mark(self.base_url, Decimal(px), inst_id)

    def advance_clock(self, *, ms: int) -> None:
        self.control.advance_clock(ms=ms)

    def ms_to_next_funding(self, inst_id: str = SWAP) -> int:
        rate = public(self.base_url, "/api/v5/public/funding-rate", instId=inst_id)[0]
        now = int(public(self.base_url, "/api/v5/public/time")[0]["ts"])
        return int(rate["fundingTime"]) - now


def swap_settings(data_dir: Path) -> Settings:
    """No rate limits, no simulated market, on a copied template database."""
    return Settings(data_dir=migrated_data_dir(data_dir), rate_limits="off", market=False)


@contextmanager
def swap_world(data_dir: Path, *, usdt: str = "100000") -> Iterator[SwapWorld]:
    with serve_in_thread(swap_settings(data_dir)) as server:
        rt = server.runtime
        with ControlClient(server.base_url, rt.admin_token, timeout=30) as control:
            world = SwapWorld(server, data_dir, control, usdt)
            control.set_price(INDEX, START_PX)  # the index the mark is clamped around
            world.steer_mark(START_PX)
            yield world


def public(base_url: str, path: str, **params: str) -> list[dict[str, Any]]:
    answer = httpx.get(base_url + path, params=params, timeout=30).json()
    assert answer.get("code") == "0", (path, params, answer)
    data: list[dict[str, Any]] = answer["data"]
    return data


def wait_for_mark(base_url: str, px: Decimal, inst_id: str = SWAP) -> None:
    def mark() -> Decimal | None:
        answer = httpx.get(
            base_url + "/api/v5/public/mark-price", params={"instType": "SWAP", "instId": inst_id}, timeout=30
        ).json()
        rows = answer.get("data") or []
        return Decimal(rows[0]["markPx"]) if rows else None

    found = eventually(mark, lambda seen: seen == px, READY_S)
    assert found == px, f"the mark of {inst_id} did not reach {px}: {found}"


def okx(world: SwapWorld, trader: SwapTrader) -> OkxClient:
    """sandex's own OKX client with the trader's key (for checks the client under test cannot make)."""
    creds = trader.creds
    client = OkxClient(world.base_url, Credentials(creds.api_key, creds.secret, creds.passphrase), timeout=30)
    client.sync_time()  # signs with the server's clock, which a test may have moved ahead
    return client


def wait_for_usdt(world: SwapWorld, trader: SwapTrader) -> None:
    """A deposit goes through the sequencer: wait until the trading account shows it."""
    with okx(world, trader) as client:

        def usdt() -> Decimal:
            details = client.request("GET", "/api/v5/account/balance", {"ccy": "USDT"})[0]["details"]
            return Decimal(details[0]["availBal"]) if details else Decimal(0)

        found = eventually(usdt, lambda seen: seen > 0, READY_S)
    assert found > 0, f"{trader.uid} never got USDT"
