"""Funding storage on SQLite and PostgreSQL: exact amounts, upserts by id, what the writer rebuilds
from, history filters and cursors, the address book and allow-lists."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from sandex.domain.accounts.model import Environment
from sandex.domain.funding.model import (
    AccountType,
    AddrType,
    DepositState,
    DepositType,
    Dest,
    TransferState,
    TransferType,
    WithdrawalState,
)
from sandex.domain.funding.withdrawals import AllowedAddress
from sandex.services.exchange.records import (
    DepositRecord,
    FundingChanges,
    LedgerAccountKind,
    TransferRecord,
    WithdrawalRecord,
)
from sandex.services.exchange.store import HistoryQuery
from sandex.services.funding.ports import AddressRecord, AllowListRecord
from sandex.storage.db import create_db_engine, migrate, session_factory
from sandex.storage.repositories.exchange import SqlExchangeStore
from sandex.storage.repositories.funding import SqlFundingStore
from sandex.storage.repositories.funding_addresses import SqlAddressBook
from sandex.storage.repositories.funding_rows import write_funding_rows
from sandex.storage.uow import SqlUnitOfWork

LIVE, DEMO = Environment.LIVE, Environment.DEMO
HUGE = 10**30 + 7  # far beyond 64 bits
T0 = 1_700_000_000_000


@pytest.fixture
def sessions(migrated_database_url: str) -> Iterator[sessionmaker[Session]]:
    engine: Engine = create_db_engine(migrated_database_url)
    migrate(engine)
    with engine.begin() as conn:
        for uid, email in (("1001", "a@example.test"), ("1002", "b@example.test")):
            conn.execute(
                text(
                    "INSERT INTO users (uid, email, label, status, created_ms, totp_enabled, totp_last_step, "
                    f"can_transfer_out) VALUES ('{uid}', '{email}', '', 'active', 0, false, 0, true)"
                )
            )
    yield session_factory(engine)
    engine.dispose()


def _withdrawal(wd_id: int, account: int, **kw: Any) -> WithdrawalRecord:
    values: dict[str, Any] = {
        "wd_id": wd_id,
        "environment": LIVE,
        "user_id": 1,
        "account_id": account,
        "ccy": "USDT",
        "chain": "USDT-TRC20",
        "amount": HUGE,
        "fee": 10**18,
        "dest": Dest.ON_CHAIN,
        "to_addr": "Taddr",
        "tag": "",
        "addr_type": AddrType.ADDRESS,
        "receiver_id": None,
        "client_id": "",
        "state": WithdrawalState.WAITING,
        "tx_id": "",
        "usd_value": Decimal("12.5"),
        "from_text": "a@example.test",
        "created_ms": T0,
        "updated_ms": T0,
    }
    values.update(kw)
    return WithdrawalRecord(**values)


def _deposit(dep_id: int, account: int, **kw: Any) -> DepositRecord:
    values: dict[str, Any] = {
        "dep_id": dep_id,
        "environment": LIVE,
        "user_id": 1,
        "account_id": account,
        "ccy": "BTC",
        "chain": "BTC-Bitcoin",
        "amount": 5 * 10**17,
        "dep_type": DepositType.ON_CHAIN,
        "to_addr": "bc1q",
        "tag": "",
        "from_text": "",
        "from_wd_id": None,
        "tx_id": "0xabc",
        "state": DepositState.WAITING,
        "arrival": 2,
        "unlock": 4,
        "created_ms": T0,
        "updated_ms": T0,
    }
    values.update(kw)
    return DepositRecord(**values)


def _write(sessions: sessionmaker[Session], changes: FundingChanges) -> None:
    with sessions.begin() as s:
        write_funding_rows(s, changes)


def test_rows_round_trip_and_upsert_to_their_last_state(sessions: sessionmaker[Session]) -> None:
    account = SqlExchangeStore(sessions).ensure_account(1, LIVE, LedgerAccountKind.FUNDING, T0)
    store = SqlFundingStore(sessions)
    first = _withdrawal(20_000_001, account, client_id="c1")
    moved = _withdrawal(20_000_001, account, client_id="c1", state=WithdrawalState.BROADCASTING, tx_id="0x1")
    transfer = TransferRecord(
        1_000_000_001,
        LIVE,
        1,
        TransferType.WITHIN,
        "USDT",
        HUGE,
        1,
        AccountType.FUNDING,
        1,
        AccountType.TRADING,
        "",
        "t1",
        TransferState.SUCCESS,
        T0,
    )
    _write(sessions, FundingChanges([transfer], [first, moved], [_deposit(10_000_001, account)]))
    assert store.withdrawal(LIVE, 1, 20_000_001) == moved
    assert store.withdrawal(LIVE, 2, 20_000_001) is None
    assert store.transfer(LIVE, 1, 1_000_000_001, None) == transfer
    assert store.transfer(LIVE, 1, None, "t1") == transfer
    assert store.transfer(LIVE, 2, 1_000_000_001, None) is None
    snap = store.load_funding(T0 - 1)
    assert (snap.open_withdrawals, snap.recent_withdrawals, snap.withdrawals_with_client_id) == ([moved],) * 3
    assert [d.dep_id for d in snap.open_deposits] == [10_000_001]
    assert snap.transfers_with_client_id == [transfer]
    assert (snap.max_trans_id, snap.max_wd_id, snap.max_dep_id) == (1_000_000_001, 20_000_001, 10_000_001)
    done = _withdrawal(20_000_001, account, client_id="c1", state=WithdrawalState.CANCELED)
    _write(sessions, FundingChanges(withdrawals=[done]))
    assert store.load_funding(T0 + 1).open_withdrawals == []
    assert store.used_quota_usd(LIVE, 1, T0) == 0


def test_histories_filter_and_page_by_time(sessions: sessionmaker[Session]) -> None:
    account = SqlExchangeStore(sessions).ensure_account(1, LIVE, LedgerAccountKind.FUNDING, T0)
    store = SqlFundingStore(sessions)
    rows = [
        _withdrawal(20_000_000 + i, account, created_ms=T0 + i * 10, ccy="USDT" if i % 2 else "BTC")
        for i in range(1, 6)
    ]
    _write(sessions, FundingChanges(withdrawals=rows))
    ids = lambda q: [w.wd_id - 20_000_000 for w in store.withdrawals(LIVE, 1, q)]  # noqa: E731
    assert ids(HistoryQuery()) == [5, 4, 3, 2, 1]
    assert ids(HistoryQuery(ccy="USDT")) == [5, 3, 1]
    assert ids(HistoryQuery(after=T0 + 30)) == [2, 1]
    assert ids(HistoryQuery(before=T0 + 20, limit=2)) == [4, 3]  # nearest newer ones, newest first
    assert ids(HistoryQuery(record_id=20_000_002)) == [2]
    assert store.withdrawals(DEMO, 1, HistoryQuery()) == []
    assert store.used_quota_usd(LIVE, 1, T0 + 25) == Decimal("37.5")


def test_deposit_filters(sessions: sessionmaker[Session]) -> None:
    account = SqlExchangeStore(sessions).ensure_account(1, LIVE, LedgerAccountKind.FUNDING, T0)
    store = SqlFundingStore(sessions)
    internal = _deposit(
        10_000_002,
        account,
        dep_type=DepositType.INTERNAL,
        from_wd_id=20_000_009,
        state=DepositState.SUCCESS,
        created_ms=T0 + 5,
    )
    _write(sessions, FundingChanges(deposits=[_deposit(10_000_001, account), internal]))
    assert [d.dep_id for d in store.deposits(LIVE, 1, HistoryQuery(kind="3"))] == [10_000_002]
    assert [d.dep_id for d in store.deposits(LIVE, 1, HistoryQuery(from_wd_id=20_000_009))] == [10_000_002]
    assert [d.dep_id for d in store.deposits(LIVE, 1, HistoryQuery(state="0"))] == [10_000_001]
    assert [d.dep_id for d in store.deposits(LIVE, 1, HistoryQuery(tx_id="0xabc"))] == [
        10_000_002,
        10_000_001,
    ]


def test_address_book_remembers_and_finds_addresses(sessions: sessionmaker[Session]) -> None:
    book = SqlAddressBook(sessions)
    record = AddressRecord(1, LIVE, "XRP-Ripple", "rShared", "123456789")
    book.remember_addresses([record], T0)
    book.remember_addresses([record], T0 + 1)  # showing it again is harmless
    assert book.find_address(LIVE, "XRP-Ripple", "rShared", "123456789") == record
    assert book.find_address(LIVE, "XRP-Ripple", "rShared", "1") is None
    assert book.find_address(DEMO, "XRP-Ripple", "rShared", "123456789") is None


def test_allow_lists_are_per_user_and_unique(sessions: sessionmaker[Session]) -> None:
    book = SqlAddressBook(sessions)
    entry = AllowedAddress("USDT-TRC20", "Taddr", "", "cold")

    def add(user_id: int) -> AllowListRecord | None:
        with SqlUnitOfWork(sessions) as uow:
            added = uow.allow_list.add(user_id, entry, T0)
            if added is not None:  # a duplicate leaves the session to be rolled back, as services do
                uow.commit()
            return added

    def remove(user_id: int, entry_id: int) -> bool:
        with SqlUnitOfWork(sessions) as uow:
            removed = uow.allow_list.remove(user_id, entry_id)
            uow.commit()
            return removed

    added = add(1)
    assert added is not None and added.entry == entry
    assert add(1) is None
    assert add(2) is not None
    assert [r.entry for r in book.allow_list(1)] == [entry]
    assert not remove(2, added.id)
    assert remove(1, added.id)
    assert book.allow_list(1) == []
