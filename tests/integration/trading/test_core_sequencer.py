"""The single writer: group commit, failures that roll back and rebuild, restart, lease, inbox, events."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import random
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.ledger.fees import DEFAULT_TIER, FeeTier
from sandex.domain.matching.order import Side
from sandex.domain.trading.commands import AmendSpec, CancelSpec
from sandex.process import Runtime
from sandex.runtime import sequencer as sequencer_module
from sandex.runtime.sequencer import INBOX_POLL_S, Sequencer
from sandex.services.exchange import inbox as codec
from sandex.services.exchange.commands import ShiftPrice
from sandex.services.exchange.events import BalancesChanged, OrdersChanged, TradesHappened
from sandex.services.exchange.records import ChangeSet, LedgerAccountKind
from sandex.services.trading.views import Trader
from sandex.testing.server import serve_in_thread
from tests.support.apps import open_rig_runtime
from tests.support.db import migrated_data_dir
from tests.support.exchange import (
    BTC,
    D,
    assert_conserved_exactly,
    assert_frozen_matches_orders,
    balance,
    book_picture,
    fund,
    limit,
    order_rows,
    place_one,
    posting_count,
    trader_for,
)
from tests.support.polling import until

SEVERAL_INBOX_POLLS_S = 2.5 * INBOX_POLL_S


async def test_concurrent_commands_share_transactions(rt: Runtime) -> None:
    alice = trader_for(rt, "alice@example.test")
    await fund(rt, alice, "USDT", "1000000")
    before = rt.trading.sequencer.commits
    acks = await asyncio.gather(*(place_one(rt, alice, limit(Side.BUY, "100", "1")) for _ in range(200)))
    assert all(a.ok for a in acks) and len({a.ord_id for a in acks}) == 200
    commits = rt.trading.sequencer.commits - before
    assert 1 <= commits < 50, commits
    assert len(order_rows(rt)) == 200


async def test_refused_commands_need_no_transaction(rt: Runtime) -> None:
    alice = trader_for(rt, "alice@example.test")
    before = rt.trading.sequencer.commits
    ack = await place_one(rt, alice, limit(Side.BUY, "100", "1"))
    assert ack.rejected is not None and rt.trading.sequencer.commits == before


async def test_a_commit_that_fails_once_is_rebuilt_and_its_commands_run_again(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = trader_for(rt, "alice@example.test"), trader_for(rt, "bob@example.test")
    await fund(rt, alice, "USDT", "1000")
    await fund(rt, bob, "BTC", "1")
    resting = await place_one(rt, bob, limit(Side.SELL, "100", "1"))
    store = rt.trading.store
    real_write = store.write
    calls = {"n": 0}

    def failing_write(changes: ChangeSet, *args: Any) -> None:
        if changes.orders:  # the first commit of orders fails
            calls["n"] += 1
            if calls["n"] == 1:
                raise OSError("disk full")
        real_write(changes, *args)

    monkeypatch.setattr(store, "write", failing_write)
    async with _one_batch(rt):
        results = await _queued(
            rt,
            rt.trading.service.place(alice, [limit(Side.BUY, "100", "0.5")]),
            rt.trading.service.place(alice, [limit(Side.BUY, "90", "1")]),
        )
    assert all(not isinstance(r, Rejected) and r[0].ok for r in results), results
    assert rt.trading.sequencer.failures == 1
    # the fill of the failed attempt was undone before the retry: it happened once
    assert balance(rt, alice, "BTC") == (D("0.4995"), D(0))
    assert balance(rt, alice, "USDT") == (D(860), D(90))
    assert [o.ord_id for o in rt.trading.service.pending_orders(bob)] == [resting.ord_id]
    assert_conserved_exactly(rt)
    assert_frozen_matches_orders(rt)


async def test_a_command_that_breaks_its_batch_fails_alone_and_another_users_is_committed(
    rt_any: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = rt_any  # SQLite and PostgreSQL
    alice, bob = trader_for(rt, "alice@example.test"), trader_for(rt, "bob@example.test")
    await fund(rt, alice, "USDT", "1000")
    await fund(rt, bob, "USDT", "1000")
    core = rt.trading.core
    real_apply = core.apply
    applied: list[str] = []

    def apply(command: Any, ts: int) -> Any:  # a bug only alice's poison order reaches
        items = getattr(command, "items", ())
        applied.extend(getattr(item, "cl_ord_id", "") for item in items)
        if any(getattr(item, "cl_ord_id", "") == "poison" for item in items):
            raise ArithmeticError("poison")
        return real_apply(command, ts)

    monkeypatch.setattr(core, "apply", apply)
    async with _one_batch(rt):
        fine, poisoned = await _queued(
            rt,
            rt.trading.service.place(bob, [limit(Side.BUY, "95", "1", cl_ord_id="fine")]),
            rt.trading.service.place(alice, [limit(Side.BUY, "90", "1", cl_ord_id="poison")]),
        )
    assert poisoned == Rejected(Reason.SYSTEM_ERROR)
    assert not isinstance(fine, Rejected) and fine[0].ok, fine
    assert applied == ["fine", "poison", "fine", "poison"]  # together, then each in a commit of its own
    # acknowledged means durable: committed, and still there after a rebuild from the database
    assert [(row.cl_ord_id, row.state) for row in order_rows(rt)] == [("fine", "live")]
    await rt.trading.sequencer.exclusive(rt.trading.core.load)
    assert [o.cl_ord_id for o in rt.trading.service.pending_orders(bob)] == ["fine"]
    assert balance(rt, bob, "USDT") == (D(905), D(95))
    assert balance(rt, alice, "USDT") == (D(1000), D(0))
    assert_conserved_exactly(rt)
    assert_frozen_matches_orders(rt)


async def test_a_market_command_in_a_batch_that_failed_to_commit_is_applied_once(
    rt_any: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild from the database undoes the exchange, not the simulated market: the batch's other
    commands run again, a price shift must not (it would move the price twice)."""
    rt = rt_any  # SQLite and PostgreSQL
    shifts: list[object] = []

    class Market:  # the simulation's port, counting what reaches it
        def control(self, command: object) -> object:
            shifts.append(command)
            return ["shifted"]

    rt.trading.core.serve(market=Market())
    alice = trader_for(rt, "alice@example.test")
    await fund(rt, alice, "USDT", "1")
    store, real_write = rt.trading.store, rt.trading.store.write
    writes: list[int] = []

    def write(changes: ChangeSet, *args: Any) -> Any:
        writes.append(len(writes))
        if len(writes) == 2:  # the first is `_one_batch`'s held deposit; the second is ours
            raise OSError("disk full")
        return real_write(changes, *args)

    monkeypatch.setattr(store, "write", write)
    shift = ShiftPrice("BTC-USDT", D(10))
    async with _one_batch(rt):
        shifted, funded = await _queued(rt, rt.trading.sequencer.submit(shift), fund(rt, alice, "USDT", "5"))
    assert shifted == ["shifted"] and funded is None
    assert shifts == [shift]  # applied once, answered with what it did
    assert rt.trading.sequencer.failures == 1 and len(writes) == 3  # the deposit ran again alone
    assert balance(rt, alice, "USDT") == (D(6), D(0))
    assert_conserved_exactly(rt)


@contextlib.asynccontextmanager
async def _one_batch(rt: Runtime) -> AsyncIterator[None]:
    """Commands submitted inside share one group commit: the writer thread is held busy (by a
    deposit stuck in its commit) until `_queued` has seen all of them waiting."""
    gate = threading.Event()
    sequencer = rt.trading.sequencer
    # Registered before the writer is held: registering blocks the event loop (argon2, a commit), and
    # an inbox poll falling due meanwhile would queue behind the held writer ahead of the deposit.
    carol = trader_for(rt, "carol@example.test")
    held = asyncio.ensure_future(sequencer.exclusive(lambda: gate.wait(300)))  # released by `_queued`
    stuck = asyncio.ensure_future(fund(rt, carol, "USDT", "1"))
    await _until(lambda: not sequencer.settled)  # the deposit's batch waits for the writer thread
    _GATES[id(rt)] = gate
    try:
        yield
    finally:
        gate.set()
        await asyncio.gather(held, stuck)
        del _GATES[id(rt)]


_GATES: dict[int, threading.Event] = {}


async def _queued(rt: Runtime, *calls: Any) -> list[Any]:
    """Await `calls` once all of them wait in the sequencer's queue (inside `_one_batch`)."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    await _until(lambda: len(rt.trading.sequencer._queue) == len(tasks))
    _GATES[id(rt)].set()
    return list(await asyncio.gather(*tasks))


async def _until(condition: Callable[[], bool]) -> None:
    """Wait for `condition` (a generous deadline, never a fixed duration)."""
    deadline = time.monotonic() + 120  # a loaded 2-core CI box can stall the loop for seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        await asyncio.sleep(0.005)


async def _random_session(rt: Runtime, traders: list[Trader], steps: int, seed: int) -> None:
    rng = random.Random(seed)
    svc = rt.trading.service
    for _ in range(steps):
        who = rng.choice(traders)
        roll = rng.random()
        pending = svc.pending_orders(who)
        if roll < 0.15 and pending:
            await svc.cancel(who, [CancelSpec(BTC, ord_id=int(rng.choice(pending).ord_id))])
        elif roll < 0.3 and pending:
            px = D(rng.randint(950, 1050)) / 10
            await svc.amend(who, [AmendSpec(BTC, ord_id=int(rng.choice(pending).ord_id), new_px=px)])
        else:
            side = rng.choice([Side.BUY, Side.SELL])
            px, sz = D(rng.randint(950, 1050)) / 10, D(rng.randint(1, 30)) / 10
            await svc.place(who, [limit(side, str(px), str(sz))])


async def _funded_traders(rt: Runtime, n: int) -> list[Trader]:
    traders = [trader_for(rt, f"t{i}@example.test") for i in range(n)]
    for t in traders:
        await fund(rt, t, "USDT", "5000")
        await fund(rt, t, "BTC", "20")
    return traders


async def test_restart_rebuilds_identical_books_and_balances(
    tmp_path: Path, migrated_database_url: str
) -> None:
    first = open_rig_runtime(tmp_path / "data", migrated_database_url)
    await first.trading.sequencer.start()
    traders = await _funded_traders(first, 4)
    await _random_session(first, traders, 150, seed=7)
    picture = book_picture(first)
    assert sum(len(bids) + len(asks) for _, bids, asks, _ in picture.orders) > 0
    assert_conserved_exactly(first)
    assert_frozen_matches_orders(first)
    await first.trading.sequencer.stop()
    first.engine.dispose()

    second = open_rig_runtime(tmp_path / "data", migrated_database_url)
    await second.trading.sequencer.start()
    try:
        assert book_picture(second) == picture
        assert_conserved_exactly(second)
        assert_frozen_matches_orders(second)
        await _random_session(second, traders, 30, seed=8)  # and it trades on from there
        ids = {r.ord_id for r in order_rows(second)}
        assert len(ids) == len(order_rows(second))
        assert_conserved_exactly(second)
    finally:
        await second.trading.sequencer.stop()
        second.engine.dispose()


async def test_a_second_writer_cannot_start_on_the_same_database(rt: Runtime, tmp_path: Path) -> None:
    other = open_rig_runtime(tmp_path / "data")
    rival = Sequencer(
        other.trading.core,
        other.trading.store,
        other.clock,
        other.hub,
        other.trading.accounts,
        lease_wait_s=0.3,
    )
    try:
        with pytest.raises(RuntimeError, match="another sandex process"):
            await rival.start()
    finally:
        other.engine.dispose()


async def test_a_writer_that_lost_its_lease_writes_nothing_and_steps_down(rt: Runtime) -> None:
    alice = trader_for(rt, "alice@example.test")
    await fund(rt, alice, "USDT", "1000")
    store, sequencer = rt.trading.store, rt.trading.sequencer
    told: list[str] = []
    sequencer.on_lease_lost = lambda: told.append("lost")
    assert store.acquire_lease("intruder", rt.clock.now_ms() + 10_000, 0)  # e.g. an operator's drain
    refused = await rt.trading.service.place(alice, [limit(Side.BUY, "100", "1")])
    assert refused == Rejected(Reason.SYSTEM_ERROR)
    assert order_rows(rt) == []
    assert told == ["lost"] and sequencer.lease_lost
    store.release_lease("intruder")
    # it never takes the lease back (two writers would take turns): every later command is refused
    assert await rt.trading.service.place(alice, [limit(Side.BUY, "100", "1")]) == Rejected(
        Reason.SYSTEM_ERROR
    )
    assert store.lease_holder()[0] == "" and order_rows(rt) == []


async def test_inbox_commands_are_applied_by_the_running_sequencer_exactly_once(rt: Runtime) -> None:
    alice = trader_for(rt, "alice@example.test")
    store = rt.trading.store
    account = store.ensure_account(
        alice.user_id, Environment.LIVE, LedgerAccountKind.TRADING, rt.clock.now_ms()
    )
    payload = {
        "account_id": account,
        "user_id": alice.user_id,
        "environment": "live",
        "kind": "trading",
        "ccy": "USDT",
        "amount": "250",
    }
    started = time.monotonic()
    item = store.add_inbox("deposit", json.dumps(payload), rt.clock.now_ms())
    while balance(rt, alice, "USDT") == (D(0), D(0)):
        # Generous: the sequencer polls every 200 ms, but CI is a loaded 2-core box (no duration asserted).
        assert time.monotonic() - started < 30.0, "the server never applied the inbox item"
        await asyncio.sleep(0.02)
    outcome = store.inbox_outcome(item)
    assert outcome is not None and outcome.state == "done" and json.loads(outcome.result)["amount"] == "250"
    await asyncio.sleep(SEVERAL_INBOX_POLLS_S)  # a "nothing more happens" window: not applied twice
    assert balance(rt, alice, "USDT") == (D(250), D(0))
    bad = store.add_inbox("deposit", json.dumps({**payload, "ccy": "NOPE"}), rt.clock.now_ms())
    while (refused := store.inbox_outcome(bad)) is None:
        await asyncio.sleep(0.02)
    assert refused.state == "rejected"
    assert_conserved_exactly(rt)


async def test_commits_are_published_for_subscribers(rt: Runtime) -> None:
    seen: list[Any] = []
    for kind in (OrdersChanged, TradesHappened, BalancesChanged):
        rt.hub.subscribe(kind, seen.append)
    maker, taker = trader_for(rt, "maker@example.test"), trader_for(rt, "taker@example.test")
    await fund(rt, maker, "BTC", "1")
    await fund(rt, taker, "USDT", "1000")
    seen.clear()
    await place_one(rt, maker, limit(Side.SELL, "100", "1"))
    await place_one(rt, taker, limit(Side.BUY, "100", "1"))
    kinds = [type(e) for e in seen]
    assert kinds.count(TradesHappened) == 1
    trades = next(e for e in seen if isinstance(e, TradesHappened))
    assert trades.environment is Environment.LIVE and trades.trades[0].px == D(100)
    last_orders = [e for e in seen if isinstance(e, OrdersChanged)][-1]
    assert {u.user_id for u in last_orders.updates} == {maker.user_id, taker.user_id}
    balances = [e for e in seen if isinstance(e, BalancesChanged)][-1]
    assert {u.user_id for u in balances.updates} == {maker.user_id, taker.user_id}


async def test_deposit_checks_currency_and_amount(rt: Runtime) -> None:
    alice = trader_for(rt, "alice@example.test")
    svc = rt.trading.service
    before = posting_count(rt)
    for ccy, amount in (("NOPE", "1"), ("USDT", "0"), ("USDT", "-5"), ("USDT", "0.0000001"), ("BTC", "1E-9")):
        refused = await svc.deposit(alice.user_id, Environment.LIVE, ccy, D(amount))
        assert isinstance(refused, Rejected), (ccy, amount)
    assert posting_count(rt) == before
    done = await svc.deposit(alice.user_id, Environment.LIVE, "BTC", D("0.00000001"))
    assert not isinstance(done, Rejected) and done.available == D("0.00000001")


async def test_deposits_to_funding_stay_out_of_the_trading_account(rt: Runtime) -> None:
    alice = trader_for(rt, "alice@example.test")
    svc = rt.trading.service
    done = await svc.deposit(alice.user_id, Environment.LIVE, "USDT", D(70), LedgerAccountKind.FUNDING)
    assert not isinstance(done, Rejected) and done.account is LedgerAccountKind.FUNDING
    assert svc.balances(alice).details == []
    [funding] = svc.balances(alice, kind=LedgerAccountKind.FUNDING).details
    assert (funding.ccy, funding.available, funding.eq_usd) == ("USDT", D(70), D(70))
    refused = await place_one(rt, alice, limit(Side.BUY, "10", "1"))
    assert refused.rejected is not None and refused.rejected.reason is Reason.INSUFFICIENT_BALANCE


def test_commands_can_come_from_another_thread_and_loop(tmp_path: Path) -> None:
    """E.g. a test funding accounts of a server that runs in a background thread."""

    settings = Settings(data_dir=migrated_data_dir(tmp_path / "data"), rate_limits="off")
    with serve_in_thread(settings) as server:
        alice = trader_for(server.runtime, "alice@example.test")
        deposit = server.runtime.trading.service.deposit(alice.user_id, Environment.LIVE, "USDT", D(5))
        done = asyncio.run(deposit)
        assert not isinstance(done, Rejected) and done.available == D(5)
        assert balance(server.runtime, alice, "USDT") == (D(5), D(0))


async def test_an_inbox_item_that_breaks_is_refused_once_and_trading_goes_on(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = trader_for(rt, "alice@example.test")
    await fund(rt, alice, "USDT", "1000")
    real = codec.decode

    def broken(kind: str, payload: str) -> Any:
        if "boom" in payload:
            raise ValueError("a bug")
        return real(kind, payload)

    monkeypatch.setattr(codec, "decode", broken)
    item = rt.trading.store.add_inbox("deposit", '{"boom": 1}', rt.clock.now_ms())
    while (outcome := rt.trading.store.inbox_outcome(item)) is None:
        assert (await place_one(rt, alice, limit(Side.BUY, "100", "1"))).ok  # never failed by the item
        await asyncio.sleep(0.05)
    assert outcome.state == "rejected" and json.loads(outcome.result)["reason"] == "system_error"
    assert rt.trading.sequencer.failures == 1
    assert_conserved_exactly(rt)


async def test_fee_tiers_survive_a_restart_and_a_reset_returns_to_the_default(
    tmp_path: Path, migrated_database_url: str
) -> None:
    first = open_rig_runtime(tmp_path / "data", migrated_database_url)
    await first.trading.sequencer.start()
    vip, plain = trader_for(first, "vip@example.test"), trader_for(first, "plain@example.test")
    tier = await first.trading.service.set_fee_tier(vip.user_id, D("0.0001"), D("0.0003"), "VIP8")
    assert isinstance(tier, FeeTier)
    assert (tier.level, tier.maker, tier.taker) == ("VIP8", D("0.0001"), D("0.0003"))
    await first.trading.sequencer.stop()
    first.engine.dispose()

    second = open_rig_runtime(tmp_path / "data", migrated_database_url)
    await second.trading.sequencer.start()
    try:
        for environment in Environment:  # both trading accounts of the user, live and demo
            shown = second.trading.service.trade_fee(Trader(vip.user_id, environment), BTC)
            assert not isinstance(shown, Rejected)
            assert (shown.level, shown.maker, shown.taker) == ("VIP8", D("-0.0001"), D("-0.0003"))
        untouched = second.trading.service.trade_fee(plain, BTC)
        assert not isinstance(untouched, Rejected) and untouched.level == "Lv1"
        back = await second.trading.service.set_fee_tier(vip.user_id, None, None)
        assert isinstance(back, FeeTier) and back == DEFAULT_TIER
    finally:
        await second.trading.sequencer.stop()
        second.engine.dispose()

    third = open_rig_runtime(tmp_path / "data", migrated_database_url)
    try:
        third.trading.core.load()
        assert third.trading.core.fee_tier(Environment.LIVE, None) == DEFAULT_TIER
        shown = third.trading.service.trade_fee(vip, BTC)
        assert not isinstance(shown, Rejected) and shown.level == "Lv1"
    finally:
        third.engine.dispose()


async def test_the_write_ahead_log_is_checkpointed_beside_the_writer(rt: Runtime) -> None:
    """SQLite: the group commit's own connection never checkpoints (a checkpoint inside a commit
    stalled every order waiting on it); `checkpoint` moves every committed frame, aside."""
    alice, bob = trader_for(rt, "alice@example.test"), trader_for(rt, "bob@example.test")
    await fund(rt, alice, "USDT", "1000")
    await fund(rt, bob, "BTC", "1")
    for _ in range(5):
        await place_one(rt, bob, limit(Side.SELL, "100", "0.1"))
        await place_one(rt, alice, limit(Side.BUY, "100", "0.1"))
    store = rt.trading.store

    def autocheckpoint() -> object:  # on the writer thread, through the connection it commits with
        return store._commit_connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()

    assert await rt.trading.sequencer.exclusive(autocheckpoint) == 0
    moved = await rt.trading.sequencer.exclusive(store.checkpoint)
    assert moved is not None and moved[0] > 0 and moved[0] == moved[1]
    assert await rt.trading.sequencer.exclusive(lambda: 42) == 42  # runs between commits
    assert_conserved_exactly(rt)


def _wal_bytes(rt: Runtime) -> int:
    wal = Path(f"{rt.engine.url.database}-wal")
    return wal.stat().st_size if wal.exists() else 0


async def test_a_catch_up_checkpoint_empties_the_write_ahead_log(rt: Runtime) -> None:
    """Between two commits, on the writer's thread: everything the PASSIVE checkpoints left is
    copied and the log file is cut to nothing; what was committed stays, and commits go on."""
    alice, bob = trader_for(rt, "alice@example.test"), trader_for(rt, "bob@example.test")
    await fund(rt, alice, "USDT", "1000")
    await fund(rt, bob, "BTC", "1")
    await place_one(rt, bob, limit(Side.SELL, "100", "0.1"))
    await place_one(rt, alice, limit(Side.BUY, "100", "0.1"))
    assert _wal_bytes(rt) > 0
    store = rt.trading.store

    moved = await rt.trading.sequencer.exclusive(functools.partial(store.checkpoint, truncate=True))

    assert moved == (0, 0) and _wal_bytes(rt) == 0
    await place_one(rt, bob, limit(Side.SELL, "100", "0.1"))
    await place_one(rt, alice, limit(Side.BUY, "100", "0.1"))
    assert_conserved_exactly(rt)


async def test_a_busy_writer_s_log_file_is_emptied_while_the_server_runs(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PASSIVE checkpoints alone never let a busy writer's log start over (it grew by the whole
    load, 346 MB in 2 minutes); once it is past the threshold, the checkpoint loop catches up."""
    monkeypatch.setattr(sequencer_module, "WAL_CATCH_UP_FRAMES", 0)
    alice, bob = trader_for(rt, "alice@example.test"), trader_for(rt, "bob@example.test")
    await fund(rt, alice, "USDT", "1000")
    await fund(rt, bob, "BTC", "1")
    for _ in range(5):
        await place_one(rt, bob, limit(Side.SELL, "100", "0.1"))
        await place_one(rt, alice, limit(Side.BUY, "100", "0.1"))

    await until(lambda: _wal_bytes(rt) == 0, "the checkpoint loop to empty the WAL file")
    assert_conserved_exactly(rt)
