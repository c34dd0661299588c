"""Swaps through the real sequencer on a real database: two accounts trade a swap, the group commit
writes positions, bills and fills, pushes `PositionsChanged`, and a restarted writer rebuilds the
same positions, balances and reservations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv, MgnMode, PosSide
from sandex.domain.instruments import Catalogue
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import Side
from sandex.process import Runtime
from sandex.runtime.hub import Hub
from sandex.runtime.sequencer import Sequencer
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.commands import Command, Deposit, OrderAck, PlaceBatch
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.events import PositionsChanged
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.store import BillQuery, FillQuery, PositionQuery
from sandex.services.exchange.swap_commands import SetAccountLevel, UpdateMarks
from sandex.services.trading.positions import PositionReader
from sandex.storage.repositories.exchange import SqlExchangeStore
from tests.support.apps import open_rig_runtime
from tests.support.exchange import trader_for
from tests.support.polling import until
from tests.support.swaps import btc_swap, order, units

D = Decimal
LIVE = Environment.LIVE
BTC = "BTC-USDT-SWAP"


@dataclass
class Rig:
    rt: Runtime
    store: SqlExchangeStore
    catalogue: Catalogue
    seq: Sequencer
    hub: Hub
    accounts: dict[str, tuple[int, int]]  # name -> (user id, trading account id)

    async def run(self, command: Command) -> object:
        return await self.seq.submit(command)

    async def place(self, name: str, *specs: object) -> list[OrderAck]:
        acks = await self.run(PlaceBatch(LIVE, self.accounts[name][1], tuple(specs)))  # type: ignore[arg-type]
        assert isinstance(acks, list) and all(a.rejected is None for a in acks), acks
        return acks


def _sequencer(rig_rt: Runtime, store: SqlExchangeStore, catalogue: Catalogue, hub: Hub) -> Sequencer:
    core = ExchangeCore(catalogue, store)
    return Sequencer(core, store, rig_rt.clock, hub, LedgerAccounts(store, rig_rt.clock), owner="swap-tests")


@pytest.fixture
async def rig(tmp_path: Path, migrated_database_url: str) -> AsyncIterator[Rig]:
    """The rig runtime's database (SQLite and PostgreSQL) and users, with a sequencer of its own over
    a catalogue with a swap."""
    rt = open_rig_runtime(tmp_path / "data", migrated_database_url)
    store = SqlExchangeStore(rt.sessions)
    catalogue = Catalogue([*rt.catalogue.instruments.values(), btc_swap()], rt.catalogue.currencies.values())
    hub = Hub()
    seq = _sequencer(rt, store, catalogue, hub)
    await seq.start()
    accounts = {}
    for name in ("alice", "bob"):
        user = trader_for(rt, f"{name}@example.test").user_id
        accounts[name] = (user, store.ensure_account(user, LIVE, LedgerAccountKind.TRADING, 0))
    rig = Rig(rt, store, catalogue, seq, hub, accounts)
    try:
        yield rig
    finally:
        await rig.seq.stop()
        rt.engine.dispose()


async def _futures(rig: Rig, *names: str) -> None:
    for name in names:
        user, account = rig.accounts[name]
        await rig.run(SetAccountLevel(LIVE, account, AcctLv.FUTURES))
        await rig.run(Deposit(LIVE, account, user, LedgerAccountKind.TRADING, "USDT", units("10000")))


class _Marks:
    def __init__(self, mark: Decimal) -> None:
        self.mark = mark

    def mark_px(self, inst_id: str) -> Decimal | None:
        return self.mark

    def index_px(self, inst_id: str) -> Decimal | None:
        return self.mark


async def test_two_accounts_trade_a_swap_and_a_restart_rebuilds_the_same_state(rig: Rig) -> None:
    pushed: list[PositionsChanged] = []
    rig.hub.subscribe(PositionsChanged, pushed.append)
    await _futures(rig, "alice", "bob")
    alice, bob = rig.accounts["alice"][1], rig.accounts["bob"][1]
    assert rig.store.account_settings(LIVE, alice).acct_lv is AcctLv.FUTURES
    await rig.run(UpdateMarks(((BTC, D(50000), D(50000)),)))
    await rig.place("bob", order(BTC, Side.SELL, "3", "50000", td_mode="isolated"))
    await rig.place("alice", order(BTC, Side.BUY, "3", "50000"))
    await rig.place("bob", order(BTC, Side.BUY, "1", "50500", td_mode="isolated", reduce_only=True))
    await rig.place("alice", order(BTC, Side.SELL, "1", "50500", reduce_only=True))
    await rig.place("alice", order(BTC, Side.BUY, "2", "49500"))  # resting: 100 margin + fee reserved

    (long,) = rig.store.positions(alice)
    assert (long.pos, long.avg_px, long.mgn_mode, long.pnl) == (D(2), D(50000), MgnMode.CROSS, units("5"))
    (short,) = rig.store.positions(bob)
    assert (short.pos, short.mgn_mode, short.pnl) == (D(-2), MgnMode.ISOLATED, -units("5"))
    (history,) = rig.store.positions_history(alice, PositionQuery())
    assert history.pos_id == long.pos_id and history.close_type == 1
    assert rig.store.open_interest(LIVE, [BTC]) == {BTC: D(2)}
    bills = [b for b in rig.store.bills(alice, BillQuery()) if b.reason is PostingReason.TRADE]
    assert sorted(b.sub_type or 0 for b in bills) == [3, 5]
    close = next(b for b in bills if b.sub_type == 5)
    assert (close.pnl, close.sz, close.px) == (units("5"), D(1), D(50500))
    fills = rig.store.fills(alice, FillQuery(inst_id=BTC))
    assert {(f.pos_side, f.fill_pnl, f.fill_mark_px) for f in fills} == {
        (PosSide.NET, units("5"), D(50000)),
        (PosSide.NET, 0, D(50000)),
    }
    await until(lambda: sum(len(p.updates) for p in pushed) >= 4, "the fills pushed as PositionsChanged")
    assert {u.event_type for p in pushed for u in p.updates} == {"filled"}
    view = PositionReader(rig.store, rig.catalogue.instruments, _Marks(D(51000))).positions(alice)[0]
    assert view.upl == D(20) and view.notional_usd == D(1020)  # 2 x 0.01 x (51,000 - 50,000)

    before = rig.seq.core.exchange(LIVE)
    state = (
        sorted((p.key, p.pos, p.cost, p.margin) for p in before.swaps.book.positions.values()),
        {
            a: before.ledger.balances(a)
            for a in (alice, bob, before.clearing_account, before.ledger.fee_account)
        },
        before.reserved(),
    )
    await rig.seq.stop()
    rig.seq = _sequencer(rig.rt, rig.store, rig.catalogue, rig.hub)
    await rig.seq.start()
    after = rig.seq.core.exchange(LIVE)
    assert (
        sorted((p.key, p.pos, p.cost, p.margin) for p in after.swaps.book.positions.values()),
        {a: after.ledger.balances(a) for a in (alice, bob, after.clearing_account, after.ledger.fee_account)},
        after.reserved(),
    ) == state
    assert after.reserved()[(alice, "USDT")] == after.ledger.balance(alice, "USDT").frozen
    # trading goes on after the restart: the resting order's reservation was exact
    await rig.place("bob", order(BTC, Side.SELL, "2", "49500", td_mode="isolated"))
    assert [p.pos for p in rig.store.positions(alice)] == [D(4)]
    assert [p.pos for p in rig.store.positions(bob)] == [D(-4)]
    assert after.ledger.balance(alice, "USDT").frozen == 0
    assert after.ledger.total("USDT") == after.ledger.net_external("USDT")
