"""Exchange-core storage on SQLite and PostgreSQL: exact amounts, the group commit, lease and inbox."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text

from sandex.domain.accounts.model import Environment
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import OrdState, OrdType, Side, StpMode, TgtCcy
from sandex.services.exchange.records import (
    BalanceRecord,
    ChangeSet,
    ExecType,
    FillRecord,
    InboxOutcome,
    LedgerAccountKind,
    OrderRecord,
    PostingRecord,
    TradeRecord,
)
from sandex.services.exchange.store import BillQuery, FillQuery, LeaseLostError, OrderQuery
from sandex.storage.db import create_db_engine, migrate, session_factory
from sandex.storage.repositories.exchange import SqlExchangeStore

HUGE = 10**30 + 7  # 1e12 BTC in 10**-18 units: far beyond 64 bits
LIVE = Environment.LIVE


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
    return SqlExchangeStore(session_factory(engine))


def _order(account: int, ord_id: int = 600_000_000_000_000_001, **kw: Any) -> OrderRecord:
    values: dict[str, Any] = {
        "ord_id": ord_id,
        "environment": LIVE,
        "account_id": account,
        "inst_id": "BTC-USDT",
        "side": Side.BUY,
        "ord_type": OrdType.LIMIT,
        "tgt_ccy": TgtCcy.BASE_CCY,
        "td_mode": "cash",
        "px": Decimal("50000.1"),
        "sz": Decimal("0.00000001"),
        "acc_fill_sz": Decimal(0),
        "fill_notional": Decimal(0),
        "fee": HUGE,
        "fee_ccy": "BTC",
        "state": OrdState.LIVE,
        "stp_mode": StpMode.CANCEL_MAKER,
        "cancel_cause": None,
        "cl_ord_id": "c1",
        "tag": "",
        "c_time": 1000,
        "u_time": 1000,
        "seq": 3,
    }
    values.update(kw)
    return OrderRecord(**values)


def _changes(account: int) -> ChangeSet:
    return ChangeSet(
        orders=[_order(account)],
        fills=[
            FillRecord(
                700_000_000_000_000_002,
                100_000_000,
                LIVE,
                600_000_000_000_000_001,
                account,
                "BTC-USDT",
                Side.BUY,
                Decimal("50000.1"),
                Decimal("0.00000001"),
                ExecType.MAKER,
                HUGE,
                "BTC",
                Decimal("0.0008"),
                "c1",
                "",
                2000,
            )
        ],
        trades=[
            TradeRecord(
                100_000_000, LIVE, "BTC-USDT", Decimal("50000.1"), Decimal("0.00000001"), Side.SELL, 2000
            )
        ],
        postings=[
            PostingRecord(
                700_000_000_000_000_001,
                account,
                "BTC",
                HUGE,
                0,
                HUGE,
                0,
                PostingReason.DEPOSIT,
                1,
                None,
                "",
                1000,
            ),
            PostingRecord(
                700_000_000_000_000_002,
                account,
                "BTC",
                -5,
                5,
                HUGE - 5,
                5,
                PostingReason.FREEZE,
                600_000_000_000_000_001,
                600_000_000_000_000_001,
                "BTC-USDT",
                1000,
            ),
        ],
        balances=[BalanceRecord(account, "BTC", HUGE - 5, 5, 1000)],
    )


def test_big_amounts_and_decimals_round_trip_exactly(store: SqlExchangeStore, engine: Engine) -> None:
    account = store.ensure_account(1, LIVE, LedgerAccountKind.TRADING, 5)
    assert store.acquire_lease("me", 1000, 3000)
    store.write(_changes(account), "me", 1000)
    [balance] = store.balances(account)
    assert (balance.available, balance.frozen) == (HUGE - 5, 5)
    [order] = store.orders(account, OrderQuery(pending=True))
    assert order == _order(account)
    with engine.connect() as conn:
        raw_px, raw_sz = conn.execute(text("SELECT px, sz FROM orders")).one()
        kind = conn.execute(text("SELECT available FROM balances")).scalar()
    assert (raw_px, raw_sz) == ("50000.1", "0.00000001")  # plain text, never 1E-8
    assert int(kind) == HUGE - 5  # exact on both backends (text on SQLite, numeric(78,0) on PostgreSQL)
    [fill] = store.fills(account, FillQuery())
    assert (fill.fee, fill.px, fill.exec_type) == (HUGE, Decimal("50000.1"), ExecType.MAKER)
    bills = store.bills(account, BillQuery())
    assert [b.reason for b in bills] == [PostingReason.DEPOSIT]  # a freeze is not a bill
    assert bills[0].delta_available == HUGE
    assert store.id_maxima().ord_id == 600_000_000_000_000_001
    assert store.id_maxima().bill_id == 700_000_000_000_000_002
    state = store.load_state(LIVE)
    assert [o.ord_id for o in state.pending_orders] == [600_000_000_000_000_001]
    assert state.last_seqs == {"BTC-USDT": 3}
    assert store.load_state(Environment.DEMO).balances == []


def test_a_writer_without_the_lease_writes_nothing(store: SqlExchangeStore) -> None:
    account = store.ensure_account(1, LIVE, LedgerAccountKind.TRADING, 5)
    assert store.acquire_lease("owner", 1000, 3000)
    with pytest.raises(LeaseLostError):
        store.write(_changes(account), "intruder", 1000)
    assert store.balances(account) == []
    assert store.orders(account, OrderQuery(pending=True)) == []


def test_the_lease_is_exclusive_until_released_or_stale(store: SqlExchangeStore) -> None:
    assert store.lease_holder() == ("", 0)
    assert store.acquire_lease("a", 10_000, 3000)
    assert not store.acquire_lease("b", 11_000, 3000)
    assert store.acquire_lease("a", 11_000, 3000)  # re-taking one's own lease refreshes it
    assert store.heartbeat("a", 12_000) and not store.heartbeat("b", 12_000)
    assert store.acquire_lease("b", 15_001, 3000)  # a's heartbeat is over 3 s old
    assert not store.heartbeat("a", 15_002)
    store.release_lease("a")  # not a's any more: no effect
    assert store.lease_holder() == ("b", 15_001)
    store.release_lease("b")
    assert store.acquire_lease("c", 15_003, 3000)


def test_the_inbox_hands_out_pending_items_until_they_are_done(store: SqlExchangeStore) -> None:
    first = store.add_inbox("deposit", '{"a": 1}', 100)
    second = store.add_inbox("deposit", '{"a": 2}', 101)
    assert [i.id for i in store.pending_inbox(10)] == [first, second]
    assert store.inbox_outcome(first) is None
    assert store.acquire_lease("me", 1000, 3000)
    store.write(ChangeSet(inbox=[InboxOutcome(first, "done", '{"ok": true}', 200)]), "me", 1000)
    assert [i.id for i in store.pending_inbox(10)] == [second]
    assert store.inbox_outcome(first) == InboxOutcome(first, "done", '{"ok": true}', 200)


def test_accounts_are_created_once_and_fee_accounts_exist(store: SqlExchangeStore) -> None:
    a = store.ensure_account(1, LIVE, LedgerAccountKind.TRADING, 5)
    assert store.ensure_account(1, LIVE, LedgerAccountKind.TRADING, 6) == a
    funding = store.ensure_account(1, LIVE, LedgerAccountKind.FUNDING, 5)
    demo = store.ensure_account(1, Environment.DEMO, LedgerAccountKind.TRADING, 5)
    assert len({a, funding, demo}) == 3
    assert store.find_account(1, Environment.DEMO, LedgerAccountKind.FUNDING) is None
    fees = {store.fee_account(LIVE), store.fee_account(Environment.DEMO)}
    assert len(fees) == 2 and not fees & {a, funding, demo}
    [record] = store.accounts([a])
    assert (record.user_id, record.environment, record.kind) == (1, LIVE, LedgerAccountKind.TRADING)


def test_the_highest_deposit_id_is_read_from_deposit_postings_alone(store: SqlExchangeStore) -> None:
    """A restart numbers the next deposit after the highest one stored, whatever came after it (the
    read goes through an index of deposit postings only: migration 0016)."""
    account = store.ensure_account(1, LIVE, LedgerAccountKind.TRADING, 5)
    assert store.acquire_lease("me", 1000, 3000)

    def posting(bill_id: int, reason: PostingReason, ref: int) -> PostingRecord:
        return PostingRecord(bill_id, account, "BTC", 1, 0, bill_id, 0, reason, ref, None, "", 1000)

    bill = 700_000_000_000_000_000
    deposits = [posting(bill + 1, PostingReason.DEPOSIT, 5), posting(bill + 2, PostingReason.DEPOSIT, 9)]
    # later postings with larger refs (order and trade ids) are not deposits
    others = [posting(bill + 3 + n, PostingReason.TRADE, 600_000_000_000_000_000 + n) for n in range(3)]
    store.write(ChangeSet(postings=[*deposits, *others]), "me", 1000)
    assert store.id_maxima().deposit_id == 9
    store.write(ChangeSet(postings=[posting(bill + 10, PostingReason.DEPOSIT, 12)]), "me", 1000)
    assert store.id_maxima().deposit_id == 12
