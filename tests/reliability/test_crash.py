"""Kill -9 the server in the middle of a stream of acknowledged orders, restart it, check nothing broke.

Acknowledged means durable (ARCHITECTURE.md decision 3): every order the client got `sCode "0"`
for must be in the database after the restart, every fill must be whole (one trade, two sides,
both orders and every balance moved), money is conserved, and what is frozen is exactly what the
open orders need, so no command was half-applied.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sandex.cli.main import app as cli
from sandex.config import Settings
from sandex.domain.instruments import Catalogue
from sandex.domain.ledger.amounts import to_amount
from sandex.process import Runtime, open_runtime
from sandex.storage.orm.trading import (
    FillRow,
    LedgerAccountRow,
    LedgerBalanceRow,
    OrderRow,
    PostingRow,
    TradeRow,
)
from sandex.testing.failover import signed_order as _signed_post  # as an OKX client signs it

pytestmark = pytest.mark.slow

PASSWORD = "Correct-Horse-9"
PASSPHRASE = "Sandex#2026"
ORDER = "/api/v5/trade/order"
KILL_AFTER_ACKS = 150
PENDING = ("live", "partially_filled")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _cli(*args: str, data_dir: Path) -> str:
    result = CliRunner().invoke(cli, [*args, "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _trader(email: str, data_dir: Path) -> dict[str, Any]:
    """A user with a trading key (the dict `sandex key add --json` prints)."""
    _cli("user", "add", email, "--password", PASSWORD, data_dir=data_dir)
    created = _cli(
        "key",
        "add",
        email,
        "--label",
        "bot",
        "--passphrase",
        PASSPHRASE,
        "--perm",
        "read_only,trade",
        "--json",
        data_dir=data_dir,
    )
    key: dict[str, Any] = json.loads(created)
    return key


def _prepare(data_dir: Path) -> dict[str, dict[str, Any]]:
    keys: dict[str, dict[str, Any]] = {}
    for name, ccy, amount in (("buyer", "USDT", "1000000"), ("seller", "BTC", "100")):
        email = f"{name}@example.test"
        keys[name] = _trader(email, data_dir)
        _cli("deposit", email, ccy, amount, data_dir=data_dir)
    return keys


def _start(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandex",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--rate-limits",
            "off",
            "--log-level",
            "warning",
        ],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    deadline = time.monotonic() + 120  # a first start on a loaded 2-core box can take ~45 s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v5/public/time", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"server did not start; log:\n{log.read_text()}")


OrderBody = Callable[[str, int], dict[str, str]]  # (side, i) -> the i-th order's body


def spot_order(side: str, i: int) -> dict[str, str]:
    offset = (i % 7) - 3  # prices around 100 on both sides: many cross
    px = 100 + (offset if side == "sell" else -offset)
    return {
        "instId": "BTC-USDT",
        "tdMode": "cash",
        "side": side,
        "ordType": "limit",
        "px": str(px),
        "sz": "0.01",
        "clOrdId": f"{side[0]}{i}",
    }


class Stream(threading.Thread):
    """One trader sending orders one after another until the server goes away."""

    def __init__(
        self,
        base_url: str,
        key: dict[str, Any],
        side: str,
        acked: list[str],
        stop: threading.Event,
        body: OrderBody = spot_order,
    ) -> None:
        super().__init__(daemon=True)
        self.base_url, self.key, self.side, self.acked, self.stop = base_url, key, side, acked, stop
        self.body = body

    def run(self) -> None:
        i = 0
        with httpx.Client(base_url=self.base_url, timeout=5) as http:
            while not self.stop.is_set():
                i += 1
                headers, raw = _signed_post(self.key, self.body(self.side, i))
                try:
                    reply = http.post(ORDER, content=raw, headers=headers).json()
                except (httpx.TransportError, ValueError):
                    return  # the server was killed: an unanswered order may or may not exist
                item = reply["data"][0]
                if reply["code"] == "0" and item["sCode"] == "0":
                    self.acked.append(item["ordId"])


def _db(data_dir: Path) -> Runtime:
    return open_runtime(Settings(data_dir=data_dir), fast_hashing=True)


def _check_fills_whole(rt: Runtime) -> None:
    with rt.sessions() as s:
        trades = {t.trade_id: t for t in s.execute(select(TradeRow)).scalars()}
        fills = list(s.execute(select(FillRow)).scalars())
        orders = {o.ord_id: o for o in s.execute(select(OrderRow)).scalars()}
        trade_postings = {
            p.ref for p in s.execute(select(PostingRow).where(PostingRow.reason == "trade")).scalars()
        }
    per_trade: dict[int, list[FillRow]] = defaultdict(list)
    filled: dict[int, Decimal] = defaultdict(Decimal)
    for f in fills:
        per_trade[f.trade_id].append(f)
        filled[f.ord_id] += f.sz
    assert trades, "the stream should have produced fills"
    assert set(per_trade) == set(trades) == trade_postings
    for trade_id, pair in per_trade.items():
        assert sorted(f.exec_type for f in pair) == ["M", "T"], trade_id
        assert {f.sz for f in pair} == {trades[trade_id].sz}
    for ord_id, order in orders.items():
        assert filled.get(ord_id, Decimal(0)) == order.acc_fill_sz, ord_id
        if order.state == "filled":
            assert order.acc_fill_sz == order.sz


def _check_money(rt: Runtime, catalogue: Catalogue) -> None:
    with rt.sessions() as s:
        balances = s.execute(select(LedgerBalanceRow)).scalars().all()
        deposits = s.execute(select(PostingRow).where(PostingRow.reason == "deposit")).scalars().all()
        pending = s.execute(select(OrderRow).where(OrderRow.state.in_(PENDING))).scalars().all()
        accounts = s.execute(select(LedgerAccountRow)).scalars().all()
    totals: dict[str, int] = defaultdict(int)
    for b in balances:
        assert b.available >= 0 and b.frozen >= 0
        totals[b.ccy] += b.available + b.frozen
    external: dict[str, int] = defaultdict(int)
    for p in deposits:
        external[p.ccy] += p.delta_available
    assert dict(totals) == dict(external), "money was created or destroyed"
    need: dict[tuple[int, str], int] = defaultdict(int)
    for o in pending:
        inst = catalogue.instrument(o.inst_id)
        assert inst is not None and o.px is not None
        left = o.sz - o.acc_fill_sz
        ccy, amount = (inst.quote_ccy, o.px * left) if o.side == "buy" else (inst.base_ccy, left)
        units = to_amount(amount)
        assert units is not None
        need[(o.account_id, ccy)] += units
    frozen = {(b.account_id, b.ccy): b.frozen for b in balances if b.frozen}
    assert frozen == {k: v for k, v in need.items() if v}, "frozen funds do not match the open orders"
    assert len(accounts) >= 4  # two traders + two fee accounts


@dataclass
class Crashed:
    """A server killed mid-stream: the orders it acknowledged before, and how to restart it."""

    data_dir: Path
    port: int
    log: Path
    acked: list[str]
    procs: list[subprocess.Popen[bytes]]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def restart(self) -> None:
        self.procs.append(_start(self.data_dir, self.port, self.log))


@contextlib.contextmanager
def killed_mid_stream(
    data_dir: Path,
    keys: dict[str, Any],
    log: Path,
    body: OrderBody = spot_order,
    started: Callable[[str], None] | None = None,
) -> Iterator[Crashed]:
    """Start a server, let two traders stream crossing orders (`body`) until `KILL_AFTER_ACKS` are
    acknowledged, SIGKILL it while both have requests in flight, and stop the streams; every
    server still running is killed on the way out. `started(base_url)` runs before the streams."""
    port = _free_port()
    procs = [_start(data_dir, port, log)]
    acked: list[str] = []
    stop = threading.Event()
    base_url = f"http://127.0.0.1:{port}"
    streams = [
        Stream(base_url, keys["buyer"], "buy", acked, stop, body),
        Stream(base_url, keys["seller"], "sell", acked, stop, body),
    ]
    try:
        if started is not None:
            started(base_url)
        for s in streams:
            s.start()
        deadline = time.monotonic() + 60
        while len(acked) < KILL_AFTER_ACKS and time.monotonic() < deadline:
            time.sleep(0.005)
        assert len(acked) >= KILL_AFTER_ACKS, (
            f"only {len(acked)} orders acknowledged; log:\n{log.read_text()}"
        )
        os.kill(procs[0].pid, signal.SIGKILL)  # mid-stream: both traders have requests in flight
        procs[0].wait(timeout=10)
        stop.set()
        for s in streams:
            s.join(timeout=10)
        yield Crashed(data_dir, port, log, list(acked), procs)
    finally:
        stop.set()
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)


def test_sigkill_during_a_stream_of_orders_loses_nothing_acknowledged(tmp_path: Path) -> None:
    data_dir, log = tmp_path / "data", tmp_path / "server.log"
    keys = _prepare(data_dir)
    with killed_mid_stream(data_dir, keys, log) as crash:
        crash.restart()
        rt = _db(data_dir)
        try:
            with rt.sessions() as s:
                stored = {str(i) for i in s.execute(select(OrderRow.ord_id)).scalars()}
            missing = set(crash.acked) - stored
            assert not missing, f"{len(missing)} acknowledged orders lost"
            _check_fills_whole(rt)
            _check_money(rt, rt.catalogue)
        finally:
            rt.engine.dispose()
        # the restarted server trades on from the recovered books
        headers, raw = _signed_post(
            keys["buyer"],
            {
                "instId": "BTC-USDT",
                "tdMode": "cash",
                "side": "buy",
                "ordType": "limit",
                "px": "150",
                "sz": "0.01",
            },
        )
        reply = httpx.post(f"{crash.base_url}{ORDER}", content=raw, headers=headers, timeout=5).json()
        assert reply["code"] == "0", reply
