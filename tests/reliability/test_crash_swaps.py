"""Kill -9 the server while two Futures-mode accounts stream crossing swap orders (the market moving
the marks all along), restart it: acknowledged means durable for positions too (issue 19).

After the kill every order that got code 0 is in the database, each stored position is what the
stored fills add up to, money is conserved per currency over every account (clearing and insurance
included, both may be negative), and loading the database twice gives the same state digest (a
restart is deterministic). The restarted server trades on.
"""

from __future__ import annotations

import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sandex.process import Runtime
from sandex.services.exchange.core import ExchangeCore
from sandex.storage.orm.swaps import PositionRow
from sandex.storage.orm.trading import FillRow, LedgerAccountRow, LedgerBalanceRow, OrderRow, PostingRow
from tests.reliability.test_crash import ORDER, _cli, _db, _signed_post, _trader, killed_mid_stream

pytestmark = pytest.mark.slow

SWAP = "BTC-USDT-SWAP"


def _prepare(data_dir: Path) -> dict[str, dict[str, Any]]:
    """Two users in Futures mode (net, cross), each with 1,000,000 USDT and a trading key."""
    keys: dict[str, dict[str, Any]] = {}
    for name in ("buyer", "seller"):
        email = f"{name}@example.test"
        keys[name] = _trader(email, data_dir)
        _cli("deposit", email, "USDT", "1000000", data_dir=data_dir)
        _cli("user", "account-mode", email, "futures", data_dir=data_dir)
    return keys


class Around:
    """Swap order bodies a few dollars either side of the mark the server showed at the start (well
    inside the ±2 % price limit), so that the two streams cross often."""

    def __init__(self) -> None:
        self.mark = Decimal(0)

    def fetch_mark(self, base_url: str) -> None:
        deadline = time.monotonic() + 120  # the first market step publishes the marks
        while time.monotonic() < deadline:
            reply = httpx.get(
                f"{base_url}/api/v5/public/mark-price", params={"instType": "SWAP", "instId": SWAP}, timeout=5
            ).json()
            if reply.get("code") == "0" and reply["data"] and reply["data"][0].get("markPx"):
                self.mark = Decimal(reply["data"][0]["markPx"]).quantize(Decimal(1))
                return
            time.sleep(0.2)
        raise AssertionError(f"no mark price for {SWAP}")

    def body(self, side: str, i: int) -> dict[str, str]:
        offset = (i % 7) - 3
        px = self.mark + (offset if side == "sell" else -offset)
        return {
            "instId": SWAP,
            "tdMode": "cross",
            "side": side,
            "ordType": "limit",
            "px": str(px),
            "sz": "1",
            "clOrdId": f"{side[0]}{i}",
        }


def _check_positions_match_fills(rt: Runtime, accounts: set[int]) -> None:
    with rt.sessions() as s:
        fills = s.execute(select(FillRow).where(FillRow.inst_id == SWAP)).scalars().all()
        live = s.execute(select(PositionRow).where(PositionRow.state == "live")).scalars().all()
    implied: dict[int, Decimal] = defaultdict(Decimal)
    for f in fills:
        if f.account_id in accounts:
            implied[f.account_id] += f.sz if f.side == "buy" else -f.sz
    assert any(implied.values()), "the stream should have opened positions"
    stored = {p.account_id: p.pos for p in live if p.account_id in accounts and p.inst_id == SWAP}
    assert stored == {a: pos for a, pos in implied.items() if pos}, "positions differ from their fills"


def _check_conserved(rt: Runtime) -> None:
    with rt.sessions() as s:
        balances = s.execute(select(LedgerBalanceRow)).scalars().all()
        external_rows = (
            s.execute(select(PostingRow).where(PostingRow.reason.in_(("deposit", "withdrawal"))))
            .scalars()
            .all()
        )
    totals: dict[str, int] = defaultdict(int)
    for b in balances:
        assert b.frozen >= 0
        totals[b.ccy] += b.available + b.frozen
    external: dict[str, int] = defaultdict(int)
    for p in external_rows:
        external[p.ccy] += p.delta_available + p.delta_frozen
    assert {c: v for c, v in totals.items() if v} == {c: v for c, v in external.items() if v}


def _digest(rt: Runtime) -> str:
    core = ExchangeCore(rt.catalogue, rt.trading.store)
    core.load()
    return core.state_digest()


def test_sigkill_during_a_stream_of_swap_orders_keeps_positions_and_money_whole(tmp_path: Path) -> None:
    data_dir, log = tmp_path / "data", tmp_path / "server.log"
    keys = _prepare(data_dir)
    around = Around()
    with killed_mid_stream(data_dir, keys, log, body=around.body, started=around.fetch_mark) as crash:
        rt = _db(data_dir)
        try:
            with rt.sessions() as s:
                stored = {str(i) for i in s.execute(select(OrderRow.ord_id)).scalars()}
            missing = set(crash.acked) - stored
            assert not missing, f"{len(missing)} acknowledged orders lost"
            users = [rt.accounts.get_user_by_email(f"{n}@example.test") for n in ("buyer", "seller")]
            user_ids = [u.id for u in users if u is not None]
            with rt.sessions() as s:
                rows = s.execute(select(LedgerAccountRow).where(LedgerAccountRow.user_id.in_(user_ids)))
                accounts = {a.id for a in rows.scalars()}
            _check_positions_match_fills(rt, accounts)
            _check_conserved(rt)
            assert _digest(rt) == _digest(rt), "two loads of the same database differ"
        finally:
            rt.engine.dispose()

        crash.restart()  # the restarted server trades on from the recovered books and positions
        headers, raw = _signed_post(keys["buyer"], around.body("buy", 10_000))
        reply = httpx.post(f"{crash.base_url}{ORDER}", content=raw, headers=headers, timeout=10).json()
        assert reply["code"] == "0" and reply["data"][0]["sCode"] == "0", reply
