"""WebSocket login (reference §6.2): OKX's signature over seconds, the REST key checks, 4007."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from websockets.exceptions import ConnectionClosed

from sandex.domain.keys.rules import EditKeyRequest
from tests.support.factories import PASSPHRASE
from tests.support.okx import Creds, login_args
from tests.support.ws import Conn, World, open_ws


async def test_login_success_keys_are_in_okx_order(world: World) -> None:
    async with open_ws(world.url("private")) as ws:
        await ws.send({"op": "login", "args": [login_args(world.alice)]})
        raw = await ws.recv_raw()
        assert raw.startswith('{"event":"login","msg":"","code":"0","connId":"')
        assert raw.endswith('"}') and len(raw) == len(
            '{"event":"login","msg":"","code":"0","connId":"12345678"}'
        )


@pytest.mark.parametrize(
    "stamp",
    [lambda: int(time.time()), lambda: str(int(time.time())), lambda: f"{time.time():.3f}"],
    ids=["int", "integer-string", "decimal-string"],
)
async def test_every_timestamp_form_clients_send_is_accepted(
    world: World, stamp: Callable[[], object]
) -> None:
    async with open_ws(world.url("private")) as ws:
        reply = await ws.login(world.alice, timestamp=stamp())
        assert reply["event"] == "login" and reply["code"] == "0"


def _other_secret_sign(creds: Creds) -> str:
    return login_args(Creds(creds.api_key, "0" * 32, creds.passphrase))["sign"]


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"timestamp": "yesterday"}, "60004"),
        ({"timestamp": ""}, "60004"),
        ({"apiKey": ""}, "60001"),
        ({"sign": ""}, "60002"),
        ({"passphrase": ""}, "60003"),
        ({"apiKey": "not-a-key"}, "60005"),
        ({"apiKey": "00000000-0000-4000-8000-000000000000"}, "60032"),
        ({"passphrase": "Wrong#Pass1"}, "60024"),
        ({"sign": "bm90IGEgc2lnbmF0dXJl"}, "60007"),
    ],
)
async def test_login_failures(world: World, override: dict[str, str], code: str) -> None:
    async with open_ws(world.url("private")) as ws:
        reply = await ws.login(world.alice, **override)
        assert reply["event"] == "error" and reply["code"] == code, reply
        assert list(reply) == ["event", "msg", "code", "connId"]
        # still not logged in: private channels stay closed
        await ws.send({"op": "subscribe", "args": [{"channel": "account"}]})
        assert (await ws.recv())["code"] == "60011"


@pytest.mark.parametrize("offset_s", [-40, 40])
async def test_timestamps_more_than_30_s_away_are_expired(world: World, offset_s: int) -> None:
    async with open_ws(world.url("private")) as ws:
        stamp = str(int(time.time()) + offset_s)
        args = login_args(world.alice, timestamp=stamp)
        await ws.send({"op": "login", "args": [args]})
        reply = await ws.recv()
        assert reply["code"] == "60006", reply


async def test_a_sign_with_another_secret_is_refused(world: World) -> None:
    async with open_ws(world.url("private")) as ws:
        reply = await ws.login(world.alice, sign=_other_secret_sign(world.alice))
        assert reply["code"] == "60007"


async def test_the_ip_allow_list_applies(world: World) -> None:
    async with open_ws(world.url("private")) as ws:
        reply = await ws.login(world.alice_elsewhere)
        assert reply["code"] == "60009"
        assert "127.0.0.1" in reply["msg"] and "IP whitelist" in reply["msg"]


async def test_live_keys_log_in_on_live_urls_only(world: World) -> None:
    async with open_ws(world.url("private", demo=True)) as ws:
        reply = await ws.login(world.alice)
        assert reply["code"] == "60009" and "environment" in reply["msg"]


@pytest.mark.parametrize(
    ("demo_path", "query", "headers"),
    [(True, "", {}), (False, "?brokerId=9999", {}), (False, "", {"x-simulated-trading": "1"})],
    ids=["demo-path", "broker-id", "header"],
)
async def test_demo_keys_log_in_on_demo_connections(
    world: World, demo_path: bool, query: str, headers: dict[str, str]
) -> None:
    async with open_ws(world.url("private", demo=demo_path, query=query), additional_headers=headers) as ws:
        assert (await ws.login(world.alice_demo))["code"] == "0"
    async with open_ws(world.url("private")) as ws:  # and not on a live one
        assert (await ws.login(world.alice_demo))["code"] == "60009"


async def test_several_accounts_in_one_login_are_refused(world: World) -> None:
    async with open_ws(world.url("private")) as ws:
        await ws.send({"op": "login", "args": [login_args(world.alice), login_args(world.bob)]})
        assert (await ws.recv())["code"] == "60031"


async def test_logging_in_again_with_the_same_key_is_fine_another_key_is_not(world: World) -> None:
    async with open_ws(world.url("private")) as ws:
        assert (await ws.login(world.alice))["code"] == "0"
        assert (await ws.login(world.alice))["code"] == "0"  # python-okx logs in before every subscribe
        assert (await ws.login(world.bob))["code"] == "60031"


async def test_login_is_allowed_on_public_and_business_urls(world: World) -> None:
    for kind in ("public", "business"):
        async with open_ws(world.url(kind)) as ws:
            assert (await ws.login(world.alice))["code"] == "0"


async def test_a_login_counts_as_use_of_the_key(world: World) -> None:
    auth = world.server.runtime.keys.auth
    before = auth.fresh_last_used(world.alice_read.api_key)
    await asyncio.sleep(1.1)  # key use is tracked in 1 s steps
    async with open_ws(world.url("private")) as ws:
        assert (await ws.login(world.alice_read))["code"] == "0"
    after = auth.fresh_last_used(world.alice_read.api_key)
    assert after is not None and (before is None or after > before)


async def test_login_failures_never_log_the_passphrase_or_sign(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    async with open_ws(world.url("private")) as ws:
        args = login_args(world.alice, passphrase="Wrong#Secret9")
        await ws.send({"op": "login", "args": [args]})
        await ws.recv()
    assert "Wrong#Secret9" not in caplog.text and args["sign"] not in caplog.text
    assert PASSPHRASE not in caplog.text


# --- key changes close sessions (4007) ----------------------------------------------------------------------
async def _closed_code(ws: Conn) -> int:
    with pytest.raises(ConnectionClosed) as closed:
        await ws.expect(lambda m: False, timeout=5)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def test_revoking_a_key_closes_its_sessions_with_4007(tmp_path_factory: pytest.TempPathFactory) -> None:
    from tests.support.ws import served_world

    with served_world(tmp_path_factory.mktemp("revoke") / "data") as world:
        keys = world.server.runtime.keys.keys
        async with (
            open_ws(world.url("private")) as one,
            open_ws(world.url("business")) as two,
            open_ws(world.url("private")) as bystander,
        ):
            for ws, creds in ((one, world.alice), (two, world.alice), (bystander, world.bob)):
                assert (await ws.login(creds))["code"] == "0"
            await asyncio.to_thread(keys.revoke, world.alice.api_key)
            assert await _closed_code(one) == 4007
            assert await _closed_code(two) == 4007
            await bystander.send("ping")
            assert await bystander.recv_raw() == "pong"


async def test_editing_a_key_closes_its_sessions_with_4007(world: World) -> None:
    keys = world.server.runtime.keys.keys
    async with open_ws(world.url("private")) as ws:
        assert (await ws.login(world.alice_read))["code"] == "0"
        edited = await asyncio.to_thread(
            keys.update, world.alice_id, world.alice_read.api_key, EditKeyRequest(label="read2")
        )
        assert not hasattr(edited, "reason"), edited
        assert await _closed_code(ws) == 4007


async def test_a_key_revoked_by_another_process_closes_its_sessions(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """`sandex key revoke` runs in its own process: the server sees it through the change counters."""
    from sandex.process import open_runtime
    from tests.support.ws import served_world

    with served_world(tmp_path_factory.mktemp("elsewhere") / "data") as world:
        async with open_ws(world.url("private")) as ws, open_ws(world.url("private")) as bystander:
            assert (await ws.login(world.alice))["code"] == "0"
            assert (await bystander.login(world.bob))["code"] == "0"
            other = open_runtime(world.server.runtime.settings, fast_hashing=True)  # as the CLI would
            try:
                await asyncio.to_thread(other.keys.keys.revoke, world.alice.api_key)
            finally:
                other.engine.dispose()
            assert await _closed_code(ws) == 4007
            await bystander.send("ping")
            assert await bystander.recv_raw() == "pong"


async def test_freezing_the_owner_closes_its_sessions(tmp_path_factory: pytest.TempPathFactory) -> None:
    from sandex.client.control import AsyncControlClient
    from tests.support.ws import served_world

    with served_world(tmp_path_factory.mktemp("freeze") / "data") as world:
        async with open_ws(world.url("private")) as ws:
            assert (await ws.login(world.alice))["code"] == "0"
            async with AsyncControlClient(world.server.base_url, world.server.runtime.admin_token) as control:
                await control.freeze_user(world.alice.uid)
            assert await _closed_code(ws) == 4007
