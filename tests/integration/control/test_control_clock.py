"""Time travel: the control API moves the clock every service reads, and the OKX API follows."""

from __future__ import annotations

import time

import pytest

from sandex.client import AccountConfig, Credentials, OkxError
from sandex.domain.clock import DAY_MS, HOUR_MS, LATEST_MS
from sandex.testing.inprocess import SandexApp


def _real_ms() -> int:
    return time.time_ns() // 1_000_000


async def _server_time(sandex_app: SandexApp) -> int:
    return await sandex_app.okx().server_time()


async def test_advance_moves_okx_server_time(sandex_app: SandexApp) -> None:
    state = await sandex_app.control.advance_clock(days=2, seconds=30)
    assert not state.frozen
    assert abs(state.offset_ms - (2 * DAY_MS + 30_000)) < 1000
    assert abs(await _server_time(sandex_app) - (_real_ms() + 2 * DAY_MS + 30_000)) < 1000


async def test_freeze_holds_time_and_resume_runs_on_from_there(sandex_app: SandexApp) -> None:
    frozen = await sandex_app.control.freeze_clock(1_800_000_000_000)
    assert frozen.frozen and frozen.now_ms == 1_800_000_000_000
    time.sleep(0.02)  # a window, not a wait: real time passes, the frozen clock must not move
    assert await _server_time(sandex_app) == 1_800_000_000_000
    await sandex_app.control.advance_clock(ms=5)
    assert (await sandex_app.control.clock()).now_ms == 1_800_000_000_005
    resumed = await sandex_app.control.resume_clock()
    assert not resumed.frozen and 1_800_000_000_005 <= resumed.now_ms < 1_800_000_001_000


async def test_set_jumps_to_an_instant_and_keeps_running(sandex_app: SandexApp) -> None:
    state = await sandex_app.control.set_clock(1_900_000_000_000)
    assert not state.frozen and 1_900_000_000_000 <= state.now_ms < 1_900_000_001_000


async def test_a_client_on_real_time_is_outside_the_window_until_it_syncs(sandex_app: SandexApp) -> None:
    account = await sandex_app.create_account(funds={})
    await sandex_app.control.advance_clock(ms=HOUR_MS)
    unsynced = sandex_app.okx(account.read_only)
    with pytest.raises(OkxError) as caught:
        await unsynced.account_config()
    assert caught.value.code == "50102"  # as OKX: "Timestamp request expired"
    await unsynced.sync_time()
    assert (await unsynced.account_config()).uid == account.uid


async def test_fourteen_days_expire_an_unbound_trade_key_and_not_a_bound_or_demo_one(
    sandex_app: SandexApp,
) -> None:
    control = sandex_app.control
    user = await control.create_user("idle@sandex.test")
    keys = {
        "unbound trade": await control.create_key(user.uid, perm="read_only,trade"),
        "bound trade": await control.create_key(user.uid, perm="read_only,trade", ip="127.0.0.1"),
        "demo unbound trade": await control.create_key(user.uid, perm="read_only,trade", demo=True),
        "unbound read-only": await control.create_key(user.uid, perm="read_only"),
    }
    await sandex_app.advance_clock(days=13, ms=HOUR_MS * 23)  # not yet 14 days: every key still works
    for key in keys.values():
        assert (await _config(sandex_app, key.credentials)).uid == user.uid
    await sandex_app.advance_clock(days=14, ms=1000)  # 14 days after that last use
    with pytest.raises(OkxError) as caught:
        await _config(sandex_app, keys["unbound trade"].credentials)
    assert caught.value.code == "50111"
    assert (await control.get_key(keys["unbound trade"].api_key)).state == "expired"
    for name in ("bound trade", "demo unbound trade", "unbound read-only"):
        assert (await _config(sandex_app, keys[name].credentials)).uid == user.uid, name


async def _config(sandex_app: SandexApp, creds: Credentials) -> AccountConfig:
    return await sandex_app.okx(creds).account_config()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/clock/set", '{"now_ms": 1' + "0" * 30 + "}", "now_ms"),
        ("/clock/set", '{"now_ms": -1}', "now_ms"),
        ("/clock/set", f'{{"now_ms": {LATEST_MS + 1}}}', "now_ms"),
        ("/clock/freeze", '{"at_ms": 1' + "0" * 30 + "}", "at_ms"),
        ("/clock/freeze", f'{{"at_ms": {1 << 63}}}', "at_ms"),
        ("/clock/advance", '{"days": 1e400}', "days"),
        ("/clock/advance", '{"seconds": -1.7e308}', "seconds"),
        ("/clock/advance", '{"ms": 1' + "0" * 30 + "}", "ms"),
        ("/clock/advance", f'{{"ms": {LATEST_MS}}}', "ms"),
        ("/clock/advance", '{"days": -30000}', "ms"),
    ],  # before 1970
)
async def test_a_clock_out_of_range_is_refused_and_time_does_not_move(
    sandex_app: SandexApp, path: str, body: str, field: str
) -> None:
    token = sandex_app.runtime.admin_token
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    response = await sandex_app.http.post(f"/sandex/v1{path}", content=body, headers=headers)
    assert (response.status_code, response.json()["error"]["field"]) == (400, field)
    state = await sandex_app.control.clock()
    assert not state.frozen and abs(state.now_ms - _real_ms()) < 60_000
