"""Acknowledged means durable for swaps (issue 19): after positions in both position and margin
modes, amends and cancels, leverage, added margin, a funding settlement, a liquidation and swap
algos, the state digest of the writer equals the digest of a core rebuilt from the database, and of
a restarted sequencer. Live and demo stay apart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import MgnMode, PosMode, PosSide
from sandex.domain.instruments import Catalogue
from sandex.domain.ledger.balances import BalanceRow
from sandex.domain.matching.order import Side
from sandex.domain.trading.algos import MARKET_PX, AlgoOrdType, AlgoSpec, AttachedAlgo
from sandex.domain.trading.commands import AmendSpec, CancelSpec
from sandex.process import Runtime
from sandex.runtime.hub import Hub
from sandex.runtime.sequencer import Sequencer
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.commands import (
    AlgoAck,
    AmendBatch,
    CancelBatch,
    Command,
    OrderAck,
    PlaceAlgos,
    PlaceBatch,
)
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.swap_commands import AdjustMargin, SetLeverage, SettleFundingFee, UpdateMarks
from sandex.storage.repositories.exchange import SqlExchangeStore
from tests.support.apps import open_rig_runtime
from tests.support.exchange import trader_for
from tests.support.swaps import btc_swap, futures_commands, order, seed_commands, units

D = Decimal
LIVE, DEMO = Environment.LIVE, Environment.DEMO
BTC = "BTC-USDT-SWAP"
FUNDING_TIME = 1_767_225_600_000  # 2026-01-01 00:00 UTC


@dataclass
class Rig:
    rt: Runtime
    store: SqlExchangeStore
    catalogue: Catalogue
    seq: Sequencer
    accounts: dict[str, int]  # name -> trading account id

    async def run(self, command: Command) -> object:
        result = await self.seq.submit(command)
        assert not hasattr(result, "reason"), result
        return result

    async def place(self, env: Environment, name: str, *specs: object) -> list[OrderAck]:
        acks = await self.run(PlaceBatch(env, self.accounts[name], tuple(specs)))  # type: ignore[arg-type]
        assert isinstance(acks, list) and all(a.rejected is None for a in acks), acks
        return acks

    def fresh_core(self) -> ExchangeCore:
        """A new process's core over the same database."""
        core = ExchangeCore(self.catalogue, self.store)
        core.load()
        return core


def _sequencer(rt: Runtime, store: SqlExchangeStore, catalogue: Catalogue) -> Sequencer:
    core = ExchangeCore(catalogue, store)
    return Sequencer(core, store, rt.clock, Hub(), LedgerAccounts(store, rt.clock), owner="digest-tests")


PEOPLE = {
    "alice": LIVE,
    "bob": LIVE,
    "carol": LIVE,
    "dan": LIVE,
    "erin": LIVE,
    "dave": DEMO,
    "fay": DEMO,
}


@pytest.fixture
async def rig(tmp_path: Path, migrated_database_url: str) -> AsyncIterator[Rig]:
    rt = open_rig_runtime(tmp_path / "data", migrated_database_url)
    store = SqlExchangeStore(rt.sessions)
    catalogue = Catalogue([*rt.catalogue.instruments.values(), btc_swap()], rt.catalogue.currencies.values())
    seq = _sequencer(rt, store, catalogue)
    await seq.start()
    accounts = {}
    users = {}
    for name, env in PEOPLE.items():
        users[name] = trader_for(rt, f"{name}@example.test").user_id
        accounts[name] = store.ensure_account(users[name], env, LedgerAccountKind.TRADING, 0)
    rig = Rig(rt, store, catalogue, seq, accounts)
    for name, env in PEOPLE.items():
        mode = PosMode.LONG_SHORT if name == "carol" else PosMode.NET
        for command in futures_commands(env, accounts[name], users[name], pos_mode=mode):
            await rig.run(command)
    try:
        yield rig
    finally:
        await rig.seq.stop()
        rt.engine.dispose()


LAST_MARKS = UpdateMarks(((BTC, D(49200), D(49210)),))


async def _trade_everything(rig: Rig) -> None:
    a = rig.accounts
    await rig.run(UpdateMarks(((BTC, D(50000), D(50000)),)))
    await rig.run(SetLeverage(LIVE, a["dan"], BTC, MgnMode.ISOLATED, None, D(50)))
    # net cross long (alice) against net isolated short (bob)
    for command in seed_commands(LIVE, a["alice"], a["bob"], Side.BUY, "3", "50000", td_mode="isolated"):
        if isinstance(command, PlaceBatch) and command.account_id == a["alice"]:
            command = PlaceBatch(LIVE, a["alice"], (order(BTC, Side.BUY, "3", "50000"),))
        await rig.run(command)
    # long/short mode: carol long 2 (cross), erin short 2
    await rig.place(LIVE, "carol", order(BTC, Side.BUY, "2", "50000", pos_side=PosSide.LONG))
    await rig.place(LIVE, "erin", order(BTC, Side.SELL, "2", "50000"))
    # resting orders: one amended, one canceled, one left alone (queue order matters)
    [amended] = await rig.place(LIVE, "alice", order(BTC, Side.BUY, "1", "49500"))
    [canceled] = await rig.place(LIVE, "alice", order(BTC, Side.BUY, "1", "49400"))
    await rig.place(LIVE, "carol", order(BTC, Side.BUY, "1", "49600", pos_side=PosSide.LONG))
    await rig.run(AmendBatch(LIVE, a["alice"], (AmendSpec(BTC, int(amended.ord_id), new_px=D(49600)),)))
    await rig.run(CancelBatch(LIVE, a["alice"], (CancelSpec(BTC, int(canceled.ord_id)),)))
    await rig.place(LIVE, "bob", order(BTC, Side.SELL, "1", "50900", td_mode="isolated"))
    # long/short mode, isolated: carol short 1 (erin's buy closes part of her short), and a resting
    # short with an attached stop waiting for it to fill
    await rig.place(
        LIVE, "carol", order(BTC, Side.SELL, "1", "50000", td_mode="isolated", pos_side=PosSide.SHORT)
    )
    await rig.place(LIVE, "erin", order(BTC, Side.BUY, "1", "50000"))
    stop_on_fill = AttachedAlgo(sl_trigger_px=D(52000), sl_ord_px=MARKET_PX, sl_trigger_px_type="mark")
    short = order(BTC, Side.SELL, "1", "50800", td_mode="isolated", pos_side=PosSide.SHORT)
    await rig.place(LIVE, "carol", replace(short, attach_algo_ords=(stop_on_fill,)))
    await rig.run(AdjustMargin(LIVE, a["bob"], BTC, PosSide.NET, True, units("100")))
    await rig.run(SettleFundingFee(BTC, D("0.0001"), FUNDING_TIME))
    # swap algos: a mark stop far away and a trailing stop
    stop = AlgoSpec(
        BTC,
        AlgoOrdType.CONDITIONAL,
        Side.SELL,
        D(1),
        td_mode="cross",
        sl_trigger_px=D(40000),
        sl_ord_px=MARKET_PX,
        sl_trigger_px_type="mark",
        reduce_only=True,
        pos_side=PosSide.NET,
    )
    trail = AlgoSpec(
        BTC, AlgoOrdType.MOVE_ORDER_STOP, Side.SELL, D(1), td_mode="cross", callback_ratio=D("0.05")
    )
    for spec in (stop, trail):
        [ack] = await rig.run(PlaceAlgos(LIVE, a["alice"], (spec,)))  # type: ignore[misc]
        assert isinstance(ack, AlgoAck) and ack.ok, ack
    # dan: isolated 50x long, liquidated when the mark walks down
    await rig.place(LIVE, "erin", order(BTC, Side.SELL, "2", "50000"))
    await rig.place(LIVE, "dan", order(BTC, Side.BUY, "2", "50000", td_mode="isolated"))
    assert [p.pos for p in rig.store.positions(a["dan"])] == [D(2)]
    for mark in ("49800", "49500"):
        await rig.run(UpdateMarks(((BTC, D(mark), D(mark)),)))
    await rig.run(LAST_MARKS)
    assert rig.store.positions(a["dan"]) == []  # liquidated
    # demo: its own positions
    for command in seed_commands(DEMO, a["dave"], a["fay"], Side.BUY, "1", "50000"):
        await rig.run(command)


async def test_the_digest_of_a_rebuilt_core_and_of_a_restarted_sequencer_equals_the_writers(rig: Rig) -> None:
    await _trade_everything(rig)
    written = rig.seq.core.state_digest()

    fresh, again = rig.fresh_core(), rig.fresh_core()
    assert fresh.state_digest() == again.state_digest()  # loading is deterministic
    assert _unmarked(again.state()) == _unmarked(rig.seq.core.state())  # only the marks are not stored
    fresh.apply(LAST_MARKS, 0)  # marks are not stored: a server re-sends them at start
    _same(fresh.state(), rig.seq.core.state())
    assert fresh.state_digest() == written
    live = dict(fresh.state()["environments"])["live"]  # type: ignore[call-overload,index]
    assert len(live["algos"]) == 3 and len(live["positions"]) == 5  # what it covers

    await rig.seq.stop()
    rig.seq = _sequencer(rig.rt, rig.store, rig.catalogue)
    await rig.seq.start()
    await rig.run(LAST_MARKS)
    assert rig.seq.core.state_digest() == written


async def test_live_positions_do_not_show_in_demo_and_any_change_moves_the_digest(rig: Rig) -> None:
    await _trade_everything(rig)
    a = rig.accounts
    core = rig.fresh_core()
    live = {p.account_id for p in core.exchange(LIVE).swaps.book.positions.values()}
    demo = {p.account_id for p in core.exchange(DEMO).swaps.book.positions.values()}
    assert demo == {a["dave"], a["fay"]}
    assert live == {a["alice"], a["bob"], a["carol"], a["erin"]}
    assert rig.store.positions(a["alice"]) and not any(
        p.account_id == a["alice"] for p in core.exchange(DEMO).swaps.book.positions.values()
    )

    before = core.state_digest()
    x = core.exchange(LIVE)
    x.ledger.post([])  # nothing: same digest
    assert core.state_digest() == before
    pos = next(iter(x.swaps.book.positions.values()))
    pos.pos += 1  # one lot
    assert core.state_digest() != before
    pos.pos -= 1
    assert core.state_digest() == before
    slot = x.ledger.balance(a["alice"], "USDT")
    x.ledger.restore([BalanceRow(a["alice"], "USDT", slot.available + 1, slot.frozen)])  # one unit
    assert core.state_digest() != before


def _same(got: object, want: object) -> None:
    """Equal states, or the first part that differs (a readable failure)."""
    assert isinstance(got, dict) and isinstance(want, dict)
    for (env, part), (_, wanted) in zip(got["environments"], want["environments"], strict=True):
        for key in part:
            assert (env, key, part[key]) == (env, key, wanted[key])
    assert got == want


MARK_PARTS = ("swap_marks", "algo_marks")


def _unmarked(state: object) -> object:
    """`state` without the last marks (they are not stored: a server re-sends them at start)."""
    assert isinstance(state, dict)
    envs = [
        [env, {k: v for k, v in part.items() if k not in MARK_PARTS}] for env, part in state["environments"]
    ]
    return {**state, "marks": None, "environments": envs}
