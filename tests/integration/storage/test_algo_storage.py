"""Algo orders in storage on SQLite and PostgreSQL: every field round-trips exactly, the live ones
(and attached TP/SL waiting on their order) load back, reads filter and page like OKX's lists."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text

from sandex.domain.accounts.model import Environment
from sandex.domain.matching.order import OrdState, OrdType, Side, StpMode, TgtCcy
from sandex.domain.trading.algos import FINAL_STATES, AlgoOrdType, AlgoState, TriggerSide
from sandex.services.exchange.records import (
    AlgoRecord,
    ChangeSet,
    LedgerAccountKind,
    OrderRecord,
    TradeRecord,
)
from sandex.services.exchange.store import AlgoQuery, OrderQuery
from sandex.storage.db import create_db_engine, migrate, session_factory
from sandex.storage.repositories.exchange import SqlExchangeStore

D = Decimal
LIVE = Environment.LIVE
ALGO = 800_000_000_000_000_001
ALL_TYPES = frozenset(AlgoOrdType)


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


@pytest.fixture
def account(store: SqlExchangeStore) -> int:
    return store.ensure_account(1, LIVE, LedgerAccountKind.TRADING, 5)


def trailing(account: int, algo_id: int = ALGO, **kw: object) -> AlgoRecord:
    values: dict[str, object] = {
        "algo_id": algo_id,
        "environment": LIVE,
        "account_id": account,
        "inst_id": "BTC-USDT",
        "ord_type": AlgoOrdType.MOVE_ORDER_STOP,
        "side": Side.SELL,
        "sz": D("0.00000001"),
        "tgt_ccy": None,
        "td_mode": "cash",
        "state": AlgoState.LIVE,
        "algo_cl_ord_id": "t1",
        "tag": "ft",
        "reduce_only": False,
        "c_time": 1000,
        "u_time": 1001,
        "callback_ratio": D("0.015"),
        "active_px": D("61000.1"),
        "activated": False,
        "extreme_px": D("61234.5"),
        "move_trigger_px": D("60316"),
        "last_px": D("60000"),
    }
    values.update(kw)
    return AlgoRecord(**values)  # type: ignore[arg-type]


def fired(account: int, algo_id: int, state: AlgoState = AlgoState.EFFECTIVE) -> AlgoRecord:
    return AlgoRecord(
        algo_id,
        LIVE,
        account,
        "BTC-USDT",
        AlgoOrdType.CONDITIONAL,
        Side.SELL,
        D(1),
        TgtCcy.BASE_CCY,
        "cash",
        state,
        f"c{algo_id % 100}",
        "",
        True,
        1000,
        2000,
        tp_trigger_px=D(70000),
        tp_ord_px=D(-1),
        sl_trigger_px=D(55000),
        sl_ord_px=D(-1),
        ord_id=600_000_000_000_000_009,
        actual_sz=D(1),
        actual_px=D(-1),
        actual_side=TriggerSide.SL,
        trigger_time=2000,
        fail_code="insufficient_balance" if state is AlgoState.ORDER_FAILED else "",
    )


def test_every_field_round_trips_and_live_ones_load_back(
    store: SqlExchangeStore, engine: Engine, account: int
) -> None:
    live = trailing(account)
    waiting = trailing(
        account, ALGO + 1, ord_type=AlgoOrdType.OCO, waiting=True, parent_ord_id=600_000_000_000_000_001
    )
    done = fired(account, ALGO + 2)
    store.write(ChangeSet(algos=[live, waiting, done]), "me", 1000)
    assert store.algo(account, ALGO, "") == live
    assert store.algo(account, ALGO + 2, "") == done
    assert store.algo(account, ALGO + 1, "") is None  # waiting on its order: not shown yet
    assert store.algo(account, None, "t1") == live
    assert sorted(store.load_state(LIVE).algos) == sorted([live, waiting])
    assert store.load_state(Environment.DEMO).algos == []
    assert store.id_maxima().algo_id == ALGO + 2
    with engine.connect() as conn:
        raw = conn.execute(text(f"SELECT sz, tp_ord_px FROM algo_orders WHERE algo_id = {ALGO + 2}")).one()
    assert tuple(raw) == ("1", "-1")  # plain text, as every decimal column
    store.write(ChangeSet(algos=[live._replace(state=AlgoState.CANCELED, u_time=3000)]), "me", 3000)
    assert [a.algo_id for a in store.load_state(LIVE).algos] == [ALGO + 1]


def test_lists_filter_by_type_and_state_and_page_by_algo_id(store: SqlExchangeStore, account: int) -> None:
    rows = [
        fired(account, ALGO + i, AlgoState.ORDER_FAILED if i % 2 else AlgoState.EFFECTIVE) for i in range(5)
    ]
    store.write(ChangeSet(algos=[*rows, trailing(account, ALGO + 9)]), "me", 1000)
    history = store.algos(account, AlgoQuery(frozenset({AlgoOrdType.CONDITIONAL}), FINAL_STATES))
    assert [a.algo_id for a in history] == [ALGO + 4, ALGO + 3, ALGO + 2, ALGO + 1, ALGO]
    failed = store.algos(account, AlgoQuery(ALL_TYPES, frozenset({AlgoState.ORDER_FAILED})))
    assert [a.algo_id for a in failed] == [ALGO + 3, ALGO + 1]
    older = store.algos(account, AlgoQuery(ALL_TYPES, FINAL_STATES, after=ALGO + 3, limit=2))
    assert [a.algo_id for a in older] == [ALGO + 2, ALGO + 1]
    newer = store.algos(account, AlgoQuery(ALL_TYPES, FINAL_STATES, before=ALGO + 1, limit=2))
    assert [a.algo_id for a in newer] == [ALGO + 3, ALGO + 2]
    live = store.algos(
        account, AlgoQuery(frozenset({AlgoOrdType.MOVE_ORDER_STOP}), frozenset({AlgoState.LIVE}))
    )
    assert [a.algo_id for a in live] == [ALGO + 9]
    assert store.algos(account, AlgoQuery(ALL_TYPES, FINAL_STATES, inst_id="ETH-USDT")) == []


def test_an_order_keeps_the_algo_order_that_placed_it(store: SqlExchangeStore, account: int) -> None:
    order = OrderRecord(
        ord_id=600_000_000_000_000_009,
        environment=LIVE,
        account_id=account,
        inst_id="BTC-USDT",
        side=Side.SELL,
        ord_type=OrdType.MARKET,
        tgt_ccy=TgtCcy.BASE_CCY,
        td_mode="cash",
        px=None,
        sz=D(1),
        acc_fill_sz=D(1),
        fill_notional=D(55000),
        fee=0,
        fee_ccy="USDT",
        state=OrdState.FILLED,
        stp_mode=StpMode.CANCEL_MAKER,
        cancel_cause=None,
        cl_ord_id="",
        tag="",
        c_time=2000,
        u_time=2000,
        seq=0,
        algo_id=ALGO,
        algo_cl_ord_id="c1",
        source="7",
    )
    store.write(ChangeSet(orders=[order]), "me", 2000)
    [back] = store.orders(account, OrderQuery(pending=False))
    assert (back.algo_id, back.algo_cl_ord_id, back.source) == (ALGO, "c1", "7")


def test_last_prices_are_each_instruments_newest_trade(store: SqlExchangeStore) -> None:
    trades = [
        TradeRecord(100_000_001, LIVE, "BTC-USDT", D("60000.5"), D(1), Side.BUY, 1),
        TradeRecord(100_000_002, LIVE, "ETH-USDT", D(3000), D(1), Side.BUY, 2),
        TradeRecord(100_000_003, LIVE, "BTC-USDT", D("59999.9"), D(1), Side.SELL, 3),
        TradeRecord(100_000_004, Environment.DEMO, "BTC-USDT", D(1), D(1), Side.SELL, 4),
    ]
    store.write(ChangeSet(trades=trades), "me", 5)
    assert store.last_prices(LIVE, ["BTC-USDT", "ETH-USDT", "SOL-USDT"]) == {
        "BTC-USDT": D("59999.9"),
        "ETH-USDT": D(3000),
    }
