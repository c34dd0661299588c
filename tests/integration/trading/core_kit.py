"""Helpers for the exchange-core tests (imported by module name: pytest puts this dir on sys.path).

A `Rig` is a real runtime (SQLite or PostgreSQL) whose sequencer runs, with users to trade.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sandex.app import Runtime, open_runtime
from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.ledger.amounts import from_amount
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import OrderSpec
from sandex.services.exchange.commands import OrderAck
from sandex.services.trading.views import Trader
from sandex.storage.orm.trading import LedgerAccountRow, LedgerBalanceRow, OrderRow, PostingRow

D = Decimal
BTC = "BTC-USDT"
PASSWORD = "Correct-Horse-9"


def open_rig_runtime(data_dir: Path, database_url: str | None = None) -> Runtime:
    settings = Settings(data_dir=data_dir, database_url=database_url, rate_limits="off")
    return open_runtime(settings, fast_hashing=True)


def user(rt: Runtime, email: str, environment: Environment = Environment.LIVE) -> Trader:
    made = rt.accounts.register(email, PASSWORD)
    if isinstance(made, Rejected):
        found = rt.accounts.get_user_by_email(email)
        assert found is not None
        return Trader(found.id, environment)
    return Trader(made.id, environment)


async def fund(rt: Runtime, trader: Trader, ccy: str, amount: str) -> None:
    done = await rt.trading.service.deposit(trader.user_id, trader.environment, ccy, D(amount))
    assert not isinstance(done, Rejected), done


def limit(side: Side, px: str, sz: str, **kw: Any) -> OrderSpec:
    return OrderSpec(kw.pop("inst_id", BTC), side, kw.pop("ord_type", OrdType.LIMIT), D(sz), D(px), **kw)


async def place_one(rt: Runtime, trader: Trader, req: OrderSpec) -> OrderAck:
    acks = await rt.trading.service.place(trader, [req])
    assert not isinstance(acks, Rejected), acks
    return acks[0]


def balance(rt: Runtime, trader: Trader, ccy: str) -> tuple[Decimal, Decimal]:
    """(available, frozen) of the trader's trading account, as committed."""
    view = rt.trading.service.balances(trader)
    for d in view.details:
        if d.ccy == ccy:
            return d.available, d.frozen
    return D(0), D(0)


def db_totals(rt: Runtime) -> dict[tuple[str, str], int]:
    """Per (environment, ccy): the sum of every committed balance (fee accounts included)."""
    out: dict[tuple[str, str], int] = defaultdict(int)
    with rt.sessions() as s:
        rows = s.execute(
            select(
                LedgerAccountRow.environment,
                LedgerBalanceRow.ccy,
                LedgerBalanceRow.available,
                LedgerBalanceRow.frozen,
            ).join(LedgerAccountRow, LedgerAccountRow.id == LedgerBalanceRow.account_id)
        ).all()
    for env, ccy, available, frozen in rows:
        out[(env, ccy)] += available + frozen
    return dict(out)


def db_deposits(rt: Runtime) -> dict[tuple[str, str], int]:
    """Per (environment, ccy): deposits minus withdrawals, from the postings."""
    out: dict[tuple[str, str], int] = defaultdict(int)
    with rt.sessions() as s:
        rows = s.execute(
            select(
                LedgerAccountRow.environment, PostingRow.ccy, PostingRow.delta_available, PostingRow.reason
            )
            .join(LedgerAccountRow, LedgerAccountRow.id == PostingRow.account_id)
            .where(PostingRow.reason.in_(["deposit", "withdrawal"]))
        ).all()
    for env, ccy, delta, _reason in rows:
        out[(env, ccy)] += delta
    return dict(out)


def assert_conserved(rt: Runtime) -> None:
    assert db_totals(rt) == db_deposits(rt)


def assert_frozen_matches_orders(rt: Runtime) -> None:
    """Every committed frozen amount is exactly what the open orders need (nothing half-applied)."""
    core = rt.trading.core
    with rt.sessions() as s:
        rows = s.execute(
            select(
                LedgerAccountRow.environment,
                LedgerBalanceRow.account_id,
                LedgerBalanceRow.ccy,
                LedgerBalanceRow.frozen,
            ).join(LedgerAccountRow, LedgerAccountRow.id == LedgerBalanceRow.account_id)
        ).all()
    for environment in Environment:
        need = core.exchange(environment).reserved()
        frozen = {(a, c): f for env, a, c, f in rows if env == environment.value and f}
        assert frozen == {k: v for k, v in need.items() if v}, environment


def order_rows(rt: Runtime) -> list[Any]:
    with rt.sessions() as s:
        return list(s.execute(select(OrderRow)).scalars())


def posting_count(rt: Runtime) -> int:
    with rt.sessions() as s:
        return len(s.execute(select(PostingRow.bill_id)).all())


def units(amount: int) -> Decimal:
    return from_amount(amount).normalize()


@dataclass
class Book:
    """A comparable picture of one instrument's book and every balance: for restart checks."""

    orders: list[Any]
    balances: list[Any]


def book_picture(rt: Runtime, environment: Environment = Environment.LIVE) -> Book:
    x = rt.trading.core.exchange(environment)
    orders = []
    for inst in x.instruments():
        engine = x.engine(inst.inst_id)
        assert engine is not None
        bids = [o.ord_id for o in engine.bids.orders()]
        asks = [o.ord_id for o in engine.asks.orders()]
        orders.append((inst.inst_id, bids, asks, engine.resting_orders()))
    return Book(orders, sorted(x.ledger.rows()))
