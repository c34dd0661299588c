"""A runtime's exchange, driven through the trading service: traders, money, orders, and checks on what
the database committed (conservation of money, frozen amounts, the public tape, restart pictures)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.ledger.amounts import from_amount
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import OrderSpec
from sandex.process import Runtime
from sandex.services.exchange.commands import OrderAck
from sandex.services.trading.views import Trader
from sandex.storage.orm.trading import LedgerAccountRow, LedgerBalanceRow, OrderRow, PostingRow
from tests.support.factories import register, registered

D = Decimal
BTC = "BTC-USDT"


# --- traders and money -----------------------------------------------------------------------------
def new_trader(rt: Runtime, email: str, environment: Environment = Environment.LIVE) -> Trader:
    """A newly registered user, trading in `environment`."""
    return Trader(register(rt.accounts, email).id, environment)


def trader_for(rt: Runtime, email: str, environment: Environment = Environment.LIVE) -> Trader:
    """The user with this email (registered if new), trading in `environment`: one user, both environments."""
    return Trader(registered(rt.accounts, email).id, environment)


async def fund(rt: Runtime, trader: Trader, ccy: str, amount: str) -> None:
    done = await rt.trading.service.deposit(trader.user_id, trader.environment, ccy, D(amount))
    assert not isinstance(done, Rejected), done


async def trader_pair(rt: Runtime, environment: Environment = Environment.LIVE) -> tuple[Trader, Trader]:
    """A buyer with lots of USDT and a seller with lots of everything."""
    suffix = environment.value
    buyer, seller = (
        new_trader(rt, f"buyer-{suffix}@example.test", environment),
        new_trader(rt, f"seller-{suffix}@example.test", environment),
    )
    await fund(rt, buyer, "USDT", "100000000")
    for ccy, amount in (("BTC", "1000"), ("SHIB", "100000000000"), ("ETH", "10000")):
        await fund(rt, seller, ccy, amount)
    return buyer, seller


# --- orders ----------------------------------------------------------------------------------------
def limit(side: Side, px: str, sz: str, **kw: Any) -> OrderSpec:
    return OrderSpec(kw.pop("inst_id", BTC), side, kw.pop("ord_type", OrdType.LIMIT), D(sz), D(px), **kw)


async def place_one(rt: Runtime, trader: Trader, req: OrderSpec) -> OrderAck:
    acks = await rt.trading.service.place(trader, [req])
    assert not isinstance(acks, Rejected), acks
    return acks[0]


async def place(
    rt: Runtime, trader: Trader, side: Side, px: str, sz: str, inst_id: str = BTC, **kw: Any
) -> str:
    """An accepted order's id (a limit order unless `ord_type` says otherwise)."""
    ack = await place_one(rt, trader, limit(side, px, sz, inst_id=inst_id, **kw))
    assert ack.ok, ack
    return ack.ord_id


async def trade(rt: Runtime, buyer: Trader, seller: Trader, px: str, sz: str, inst_id: str = BTC) -> None:
    """One trade at `px`: the seller rests, the buyer takes."""
    await place(rt, seller, Side.SELL, px, sz, inst_id)
    await place(rt, buyer, Side.BUY, px, sz, inst_id)


def balance(rt: Runtime, trader: Trader, ccy: str) -> tuple[Decimal, Decimal]:
    """(available, frozen) of the trader's trading account, as committed."""
    view = rt.trading.service.balances(trader)
    for d in view.details:
        if d.ccy == ccy:
            return d.available, d.frozen
    return D(0), D(0)


# --- what the database committed -------------------------------------------------------------------
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
            select(LedgerAccountRow.environment, PostingRow.ccy, PostingRow.delta_available)
            .join(LedgerAccountRow, LedgerAccountRow.id == PostingRow.account_id)
            .where(PostingRow.reason.in_(["deposit", "withdrawal"]))
        ).all()
    for env, ccy, delta in rows:
        out[(env, ccy)] += delta
    return dict(out)


def assert_conserved_exactly(rt: Runtime) -> None:
    """Balances sum to the deposits per environment and currency, and no currency holds a zero total
    that was never deposited (the exchange-core tests' stricter form)."""
    assert db_totals(rt) == db_deposits(rt)


def assert_conserved(rt: Runtime) -> None:
    """Per environment and currency, all balances (fee accounts included) sum to the deposits minus
    the withdrawals (currencies whose total is zero on both sides are left out)."""
    totals, external = db_totals(rt), db_deposits(rt)
    assert {k: v for k, v in totals.items() if v} == {k: v for k, v in external.items() if v}


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


def tape(rt: Runtime, environment: Environment = Environment.LIVE) -> list[tuple[Any, ...]]:
    """Every committed public trade: (trade id, instrument, price, size, taker side), in order."""
    with rt.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT trade_id, inst_id, px, sz, taker_side FROM trades"
                " WHERE environment = :e ORDER BY trade_id"
            ),
            {"e": environment.value},
        ).all()
    return [(r[0], r[1], D(r[2]), D(r[3]), r[4]) for r in rows]


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
