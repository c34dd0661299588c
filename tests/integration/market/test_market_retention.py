"""Old simulated-market history is pruned by the sandbox clock; what users can read stays as on OKX."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from sqlalchemy import text

from sandex.app import create_app
from sandex.domain.clock import DAY_MS, MINUTE_MS
from sandex.domain.matching.order import Side
from sandex.domain.trading.commands import CancelSpec
from sandex.process import Runtime, open_runtime
from sandex.runtime.retention import RetentionKeeper
from sandex.services.retention import Retention
from sandex.services.trading.views import Trader
from sandex.storage.repositories.retention import SqlRetentionStore
from tests.support.apps import Rig, rig, settings_for
from tests.support.exchange import BTC, D, assert_conserved, place, trader_pair

CLOSED_SYSTEM_ORDERS = (
    "SELECT count(*) FROM orders WHERE state IN ('filled', 'canceled') AND account_id IN ({accounts})"
    " AND ord_id < (SELECT max(ord_id) FROM orders)"
)
SYSTEM_BILLS = (
    "SELECT count(*) FROM postings WHERE reason != 'deposit' AND account_id IN ({accounts})"
    " AND bill_id < (SELECT max(bill_id) FROM postings)"
)
SYSTEM_ACCOUNTS = (
    "SELECT id FROM ledger_accounts WHERE user_id IS NULL"
    " OR user_id IN (SELECT user_id FROM market_system_users)"
)


def count(rt: Runtime, sql: str) -> int:
    with rt.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def system_rows(rt: Runtime) -> dict[str, int]:
    """The market's own rows (but the newest order and bill of all, which always stay)."""
    return {
        "closed orders": count(rt, CLOSED_SYSTEM_ORDERS.format(accounts=SYSTEM_ACCOUNTS)),
        "fills": count(rt, f"SELECT count(*) FROM fills WHERE account_id IN ({SYSTEM_ACCOUNTS})"),
        "bills": count(rt, SYSTEM_BILLS.format(accounts=SYSTEM_ACCOUNTS)),
        "live orders": count(rt, "SELECT count(*) FROM orders WHERE state IN ('live', 'partially_filled')"),
    }


def keeper(rt: Runtime) -> RetentionKeeper:
    """As the app wires it: rounds on the exchange's writer thread, cutoffs from the sandbox clock."""
    store = Retention(SqlRetentionStore(rt.sessions))
    return RetentionKeeper(store, rt.clock, writer=rt.trading.sequencer.exclusive)


async def user_history(m: Rig) -> tuple[Trader, dict[str, str]]:
    """A user who bought from the market maker, canceled an order and still has one resting."""
    buyer, _ = await trader_pair(m.rt)
    [book] = await m.get("books", instId=BTC, sz="1")
    ask = D(book["asks"][0][0])
    orders = {
        "filled": await place(m.rt, buyer, Side.BUY, str(ask * 2), "0.0001"),  # takes the maker's ask
        "canceled": await place(m.rt, buyer, Side.BUY, "1000", "0.001"),
        "resting": await place(m.rt, buyer, Side.BUY, "1001", "0.001"),
    }
    [ack] = await m.rt.trading.service.cancel(buyer, [CancelSpec(BTC, int(orders["canceled"]))])  # type: ignore[misc]
    assert ack.ok
    return buyer, orders


async def test_the_market_makers_rows_go_a_minute_after_closing_and_users_rows_stay(
    tmp_path: Path, migrated_database_url: str
) -> None:
    async with rig(tmp_path / "data", market=True, seed=11, database_url=migrated_database_url) as m:
        await m.step(20)
        buyer, orders = await user_history(m)
        await m.step(5)
        before = system_rows(m.rt)
        assert before["closed orders"] > 0 and before["fills"] > 0 and before["bills"] > 0
        trades = count(m.rt, "SELECT count(*) FROM trades")
        m.rt.clock.advance(2 * MINUTE_MS)
        assert await keeper(m.rt).prune() > 0
        after = system_rows(m.rt)
        assert (after["closed orders"], after["fills"], after["bills"]) == (0, 0, 0)
        assert after["live orders"] == before["live orders"]  # the books are whole
        service = m.rt.trading.service
        history = {o.ord_id for o in service.order_history(buyer)}
        assert {orders["filled"], orders["canceled"]} <= history
        assert [f.ord_id for f in service.fills(buyer)] == [orders["filled"]]
        assert count(m.rt, "SELECT count(*) FROM trades") == trades  # the public tape: 3 months
        assert_conserved(m.rt)  # deposits stay: balances still add up to them
        await m.step(3)  # the market goes on
        [book] = await m.get("books", instId=BTC, sz="1")
        assert book["bids"] and book["asks"]


async def test_after_three_months_users_history_and_the_tape_go_but_ids_never_repeat(
    tmp_path: Path, migrated_database_url: str
) -> None:
    async with rig(tmp_path / "data", market=True, seed=12, database_url=migrated_database_url) as m:
        await m.step(10)
        buyer, orders = await user_history(m)
        newest_order = count(m.rt, "SELECT max(ord_id) FROM orders")
        newest_trade = count(m.rt, "SELECT max(trade_id) FROM trades")
        m.rt.clock.advance(89 * DAY_MS)
        await keeper(m.rt).prune()
        service = m.rt.trading.service
        assert orders["filled"] in {o.ord_id for o in service.order_history(buyer, archive=True)}
        assert [f.ord_id for f in service.fills(buyer, history=True)] == [orders["filled"]]
        m.rt.clock.advance(2 * DAY_MS)  # 91 days on
        await keeper(m.rt).prune()
        assert service.order_history(buyer, archive=True) == []
        assert service.fills(buyer, history=True) == []
        assert [o.ord_id for o in service.pending_orders(buyer)] == [orders["resting"]]  # open orders stay
        assert count(m.rt, "SELECT count(*) FROM trades") == 1  # the newest: ids go on from it
        assert count(m.rt, "SELECT count(*) FROM market_candles WHERE bar = '1m'") == 0  # > 1,440 minutes old
        await m.rt.trading.sequencer.stop()
        await m.rt.trading.sequencer.start()  # ids are recovered from what is stored
        await m.step(5)
        new = await place(m.rt, buyer, Side.BUY, "1002", "0.001")
        assert int(new) > newest_order
        assert count(m.rt, "SELECT max(trade_id) FROM trades") > newest_trade
        assert_conserved(m.rt)


async def test_a_running_server_prunes_in_the_background_by_the_sandbox_clock(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", market=True, seed=13, tape_days=1)  # `--tape-days 1`
    rt = open_runtime(settings, fast_hashing=True)
    app = create_app(settings, rt)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://sandex.test") as http:
            deadline = time.monotonic() + 60
            while system_rows(rt)["fills"] == 0:
                assert time.monotonic() < deadline, "the market never traded"
                await asyncio.sleep(0.1)
            oldest = count(rt, "SELECT min(trade_id) FROM trades")
            admin = {"Authorization": f"Bearer {rt.admin_token}"}
            await http.post("/sandex/v1/clock/advance", json={"days": 2}, headers=admin)
            deadline = time.monotonic() + 120  # a round every 10 s; a loaded CI box may be slow
            while count(rt, f"SELECT count(*) FROM trades WHERE trade_id = {oldest}"):
                assert time.monotonic() < deadline, "old trades were never pruned"
                await asyncio.sleep(0.2)
