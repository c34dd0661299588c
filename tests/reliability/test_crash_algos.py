"""Kill -9 the server while trades fire live algo orders, restart it: none lost, none fired twice.

Stop losses are placed first (through the command inbox, as the CLI does: committed before the
server starts). Two traders then stream crossing orders around 100 through the REST API, which
fires the stops whose trigger the trades reach, and the server is killed mid-stream. After the
restart every stop is still there, each `effective` one placed exactly one order (carrying its
`algoId`) and the others none; a sweep down to 94 then fires every stop it reaches, once.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sandex.cli.inbox import enqueue
from sandex.domain.accounts.model import Environment
from sandex.domain.matching.order import Side
from sandex.domain.trading.algos import MARKET_PX, AlgoOrdType, AlgoSpec
from sandex.process import Runtime
from sandex.runtime.sequencer import drain_inbox
from sandex.services.exchange.commands import PlaceAlgos
from sandex.services.exchange.records import LedgerAccountKind
from sandex.storage.orm.trading import AlgoOrderRow, OrderRow
from tests.reliability.test_crash import (
    ORDER,
    _check_fills_whole,
    _check_money,
    _db,
    _prepare,
    _signed_post,
    killed_mid_stream,
)

pytestmark = pytest.mark.slow

TRIGGERS = ("99", "98.5", "98", "97.5", "96", "95", "50")  # the stream trades at 97-103
SWEEP = Decimal(94)


def _place_stops(data_dir: Path) -> None:
    rt = _db(data_dir)
    try:
        seller = rt.accounts.get_user_by_email("seller@example.test")
        assert seller is not None
        account = rt.trading.store.ensure_account(seller.id, Environment.LIVE, LedgerAccountKind.TRADING, 0)
        specs = tuple(
            AlgoSpec(
                "BTC-USDT",
                AlgoOrdType.CONDITIONAL,
                Side.SELL,
                Decimal("0.01"),
                algo_cl_ord_id=f"stop{i}",
                sl_trigger_px=Decimal(px),
                sl_ord_px=MARKET_PX,
            )
            for i, px in enumerate(TRIGGERS)
        )
        item = enqueue(rt, PlaceAlgos(Environment.LIVE, account, specs))
        assert drain_inbox(rt.trading.core, rt.trading.store, rt.clock) == 1
        outcome = rt.trading.store.inbox_outcome(item)
        assert outcome is not None and outcome.state == "done", outcome
    finally:
        rt.engine.dispose()


def _algos(rt: Runtime) -> dict[str, AlgoOrderRow]:
    with rt.sessions() as s:
        return {a.algo_cl_ord_id: a for a in s.execute(select(AlgoOrderRow)).scalars()}


def _check_each_fired_once(data_dir: Path) -> dict[str, AlgoOrderRow]:
    rt = _db(data_dir)
    try:
        algos = _algos(rt)
        with rt.sessions() as s:
            placed = Counter(
                a for a in s.execute(select(OrderRow.algo_id).where(OrderRow.algo_id.is_not(None))).scalars()
            )
            by_algo = {
                o.algo_id: o
                for o in s.execute(select(OrderRow).where(OrderRow.algo_id.is_not(None))).scalars()
            }
        assert set(algos) == {f"stop{i}" for i in range(len(TRIGGERS))}, "an acknowledged algo order was lost"
        for name, algo in algos.items():
            if algo.state == "effective":
                assert placed[algo.algo_id] == 1, (name, placed[algo.algo_id])
                assert by_algo[algo.algo_id].ord_id == algo.ord_id and by_algo[algo.algo_id].source == "7"
            else:
                assert algo.state == "live" and placed[algo.algo_id] == 0, (name, algo.state)
        _check_fills_whole(rt)
        _check_money(rt, rt.catalogue)
        return algos
    finally:
        rt.engine.dispose()


def _post(base_url: str, key: dict[str, Any], side: str, px: Decimal, sz: str) -> None:
    body = {"instId": "BTC-USDT", "tdMode": "cash", "side": side, "ordType": "limit", "px": str(px), "sz": sz}
    headers, raw = _signed_post(key, body)
    reply = httpx.post(f"{base_url}{ORDER}", content=raw, headers=headers, timeout=5).json()
    assert reply["code"] == "0" and reply["data"][0]["sCode"] == "0", reply


def test_sigkill_while_trades_fire_algo_orders_loses_none_and_fires_none_twice(tmp_path: Path) -> None:
    data_dir, log = tmp_path / "data", tmp_path / "server.log"
    keys = _prepare(data_dir)
    _place_stops(data_dir)
    with killed_mid_stream(data_dir, keys, log) as crash:
        _check_each_fired_once(data_dir)  # (the stream's trades fire the stop at 99 before the kill)

        crash.restart()
        _post(crash.base_url, keys["buyer"], "buy", SWEEP, "10")  # where the stops' market sells land
        _post(crash.base_url, keys["seller"], "sell", SWEEP, "5")  # sweeps every bid down to 94
        algos = _check_each_fired_once(data_dir)
        for i, px in enumerate(TRIGGERS):
            fired = algos[f"stop{i}"].state == "effective"
            assert fired is (Decimal(px) >= SWEEP), (px, algos[f"stop{i}"].state)
