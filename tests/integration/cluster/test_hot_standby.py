"""A standby sequencer (`--role sequencer --standby`) follows its cluster as a replica while it
waits, and takes over on that state without loading the database when the state is the
database's; when it is not (a commit the old sequencer never published), it loads, as a cold
standby does. Either way the new sequencer holds exactly what the database holds."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

import httpx

from sandex.client.control import AsyncControlClient
from sandex.process import Runtime
from sandex.runtime.cluster.follower import Follower
from sandex.runtime.cluster.hot_standby import HotStandby
from sandex.runtime.sequencer import Sequencer
from sandex.services.accounts.views import UserView
from sandex.testing.server import RunningServer, serve_in_thread
from tests.integration.cluster.test_replica import ORDER, SETTLE_S, TRANSFER, _fund, _get, _post
from tests.support.factories import register
from tests.support.okx import Creds, limit
from tests.support.ws import key_creds, run_to_end, ws_settings

TRADES = "/api/v5/market/trades?instId=BTC-USDT&limit=100"


def _wait_until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + SETTLE_S
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def _writer(server: RunningServer) -> Sequencer:
    writer = server.runtime.trading.sequencer
    assert isinstance(writer, Sequencer)
    return writer


def _hot(server: RunningServer) -> HotStandby:
    hot = server.runtime.hot_standby
    assert hot is not None
    return hot


def _serving(server: RunningServer) -> bool:
    return bool(server.app.state.standing.serving)


def _traders(rt: Runtime) -> tuple[UserView, UserView, Creds, Creds]:
    alice, bob = register(rt.accounts, "alice@example.test"), register(rt.accounts, "bob@example.test")
    return alice, bob, key_creds(rt, alice, "live"), key_creds(rt, bob, "live")


def _trade(server: RunningServer, alice: Creds, bob: Creds) -> None:
    """A trade, a resting order and a refused transfer (it uses up an id no table shows)."""
    for creds, side, px in ((alice, "buy", "100"), (bob, "sell", "100"), (alice, "buy", "90")):
        reply = _post(server, creds, ORDER, limit(side, px, "0.01"))
        assert reply["code"] == "0", reply
    refused = _post(server, alice, TRANSFER, {"ccy": "USDT", "from": "18", "to": "6", "amt": "900000000"})
    assert refused["code"] != "0", refused


def _state_from_the_database(tmp_path: Path, common: dict[str, Any], writer: Sequencer) -> None:
    """An API process started now loads the database: its replica's state is the new sequencer's."""
    with serve_in_thread(ws_settings(tmp_path, role="api", **common)) as fresh:
        replica = fresh.runtime.trading.sequencer
        _wait_until(lambda: replica.running and replica.settled, "the fresh replica loaded")
        assert replica.core.state() == writer.core.state()


def test_a_standby_that_followed_takes_over_without_loading_and_holds_the_database_state(
    tmp_path: Path, postgres_url: str, nats_url: str
) -> None:
    common: dict[str, Any] = {"database_url": postgres_url, "nats_url": nats_url, "cluster": tmp_path.name}
    with contextlib.ExitStack() as outer:
        first = contextlib.ExitStack()
        old = first.enter_context(serve_in_thread(ws_settings(tmp_path, role="sequencer", **common)))
        rt = old.runtime
        alice_user, bob_user = (
            register(rt.accounts, "alice@example.test"),
            register(rt.accounts, "bob@example.test"),
        )
        alice, bob = key_creds(rt, alice_user, "live"), key_creds(rt, bob_user, "live")
        standby = outer.enter_context(
            serve_in_thread(ws_settings(tmp_path, role="sequencer", **common), standby=True)
        )
        api = outer.enter_context(serve_in_thread(ws_settings(tmp_path, role="api", **common)))
        run_to_end(_fund(api, alice_user.uid, bob_user.uid))
        _trade(api, alice, bob)
        replica = _hot(standby).replica
        _wait_until(lambda: replica.written == _writer(old).commit_seq and replica.settled, "standby follows")
        tape = httpx.get(old.base_url + TRADES).json()["data"]
        assert not _serving(standby)

        first.close()  # the sequencer stops: the standby takes the lease over
        _wait_until(lambda: _serving(standby), "the standby serves")
        new = _writer(standby)
        assert new.loads == 0  # it went on from its replica
        assert httpx.get(standby.base_url + TRADES).json()["data"] == tape  # market data followed too
        done = _post(api, bob, ORDER, limit("sell", "90", "0.01"))  # fills alice's resting buy
        assert done["code"] == "0" and done["data"][0]["sCode"] == "0", done
        ord_id = done["data"][0]["ordId"]
        stored = _get(standby, bob, f"/api/v5/trade/order?instId=BTC-USDT&ordId={ord_id}")
        assert stored["data"][0]["state"] == "filled", stored  # the id the API process answered is stored
        moved = _post(api, alice, TRANSFER, {"ccy": "USDT", "from": "18", "to": "6", "amt": "10"})
        trans_id = moved["data"][0]["transId"]
        state = _get(standby, alice, f"/api/v5/asset/transfer-state?transId={trans_id}")
        assert state["code"] == "0" and state["data"][0]["amt"] == "10", state
        follower = api.runtime.trading.sequencer
        _wait_until(lambda: follower.settled and new.settled, "idle")
        _state_from_the_database(tmp_path, common, new)


def test_a_standby_whose_replica_missed_a_commit_loads_the_database(
    tmp_path: Path, postgres_url: str, nats_url: str
) -> None:
    common: dict[str, Any] = {"database_url": postgres_url, "nats_url": nats_url, "cluster": tmp_path.name}
    with contextlib.ExitStack() as outer:
        first = contextlib.ExitStack()
        old = first.enter_context(serve_in_thread(ws_settings(tmp_path, role="sequencer", **common)))
        rt = old.runtime
        alice_user, bob_user = (
            register(rt.accounts, "alice@example.test"),
            register(rt.accounts, "bob@example.test"),
        )
        alice, bob = key_creds(rt, alice_user, "live"), key_creds(rt, bob_user, "live")
        standby = outer.enter_context(
            serve_in_thread(ws_settings(tmp_path, role="sequencer", **common), standby=True)
        )
        run_to_end(_fund(old, alice_user.uid, bob_user.uid))
        _trade(old, alice, bob)
        replica = _hot(standby).replica
        _wait_until(lambda: replica.written == _writer(old).commit_seq and replica.settled, "standby follows")
        _writer(old).followers = None  # committed but never published, as when killed in between
        assert _post(old, bob, ORDER, limit("sell", "90", "0.01"))["data"][0]["sCode"] == "0"

        first.close()
        _wait_until(lambda: _serving(standby), "the standby serves")
        new = _writer(standby)
        assert new.loads == 1
        filled = _get(standby, alice, "/api/v5/trade/orders-history?instType=SPOT&state=filled")
        assert len(filled["data"]) == 2, filled  # the unpublished fill is there
        _state_from_the_database(tmp_path, common, new)


def test_a_restore_keeps_the_lease_and_every_replica_follows_the_restored_state(
    tmp_path: Path, postgres_url: str, nats_url: str
) -> None:
    """The control API rewrites the database with the sequencer paused: it keeps the lease (a
    standby taking over a half-restored database would serve it), and no replica keeps the state
    from before the restore because its commit count matched."""
    common: dict[str, Any] = {"database_url": postgres_url, "nats_url": nats_url, "cluster": tmp_path.name}
    with contextlib.ExitStack() as stack:
        primary = stack.enter_context(serve_in_thread(ws_settings(tmp_path, role="sequencer", **common)))
        rt = primary.runtime
        alice_user, bob_user, alice, bob = _traders(rt)
        standby = stack.enter_context(
            serve_in_thread(ws_settings(tmp_path, role="sequencer", **common), standby=True)
        )
        api = stack.enter_context(serve_in_thread(ws_settings(tmp_path, role="api", **common)))
        run_to_end(_fund(api, alice_user.uid, bob_user.uid))

        async def snapshot(name: str, restore: bool = False) -> None:
            async with AsyncControlClient(api.base_url, api.runtime.admin_token) as control:
                await (control.restore(name) if restore else control.snapshot(name))

        run_to_end(snapshot("funded"))
        _trade(api, alice, bob)
        writer, replica, follower = _writer(primary), _hot(standby).replica, api.runtime.trading.sequencer
        assert isinstance(follower, Follower)
        _wait_until(lambda: replica.written == writer.commit_seq and replica.settled, "standby follows")
        run_to_end(snapshot("funded", restore=True))

        def followed() -> bool:
            return all(r.written == writer.commit_seq and r.settled for r in (replica, follower))

        _wait_until(followed, "the replicas follow the restore")
        assert not _serving(standby) and _serving(primary)  # no takeover during the restore
        assert replica.core.state() == writer.core.state() == follower.core.state()
        pending = _get(api, alice, "/api/v5/trade/orders-pending?instType=SPOT")
        assert pending["code"] == "0" and pending["data"] == [], pending  # the resting buy was restored away


def test_a_batch_committed_but_never_confirmed_is_taken_over_without_a_load(
    tmp_path: Path, postgres_url: str, nats_url: str
) -> None:
    """A sequencer that dies between a commit and its confirmation: the standby and the API
    processes heard the batch before the commit (pending) and apply it once the new sequencer says
    the database holds it; nobody loads."""
    common: dict[str, Any] = {"database_url": postgres_url, "nats_url": nats_url, "cluster": tmp_path.name}
    with contextlib.ExitStack() as outer:
        first = contextlib.ExitStack()
        old = first.enter_context(serve_in_thread(ws_settings(tmp_path, role="sequencer", **common)))
        alice_user, bob_user, alice, bob = _traders(old.runtime)
        standby = outer.enter_context(
            serve_in_thread(ws_settings(tmp_path, role="sequencer", **common), standby=True)
        )
        api = outer.enter_context(serve_in_thread(ws_settings(tmp_path, role="api", **common)))
        run_to_end(_fund(api, alice_user.uid, bob_user.uid))
        _trade(api, alice, bob)
        follower, replica = api.runtime.trading.sequencer, _hot(standby).replica
        assert isinstance(follower, Follower)
        _wait_until(lambda: replica.written == follower.written == _writer(old).commit_seq, "following")
        reloads = follower.reloads
        leader = old.runtime.leader
        assert leader is not None

        async def unconfirmed(base: int, seq: int) -> None:
            """Dies before this goes out."""

        leader.confirm = unconfirmed  # type: ignore[method-assign]
        done = _post(old, bob, ORDER, limit("sell", "90", "0.01"))  # answered by the sequencer itself
        assert done["data"][0]["sCode"] == "0", done
        first.close()
        _wait_until(lambda: _serving(standby), "the standby serves")
        new = _writer(standby)
        assert new.loads == 0  # the pending batch was the database's missing commit
        filled = _get(standby, alice, "/api/v5/trade/orders-history?instType=SPOT&state=filled")
        assert len(filled["data"]) == 2, filled  # the fill of the unconfirmed batch
        _wait_until(lambda: follower.written == new.commit_seq and follower.settled, "the API follows")
        assert follower.reloads == reloads  # it applied the pending batch too: no load
        assert follower.core.state() == new.core.state()
        _state_from_the_database(tmp_path, common, new)
