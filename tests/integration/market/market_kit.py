"""Helpers for the market tests (imported by module name: pytest puts this dir on sys.path).

A `Rig` is a real runtime whose sequencer and market data run, but whose market maker only steps
when a test says so (`await rig.step()`), plus an in-process OKX client on the same runtime.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, text

from sandex.app import Runtime, create_app, open_runtime
from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import OrderSpec
from sandex.runtime.marketmaker import MarketMaker
from sandex.services.trading.views import Trader
from sandex.storage.orm.trading import LedgerAccountRow, LedgerBalanceRow, PostingRow

D = Decimal
BTC = "BTC-USDT"
PASSWORD = "Correct-Horse-9"
DEMO_HEADERS = {"x-simulated-trading": "1"}


@dataclass
class Rig:
    rt: Runtime
    http: httpx.AsyncClient

    @property
    def maker(self) -> MarketMaker:
        assert self.rt.market.maker is not None, "this rig runs without the market maker"
        return self.rt.market.maker

    async def step(self, n: int = 1) -> None:
        for _ in range(n):
            await self.maker.step()

    async def get(self, path: str, **params: Any) -> Any:
        headers = DEMO_HEADERS if params.pop("demo", False) else {}
        response = await self.http.get(f"/api/v5/market/{path}", params=params, headers=headers)
        body = response.json()
        return body if body.get("code") != "0" else body["data"]

    async def flush(self) -> None:
        assert await self.rt.market.writer.flush()


def settings_for(data_dir: Path, **kw: Any) -> Settings:
    return Settings(data_dir=data_dir, rate_limits="off", **{"market": False, **kw})


@contextlib.asynccontextmanager
async def rig(data_dir: Path, **kw: Any) -> AsyncIterator[Rig]:
    """Sequencer and market data running; the market maker (if `market=True`) steps on demand."""
    settings = settings_for(data_dir, **kw)
    rt = open_runtime(settings, fast_hashing=True)
    app = create_app(settings, rt)
    await rt.market.start()
    await rt.trading.sequencer.start()
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://sandex.test") as http:
            yield Rig(rt, http)
    finally:
        await rt.market.stop()
        await rt.trading.sequencer.stop()
        rt.engine.dispose()


def user(rt: Runtime, email: str, environment: Environment = Environment.LIVE) -> Trader:
    made = rt.accounts.register(email, PASSWORD)
    assert not isinstance(made, Rejected), made
    return Trader(made.id, environment)


async def fund(rt: Runtime, trader: Trader, ccy: str, amount: str) -> None:
    done = await rt.trading.service.deposit(trader.user_id, trader.environment, ccy, D(amount))
    assert not isinstance(done, Rejected), done


async def trader_pair(rt: Runtime, environment: Environment = Environment.LIVE) -> tuple[Trader, Trader]:
    """A buyer with lots of USDT and a seller with lots of everything."""
    suffix = environment.value
    buyer, seller = (
        user(rt, f"buyer-{suffix}@example.test", environment),
        user(rt, f"seller-{suffix}@example.test", environment),
    )
    await fund(rt, buyer, "USDT", "100000000")
    for ccy, amount in (("BTC", "1000"), ("SHIB", "100000000000"), ("ETH", "10000")):
        await fund(rt, seller, ccy, amount)
    return buyer, seller


async def place(
    rt: Runtime, trader: Trader, side: Side, px: str, sz: str, inst_id: str = BTC, **kw: Any
) -> str:
    ord_type = kw.pop("ord_type", OrdType.LIMIT)
    acks = await rt.trading.service.place(trader, [OrderSpec(inst_id, side, ord_type, D(sz), D(px), **kw)])
    assert not isinstance(acks, Rejected), acks
    assert acks[0].ok, acks[0]
    return acks[0].ord_id


async def trade(rt: Runtime, buyer: Trader, seller: Trader, px: str, sz: str, inst_id: str = BTC) -> None:
    """One trade at `px`: the seller rests, the buyer takes."""
    await place(rt, seller, Side.SELL, px, sz, inst_id)
    await place(rt, buyer, Side.BUY, px, sz, inst_id)


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


def assert_conserved(rt: Runtime) -> None:
    """Per environment and currency, all balances (fee accounts included) sum to the deposits."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    deposits: dict[tuple[str, str], int] = defaultdict(int)
    with rt.sessions() as s:
        balances = select(
            LedgerAccountRow.environment,
            LedgerBalanceRow.ccy,
            LedgerBalanceRow.available,
            LedgerBalanceRow.frozen,
        ).join(LedgerAccountRow, LedgerAccountRow.id == LedgerBalanceRow.account_id)
        for env, ccy, available, frozen in s.execute(balances).all():
            totals[(env, ccy)] += available + frozen
        for env, ccy, delta in s.execute(
            select(LedgerAccountRow.environment, PostingRow.ccy, PostingRow.delta_available)
            .join(LedgerAccountRow, LedgerAccountRow.id == PostingRow.account_id)
            .where(PostingRow.reason.in_(["deposit", "withdrawal"]))
        ).all():
            deposits[(env, ccy)] += delta
    assert {k: v for k, v in totals.items() if v} == {k: v for k, v in deposits.items() if v}
