"""A standby sequencer (`--role sequencer --standby`) follows its cluster as a replica while it
waits, and takes over on that state (core and market data) without loading the database when the
state is the database's; when it is not (a commit the old sequencer never published), it loads,
as a cold standby does. Either way the new sequencer holds exactly what the database holds,
priority stamps included."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandex.client.control import AsyncControlClient
from sandex.process import Runtime
from sandex.runtime.cluster.follower import Follower
from sandex.runtime.cluster.hot_standby import HotStandby
from sandex.runtime.sequencer import Sequencer
from sandex.services.accounts.views import UserView
from sandex.testing.server import RunningServer, serve_in_thread
from tests.integration.cluster.support import ORDER, TRANSFER, signed_get, signed_post, wait_until
from tests.integration.cluster.test_replica import _fund
from tests.support.factories import register
from tests.support.okx import Creds, limit
from tests.support.ws import key_creds, run_to_end, ws_settings

TRADES = "/api/v5/market/trades?instId=BTC-USDT&limit=100"


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
        reply = signed_post(server, creds, ORDER, limit(side, px, "0.01"))
        assert reply["code"] == "0", reply
    refused = signed_post(
        server, alice, TRANSFER, {"ccy": "USDT", "from": "18", "to": "6", "amt": "900000000"}
    )
    assert refused["code"] != "0", refused


def _state_from_the_database(tmp_path: Path, common: dict[str, Any], writer: Sequencer) -> None:
    """An API process started now loads the database: its replica's state is the new sequencer's."""
    with serve_in_thread(ws_settings(tmp_path, role="api", **common)) as fresh:
        replica = fresh.runtime.trading.sequencer
        wait_until(lambda: replica.running and replica.settled, "the fresh replica loaded")
        assert replica.core.state() == writer.core.state()


@dataclass
class Rig:
    """A sequencer (`old`, stopped by `stop_old`), a hot standby and, if asked, an API process,
    with two funded traders."""

    common: dict[str, Any]
    old: RunningServer
    standby: RunningServer
    api: RunningServer | None
    stop_old: contextlib.ExitStack
    alice: Creds
    bob: Creds

    @property
    def follower(self) -> Follower:
        assert self.api is not None
        writer = self.api.runtime.trading.sequencer
        assert isinstance(writer, Follower)
        return writer

    def standby_follows(self) -> Follower:
        replica = _hot(self.standby).replica
        wait_until(lambda: replica.written == _writer(self.old).commit_seq and replica.settled, "following")
        return replica

    def takes_over(self) -> Sequencer:
        self.stop_old.close()  # the sequencer stops: the standby takes the lease over
        wait_until(lambda: _serving(self.standby), "the standby serves")
        return _writer(self.standby)


@contextlib.contextmanager
def _rig(tmp_path: Path, postgres_url: str, nats_url: str, *, api: bool = True) -> Iterator[Rig]:
    common: dict[str, Any] = {"database_url": postgres_url, "nats_url": nats_url, "cluster": tmp_path.name}
    with contextlib.ExitStack() as outer:
        first = outer.enter_context(contextlib.ExitStack())  # closed first by `takes_over`
        old = first.enter_context(serve_in_thread(ws_settings(tmp_path, role="sequencer", **common)))
        alice_user, bob_user, alice, bob = _traders(old.runtime)
        standby = outer.enter_context(
            serve_in_thread(ws_settings(tmp_path, role="sequencer", **common), standby=True)
        )
        serving = (
            outer.enter_context(serve_in_thread(ws_settings(tmp_path, role="api", **common))) if api else None
        )
        run_to_end(_fund(serving or old, alice_user.uid, bob_user.uid))
        yield Rig(common, old, standby, serving, first, alice, bob)


def test_a_standby_that_followed_takes_over_without_loading_and_holds_the_database_state(
    tmp_path: Path, postgres_url: str, nats_url: str
) -> None:
    with _rig(tmp_path, postgres_url, nats_url) as rig:
        assert rig.api is not None
        _trade(rig.api, rig.alice, rig.bob)
        rig.standby_follows()
        tape = httpx.get(rig.old.base_url + TRADES).json()["data"]
        assert not _serving(rig.standby)
        new = rig.takes_over()
        assert _hot(rig.standby).market_kept  # it went on from its replica's market data
        assert new.loads == 0  # and its core
        assert httpx.get(rig.standby.base_url + TRADES).json()["data"] == tape  # market data followed too
        done = signed_post(rig.api, rig.bob, ORDER, limit("sell", "90", "0.01"))  # fills alice's resting buy
        assert done["code"] == "0" and done["data"][0]["sCode"] == "0", done
        ord_id = done["data"][0]["ordId"]
        stored = signed_get(rig.standby, rig.bob, f"/api/v5/trade/order?instId=BTC-USDT&ordId={ord_id}")
        assert stored["data"][0]["state"] == "filled", stored  # the id the API process answered is stored
        moved = signed_post(
            rig.api, rig.alice, TRANSFER, {"ccy": "USDT", "from": "18", "to": "6", "amt": "10"}
        )
        trans_id = moved["data"][0]["transId"]
        state = signed_get(rig.standby, rig.alice, f"/api/v5/asset/transfer-state?transId={trans_id}")
        assert state["code"] == "0" and state["data"][0]["amt"] == "10", state
        wait_until(lambda: rig.follower.settled and new.settled, "idle")
        _state_from_the_database(tmp_path, rig.common, new)


def test_a_standby_whose_replica_missed_a_commit_loads_the_database(
    tmp_path: Path, postgres_url: str, nats_url: str
) -> None:
    with _rig(tmp_path, postgres_url, nats_url, api=False) as rig:
        _trade(rig.old, rig.alice, rig.bob)
        rig.standby_follows()
        _writer(rig.old).followers = None  # committed but never published, as when killed in between
        assert signed_post(rig.old, rig.bob, ORDER, limit("sell", "90", "0.01"))["data"][0]["sCode"] == "0"
        new = rig.takes_over()
        assert _hot(rig.standby).market_kept is False  # loaded: the replica missed a commit
        assert new.loads == 1
        filled = signed_get(rig.standby, rig.alice, "/api/v5/trade/orders-history?instType=SPOT&state=filled")
        assert len(filled["data"]) == 2, filled  # the unpublished fill is there
        _state_from_the_database(tmp_path, rig.common, new)


def test_a_restore_keeps_the_lease_and_every_replica_follows_the_restored_state(
    tmp_path: Path, postgres_url: str, nats_url: str
) -> None:
    """The control API rewrites the database with the sequencer paused: it keeps the lease (a
    standby taking over a half-restored database would serve it), and no replica keeps the state
    from before the restore because its commit count matched."""
    with _rig(tmp_path, postgres_url, nats_url) as rig:
        api = rig.api
        assert api is not None

        async def snapshot(name: str, restore: bool = False) -> None:
            async with AsyncControlClient(api.base_url, api.runtime.admin_token) as control:
                await (control.restore(name) if restore else control.snapshot(name))

        run_to_end(snapshot("funded"))
        _trade(api, rig.alice, rig.bob)
        replica, writer, follower = rig.standby_follows(), _writer(rig.old), rig.follower
        run_to_end(snapshot("funded", restore=True))

        def followed() -> bool:
            return all(r.written == writer.commit_seq and r.settled for r in (replica, follower))

        wait_until(followed, "the replicas follow the restore")
        assert not _serving(rig.standby) and _serving(rig.old)  # no takeover during the restore
        assert replica.core.state() == writer.core.state() == follower.core.state()
        pending = signed_get(api, rig.alice, "/api/v5/trade/orders-pending?instType=SPOT")
        assert pending["code"] == "0" and pending["data"] == [], pending  # the resting buy was restored away


def test_a_batch_committed_but_never_confirmed_is_taken_over_without_a_load(
    tmp_path: Path, postgres_url: str, nats_url: str
) -> None:
    """A sequencer that dies between a commit and its confirmation: the standby and the API
    processes heard the batch before the commit (pending) and apply it once the database shows it
    committed: the standby keeps its market data, the API processes their replicas."""
    with _rig(tmp_path, postgres_url, nats_url) as rig:
        assert rig.api is not None
        _trade(rig.api, rig.alice, rig.bob)
        follower = rig.follower
        replica = rig.standby_follows()
        wait_until(lambda: follower.written == replica.written and follower.settled, "following")
        reloads = follower.reloads
        leader = rig.old.runtime.leader
        assert leader is not None

        async def unconfirmed(base: int, seq: int) -> None:
            """Dies before this goes out."""

        leader.confirm = unconfirmed  # type: ignore[method-assign]
        # answered by the sequencer itself, not through an API process
        done = signed_post(rig.old, rig.bob, ORDER, limit("sell", "90", "0.01"))
        assert done["data"][0]["sCode"] == "0", done
        new = rig.takes_over()
        assert _hot(rig.standby).market_kept  # the pending batch was the database's missing commit
        assert new.loads == 0
        filled = signed_get(rig.standby, rig.alice, "/api/v5/trade/orders-history?instType=SPOT&state=filled")
        assert len(filled["data"]) == 2, filled  # the fill of the unconfirmed batch
        wait_until(lambda: follower.written == new.commit_seq and follower.settled, "the API follows")
        assert follower.reloads == reloads  # it applied the pending batch too: no load
        assert follower.core.state() == new.core.state()
        _state_from_the_database(tmp_path, rig.common, new)


def test_a_standby_takes_over_on_its_replica_after_its_sequencer_rebuilt_from_the_database(
    tmp_path: Path, postgres_url: str, nats_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sequencer that rebuilds from the database (a failed commit) stamps time priority from
    below its running counter: orders that rested and filled, or never rested, took stamps no table
    keeps. Its replicas go on with the counter it sends, so the standby that takes over later
    holds the database's numbering, writes no other, and fills go to the makers the database
    queues first."""
    with _rig(tmp_path, postgres_url, nats_url) as rig:
        assert rig.api is not None
        _trade(rig.api, rig.alice, rig.bob)  # alice's buy at 100 rested, then filled
        ioc = limit("buy", "80", "0.01") | {"ordType": "ioc"}  # takes a stamp, never rests
        assert signed_post(rig.api, rig.alice, ORDER, ioc)["data"][0]["sCode"] == "0"
        writer = _writer(rig.old)
        store = writer._store
        write = store.write

        def fails_once(*args: Any) -> None:
            monkeypatch.setattr(store, "write", write)
            raise RuntimeError("the database went away")

        monkeypatch.setattr(store, "write", fails_once)
        failed = signed_post(rig.api, rig.bob, ORDER, limit("sell", "120", "0.01"))
        assert failed["code"] != "0" or failed["data"][0]["sCode"] != "0", failed
        assert writer.failures == 1  # rebuilt from the database
        second = signed_post(rig.api, rig.alice, ORDER, limit("buy", "90", "0.01"))  # behind the first
        assert second["data"][0]["sCode"] == "0", second
        replica = rig.standby_follows()
        assert replica.core.state() == writer.core.state()  # stamps as numbers, too
        new = rig.takes_over()
        assert new.loads == 0  # the replica was the database's
        done = signed_post(rig.api, rig.bob, ORDER, limit("sell", "90", "0.01"))
        assert done["data"][0]["sCode"] == "0", done
        pending = signed_get(rig.standby, rig.alice, "/api/v5/trade/orders-pending?instType=SPOT")
        assert [o["ordId"] for o in pending["data"]] == [second["data"][0]["ordId"]], pending  # first filled
        wait_until(lambda: rig.follower.settled and new.settled, "idle")
        assert rig.follower.core.state() == new.core.state()
        _state_from_the_database(tmp_path, rig.common, new)


def test_a_standby_whose_replica_disagrees_with_the_database_loads_it(
    tmp_path: Path, postgres_url: str, nats_url: str
) -> None:
    """The replica stands at the database's commit count but its ids are behind the stored ones
    (as the withdrawn hot takeover's were): the check before writing sees it and the core loads."""
    with _rig(tmp_path, postgres_url, nats_url, api=False) as rig:
        _trade(rig.old, rig.alice, rig.bob)
        replica = rig.standby_follows()
        replica.core.resume_ids([1] * len(replica.core.next_ids()))
        new = rig.takes_over()
        assert _hot(rig.standby).market_kept and new.loads == 1  # it stood there, but was not the database
        done = signed_post(rig.standby, rig.bob, ORDER, limit("sell", "90", "0.01"))  # fills alice's buy
        assert done["data"][0]["sCode"] == "0", done
        filled = signed_get(rig.standby, rig.alice, "/api/v5/trade/orders-history?instType=SPOT&state=filled")
        assert len(filled["data"]) == 2, filled  # both of alice's buys: nothing overwritten
        _state_from_the_database(tmp_path, rig.common, new)
