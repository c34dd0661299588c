"""Swap algo orders in storage: position side, closeFraction, cxlOnClosePos and each leg's trigger
price type round-trip and load back (migration 0015); lists filter spot and swap apart."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import PosSide
from sandex.domain.matching.order import Side
from sandex.domain.trading.algos import AlgoOrdType, AlgoState
from sandex.services.exchange.records import AlgoRecord, ChangeSet, LedgerAccountKind
from sandex.services.exchange.store import AlgoQuery
from sandex.storage.db import create_db_engine, migrate, session_factory
from sandex.storage.repositories.exchange import SqlExchangeStore

D = Decimal
LIVE = Environment.LIVE
ALGO = 800_000_000_000_000_001


@pytest.fixture
def engine(migrated_database_url: str) -> Iterator[Engine]:
    eng = create_db_engine(migrated_database_url)
    migrate(eng)
    with eng.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (uid, email, label, status, created_ms, totp_enabled, totp_last_step, "
                "can_transfer_out) VALUES ('1001', 'a@example.test', '', 'active', 0, false, 0, true)"
            )
        )
    yield eng
    eng.dispose()


@pytest.fixture
def store(engine: Engine) -> SqlExchangeStore:
    sql = SqlExchangeStore(session_factory(engine))
    assert sql.acquire_lease("me", 1000, 3000)
    return sql


def stop(account: int, algo_id: int, inst_id: str, td_mode: str, **kw: object) -> AlgoRecord:
    values: dict[str, object] = {
        "algo_id": algo_id,
        "environment": LIVE,
        "account_id": account,
        "inst_id": inst_id,
        "ord_type": AlgoOrdType.OCO,
        "side": Side.SELL,
        "sz": D("0"),
        "tgt_ccy": None,
        "td_mode": td_mode,
        "state": AlgoState.LIVE,
        "algo_cl_ord_id": "",
        "tag": "",
        "reduce_only": True,
        "c_time": 1000,
        "u_time": 1001,
        "tp_trigger_px": D("70000.1"),
        "tp_ord_px": D(-1),
        "sl_trigger_px": D("55000.2"),
        "sl_ord_px": D(-1),
        "last_px": D(60000),
    }
    values.update(kw)
    return AlgoRecord(**values)  # type: ignore[arg-type]


def test_swap_fields_round_trip_and_load_back(store: SqlExchangeStore) -> None:
    account = store.ensure_account(1, LIVE, LedgerAccountKind.TRADING, 5)
    swap = stop(
        account,
        ALGO,
        "BTC-USDT-SWAP",
        "isolated",
        pos_side=PosSide.LONG,
        close_fraction=True,
        cxl_on_close_pos=True,
        tp_trigger_px_type="index",
        sl_trigger_px_type="mark",
    )
    trigger = stop(
        account,
        ALGO + 1,
        "ETH-USDT-SWAP",
        "cross",
        ord_type=AlgoOrdType.TRIGGER,
        sz=D(3),
        tp_trigger_px=None,
        tp_ord_px=None,
        sl_trigger_px=None,
        sl_ord_px=None,
        trigger_px=D(2000),
        ord_px=D(-1),
        trigger_px_type="mark",
        placed_px=D("2100.5"),
    )
    spot = stop(account, ALGO + 2, "BTC-USDT", "cash", sz=D(1), reduce_only=False)
    store.write(ChangeSet(algos=[swap, trigger, spot]), "me", 1000)
    assert store.algo(account, ALGO, "") == swap
    assert store.algo(account, ALGO + 1, "") == trigger
    assert store.algo(account, ALGO + 2, "") == spot  # spot keeps the defaults: no side, last price
    assert sorted(store.load_state(LIVE).algos) == sorted([swap, trigger, spot])
    every = frozenset(AlgoOrdType)
    live = frozenset({AlgoState.LIVE})
    swaps = store.algos(account, AlgoQuery(every, live, inst_type="SWAP"))
    assert [a.algo_id for a in swaps] == [ALGO + 1, ALGO]
    spots = store.algos(account, AlgoQuery(every, live, inst_type="SPOT"))
    assert [a.algo_id for a in spots] == [ALGO + 2]
