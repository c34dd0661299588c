"""Reset and snapshots: the whole exchange (or one user) back to a known state, caches included."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from sandex.client import ControlError, OkxError
from sandex.config import Settings
from sandex.process import open_runtime
from sandex.services.control.ports import StateReplaced
from sandex.testing.inprocess import SandexApp, running_app
from tests.support.db import migrated_data_dir


@pytest.fixture(params=["sqlite", "postgres"])
async def any_db_app(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SandexApp]:
    """An in-process sandex on SQLite and on PostgreSQL."""
    database_url = None if request.param == "sqlite" else request.getfixturevalue("migrated_postgres_url")
    data_dir = tmp_path / "data" if database_url else migrated_data_dir(tmp_path / "data")
    settings = Settings(data_dir=data_dir, database_url=database_url, rate_limits="off")
    runtime = open_runtime(settings, fast_hashing=True)
    async with running_app(settings, runtime) as handle:
        yield handle


async def _placed_order(sandex_app: SandexApp, email: str) -> tuple[str, str]:
    account = await sandex_app.create_account(email=email, funds={"USDT": "1000"})
    ack = await sandex_app.okx(account.trade).place_order("BTC-USDT", "buy", "limit", "0.01", px="100")
    return account.uid, ack.ord_id


async def test_reset_forgets_users_keys_orders_balances_faults_and_time(any_db_app: SandexApp) -> None:
    sx = any_db_app
    account = await sx.create_account(funds={"USDT": "1000"})
    okx = sx.okx(account.trade)
    await okx.place_order("BTC-USDT", "buy", "limit", "0.01", px="100")
    await okx.account_config()  # the key is now cached by the auth service
    await sx.control.inject_error("50001", route="/api/v5/market/*")
    await sx.control.advance_clock(days=3)
    took_ms = await sx.control.reset()
    assert took_ms >= 0
    assert [u for u in await sx.control.list_users() if u.email] == []  # the market's own users stay
    assert await sx.control.faults() == []
    clock = await sx.control.clock()
    assert not clock.frozen and abs(clock.offset_ms) < 1000
    with pytest.raises(OkxError) as caught:
        await okx.account_config()
    assert caught.value.code == "50119"  # gone, not just cached
    # A new user (which may get the old one's database id) starts from nothing and trades normally.
    fresh = await sx.create_account(email="fresh@sandex.test", funds={"USDT": "5"})
    fresh_okx = sx.okx(fresh.trade)
    assert (await fresh_okx.balance()).avail("USDT") == Decimal(5)
    assert await fresh_okx.pending_orders() == []
    assert (await fresh_okx.place_order("BTC-USDT", "buy", "limit", "0.01", px="100")).ok


async def test_reset_refills_rate_limit_budgets(sandex_app: SandexApp) -> None:
    okx = sandex_app.okx()
    codes = []
    for _ in range(12):  # public/time: 10 per 2 s per IP
        try:
            await okx.server_time()
            codes.append("0")
        except OkxError as error:
            codes.append(error.code)
    assert "50011" in codes
    await sandex_app.control.reset()
    assert await okx.server_time() > 0


async def test_resetting_one_user_keeps_its_login_and_no_one_elses_state(any_db_app: SandexApp) -> None:
    sx = any_db_app
    uid, _ = await _placed_order(sx, "one@sandex.test")
    await sx.control.create_subaccount(uid, "subdesk01")
    other = await sx.create_account(email="other@sandex.test", funds={"USDT": "7"})
    other_ack = await sx.okx(other.trade).place_order("BTC-USDT", "buy", "limit", "0.01", px="100")
    await sx.control.reset(uid)
    user = await sx.control.get_user(uid)
    assert user.email == "one@sandex.test"
    assert await sx.control.list_keys(uid) == [] and await sx.control.list_subaccounts(uid) == []
    key = await sx.control.create_key(uid, perm="read_only,trade", ip="127.0.0.1")
    okx = sx.okx(key.credentials)
    assert (await okx.balance()).details == () and await okx.pending_orders() == []
    kept = sx.okx(other.trade)
    assert [o.ord_id for o in await kept.pending_orders()] == [other_ack.ord_id]
    usdt = (await kept.balance()).get("USDT")
    assert usdt is not None and (usdt.avail, usdt.frozen) == (Decimal(6), Decimal(1))


async def test_reset_of_an_unknown_user_is_not_found(sandex_app: SandexApp) -> None:
    with pytest.raises(ControlError) as caught:
        await sandex_app.control.reset("424242")
    assert caught.value.status == 404


async def test_a_snapshot_restores_users_keys_orders_and_balances(any_db_app: SandexApp) -> None:
    sx = any_db_app
    account = await sx.create_account(funds={"USDT": "1000"})
    okx = sx.okx(account.trade)
    ack = await okx.place_order("BTC-USDT", "buy", "limit", "0.01", px="100")
    await sx.control.snapshot("one order")
    await okx.cancel_order("BTC-USDT", ack.ord_id)
    await sx.control.create_user("later@sandex.test")
    await sx.control.restore("one order")
    assert [u.email for u in await sx.control.list_users() if u.email] == [account.email]
    assert [o.ord_id for o in await okx.pending_orders()] == [ack.ord_id]  # the key works again
    usdt = (await okx.balance()).get("USDT")
    assert usdt is not None and (usdt.avail, usdt.frozen) == (Decimal(999), Decimal(1))
    await sx.control.reset()
    await sx.control.restore("one order")  # a snapshot outlives a reset
    assert [o.state for o in await okx.pending_orders()] == ["live"]
    assert await sx.control.snapshots() == ["one order"]
    await sx.control.drop_snapshot("one order")
    with pytest.raises(ControlError) as caught:
        await sx.control.restore("one order")
    assert caught.value.status == 404


async def test_every_reset_is_announced_on_the_event_hub(sandex_app: SandexApp) -> None:
    seen: list[StateReplaced] = []
    unsubscribe = sandex_app.runtime.hub.subscribe(StateReplaced, seen.append)
    try:
        account = await sandex_app.create_account(funds={})
        await sandex_app.control.reset(account.uid)
        await sandex_app.control.snapshot("s")
        await sandex_app.control.restore("s")
        await sandex_app.control.reset()
    finally:
        unsubscribe()
    assert seen == [StateReplaced(account.uid), StateReplaced(), StateReplaced()]
