"""A sequencer process and an API process on one PostgreSQL database and NATS (`--role sequencer`,
`--role api`), both served for real in this process: what goes through either port is the same
exchange, the API process's replica holds exactly the sequencer's state, and a push for an order
placed through one process reaches a subscriber on the other."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandex.client.control import AsyncControlClient
from sandex.domain.errors import Rejected
from sandex.runtime.cluster.follower import Follower
from sandex.runtime.cluster.wire import encode_batch, encode_confirm
from sandex.runtime.sequencer import Sequencer
from sandex.testing.server import RunningServer, serve_in_thread
from tests.integration.cluster.support import (
    ORDER,
    SETTLE_S,
    TRANSFER,
    run_to_end_with,
    signed_get,
    signed_post,
    wait_until,
)
from tests.support.factories import register
from tests.support.okx import Creds, limit
from tests.support.ws import is_push, key_creds, open_ws, run_to_end, ws_settings


@dataclass
class Pair:
    sequencer: RunningServer
    api: RunningServer
    alice: Creds
    bob: Creds

    @property
    def follower(self) -> Follower:
        writer = self.api.runtime.trading.sequencer
        assert isinstance(writer, Follower)
        return writer

    @property
    def writer(self) -> Sequencer:
        writer = self.sequencer.runtime.trading.sequencer
        assert isinstance(writer, Sequencer)
        return writer

    def same_state(self) -> None:
        """The replica's whole state is the sequencer's (on a difference, where it is)."""
        replica, primary = self.follower.core.state(), self.writer.core.state()
        assert replica == primary, _difference(replica, primary)

    def settle(self) -> None:
        """Until the replica stands where the sequencer does (and both are idle)."""
        deadline = time.monotonic() + SETTLE_S
        while time.monotonic() < deadline:
            if (
                self.follower.written == self.writer.commit_seq
                and self.follower.settled
                and self.writer.settled
            ):
                return
            time.sleep(0.02)
        raise AssertionError(f"replica at {self.follower.written}, sequencer at {self.writer.commit_seq}")


def _difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if a.get(key) != b.get(key):
                return _difference(a.get(key), b.get(key), f"{path}.{key}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _difference(x, y, f"{path}[{i}]")
    return f"{path}: replica {a!r} != sequencer {b!r}"


@pytest.fixture
def pair(tmp_path: Path, postgres_url: str, nats_url: str) -> Iterator[Pair]:
    common: dict[str, Any] = {"database_url": postgres_url, "nats_url": nats_url, "cluster": tmp_path.name}
    with serve_in_thread(ws_settings(tmp_path, role="sequencer", **common)) as sequencer:
        rt = sequencer.runtime
        alice, bob = register(rt.accounts, "alice@example.test"), register(rt.accounts, "bob@example.test")
        alice_key, bob_key = key_creds(rt, alice, "live"), key_creds(rt, bob, "live")
        with serve_in_thread(ws_settings(tmp_path, role="api", **common)) as api:
            run_to_end(_fund(api, alice.uid, bob.uid))  # deposits through the API process
            yield Pair(sequencer, api, alice_key, bob_key)


async def _fund(server: RunningServer, alice: str, bob: str) -> None:
    async with AsyncControlClient(server.base_url, server.runtime.admin_token) as control:
        await control.deposit(alice, "USDT", "100000")
        await control.deposit(bob, "BTC", "10")


def test_orders_through_either_process_are_one_exchange_and_the_replica_matches_the_sequencer(
    pair: Pair,
) -> None:
    servers = (pair.api, pair.sequencer)
    acked: list[tuple[str, str]] = []
    for i in range(40):
        server = servers[i % 2]
        buy = i % 4 < 2
        creds, side, px = (
            (pair.alice, "buy", str(100 + i % 3)) if buy else (pair.bob, "sell", str(99 + i % 5))
        )
        reply = signed_post(server, creds, ORDER, limit(side, px, "0.01", clOrdId=f"c{i}"))
        assert reply["code"] == "0", reply
        acked.append((f"c{i}", reply["data"][0]["ordId"]))
    # refused ones change nothing on either side: too big, a bad field
    assert signed_post(pair.api, pair.bob, ORDER, limit("sell", "100", "5000"))["data"][0]["sCode"] == "51008"
    assert signed_post(pair.api, pair.alice, ORDER, limit("buy", "-1", "1"))["code"] != "0"
    ord_ids = [ord_id for _, ord_id in acked]
    assert len(set(ord_ids)) == len(ord_ids)  # one id sequence, whichever process answered
    pair.settle()
    pair.same_state()
    # what either process reads back is what the other acknowledged
    for cl_ord_id, ord_id in acked[::7]:
        for server in servers:
            found = signed_get(
                server,
                pair.alice if int(cl_ord_id[1:]) % 4 < 2 else pair.bob,
                f"{ORDER}?instId=BTC-USDT&clOrdId={cl_ord_id}",
            )
            assert found["data"][0]["ordId"] == ord_id
    books = [
        httpx.get(s.base_url + "/api/v5/market/books?instId=BTC-USDT&sz=20").json()["data"][0]
        for s in servers
    ]
    assert [b["asks"] for b in books[:1]] == [b["asks"] for b in books[1:]]
    assert [b["bids"] for b in books[:1]] == [b["bids"] for b in books[1:]]


def test_a_push_for_an_order_placed_through_the_sequencer_reaches_a_subscriber_on_the_api_process(
    pair: Pair,
) -> None:
    async def scenario() -> None:
        async with open_ws(f"ws://127.0.0.1:{pair.api.port}/ws/v5/private") as ws:
            await ws.login(pair.alice)
            await ws.subscribe({"channel": "orders", "instType": "SPOT"})
            reply = await asyncio.to_thread(
                signed_post, pair.sequencer, pair.alice, ORDER, limit("buy", "90", "0.01", clOrdId="pushme")
            )
            assert reply["code"] == "0"
            push = await ws.expect(is_push("orders"), timeout=SETTLE_S)
            assert push["data"][0]["clOrdId"] == "pushme"
            assert push["data"][0]["ordId"] == reply["data"][0]["ordId"]

    run_to_end(scenario())


def test_a_replica_that_misses_a_batch_loads_again_and_still_matches(pair: Pair) -> None:
    assert signed_post(pair.api, pair.alice, ORDER, limit("buy", "95", "0.01"))["code"] == "0"
    pair.settle()
    _lose_a_batch(pair)
    reply = signed_post(pair.api, pair.bob, ORDER, limit("sell", "95", "0.01"))
    assert reply["code"] == "0" and reply["data"][0]["sCode"] == "0"
    pair.settle()
    pair.same_state()


def test_a_market_control_through_the_api_process_moves_both_boards_and_halts_on_both(pair: Pair) -> None:
    async def control() -> dict[str, Any]:
        async with AsyncControlClient(pair.api.base_url, pair.api.runtime.admin_token) as client:
            moved = await client.set_price("ETH-USDT", "2500")  # answered by the sequencer's board
            await client.market("halt", "BTC-USDT")
            return moved

    moved = run_to_end_with(control())
    assert Decimal(moved["refPx"]) == Decimal(2500)
    deadline = time.monotonic() + SETTLE_S
    while time.monotonic() < deadline:
        indexes = [
            httpx.get(s.base_url + "/api/v5/market/index-tickers?instId=ETH-USDT").json()["data"][0]["idxPx"]
            for s in (pair.api, pair.sequencer)
        ]
        if all(Decimal(px) == Decimal(2500) for px in indexes):
            break
        time.sleep(0.05)
    assert [Decimal(px) for px in indexes] == [Decimal(2500)] * 2
    for server in (pair.api, pair.sequencer):  # halted on both: the replica refuses as the sequencer does
        reply = signed_post(server, pair.alice, ORDER, limit("buy", "90", "0.01"))
        assert reply["data"][0]["sCode"] == "51155", reply
    pair.settle()
    pair.same_state()


def test_the_sandbox_clock_is_one_for_both_processes_whichever_port_moves_it(pair: Pair) -> None:
    async def advance(server: RunningServer, days: float) -> None:
        async with AsyncControlClient(server.base_url, server.runtime.admin_token) as client:
            await client.advance_clock(days=days)

    clocks = (pair.api.runtime.clock, pair.sequencer.runtime.clock)
    run_to_end(advance(pair.api, 2))
    wait_until(lambda: all(c.offset_ms > 2 * 86_400_000 - 60_000 for c in clocks))
    run_to_end(advance(pair.sequencer, -1))
    wait_until(lambda: all(abs(c.offset_ms - 86_400_000) < 60_000 for c in clocks))


def test_control_through_the_api_process_is_the_sequencers_funding_rates_and_faults_reach_every_process(
    pair: Pair,
) -> None:
    async def control() -> None:
        async with AsyncControlClient(pair.api.base_url, pair.api.runtime.admin_token) as client:
            await client.set_funding_rate("BTC-USDT-SWAP", "0.0007", frozen=True)
            await client.inject_error(route="POST /api/v5/trade/order", code="50013")

    run_to_end(control())
    views = pair.sequencer.runtime.funding_rates.service.current("BTC-USDT-SWAP")
    assert not isinstance(views, Rejected) and views[0].funding_rate == Decimal("0.0007")  # the sequencer's

    def api_rate() -> Decimal:
        rows = httpx.get(pair.api.base_url + "/api/v5/public/funding-rate?instId=BTC-USDT-SWAP").json()
        return Decimal(rows["data"][0]["fundingRate"])

    wait_until(lambda: api_rate() == Decimal("0.0007"))
    wait_until(lambda: len(pair.api.runtime.faults.faults()) == 1)
    for server in (pair.api, pair.sequencer):  # armed on both, whichever serves the order
        reply = signed_post(server, pair.alice, ORDER, limit("buy", "90", "0.01"))
        assert reply["code"] == "50013", reply


def test_a_convert_quote_from_the_api_process_is_traded_through_it(pair: Pair) -> None:
    asked = {"baseCcy": "BTC", "quoteCcy": "USDT", "side": "buy", "rfqSz": "100", "rfqSzCcy": "USDT"}
    quote = signed_post(pair.api, pair.alice, "/api/v5/asset/convert/estimate-quote", asked)
    assert quote["code"] == "0", quote
    trade = {**asked, "quoteId": quote["data"][0]["quoteId"], "sz": "100", "szCcy": "USDT"}
    del trade["rfqSz"], trade["rfqSzCcy"]
    done = signed_post(pair.api, pair.alice, "/api/v5/asset/convert/trade", trade)
    assert done["code"] == "0", done
    assert done["data"][0]["state"] == "fullyFilled"
    pair.settle()
    pair.same_state()  # the trade's postings reached the replica too


def test_a_new_sequencer_on_the_same_state_keeps_the_replica_without_a_reload(
    tmp_path: Path, postgres_url: str, nats_url: str
) -> None:
    common: dict[str, Any] = {"database_url": postgres_url, "nats_url": nats_url, "cluster": tmp_path.name}
    with contextlib.ExitStack() as outer:
        first = contextlib.ExitStack()
        sequencer = first.enter_context(serve_in_thread(ws_settings(tmp_path, role="sequencer", **common)))
        rt = sequencer.runtime
        alice = register(rt.accounts, "alice@example.test")
        creds = key_creds(rt, alice, "live")
        api = outer.enter_context(serve_in_thread(ws_settings(tmp_path, role="api", **common)))
        run_to_end(_fund(api, alice.uid, register(rt.accounts, "bob@example.test").uid))
        assert signed_post(api, creds, ORDER, limit("buy", "90", "0.01"))["code"] == "0"
        follower = api.runtime.trading.sequencer
        assert isinstance(follower, Follower)
        reloads, written = follower.reloads, follower.written
        first.close()  # the sequencer stops; a new one takes the lease on the same database
        second = outer.enter_context(serve_in_thread(ws_settings(tmp_path, role="sequencer", **common)))
        wait_until(lambda: follower.written > written)
        assert follower.reloads == reloads  # its state was the new sequencer's: nothing loaded
        reply = signed_post(api, creds, ORDER, limit("buy", "91", "0.01"))
        assert reply["code"] == "0", reply
        writer = second.runtime.trading.sequencer
        assert isinstance(writer, Sequencer)
        wait_until(lambda: follower.written == writer.commit_seq and follower.settled)
        assert follower.core.state() == writer.core.state()


def _lose_a_batch(pair: Pair) -> None:
    """A batch the replica cannot place (its base is ahead of the replica), as a lost message is:
    the replica loads the database again."""
    reloads = pair.follower.reloads
    ahead = pair.follower.written + 5
    frame = encode_batch(ahead, ahead + 1, int(time.time() * 1000), [], [])

    async def publish() -> None:
        import nats

        client = await nats.connect(pair.follower.url)
        await client.publish(pair.follower.subjects.batches, frame)
        await client.drain()

    run_to_end(publish())
    wait_until(lambda: pair.follower.reloads > reloads and pair.follower.settled)


def test_a_replica_loaded_after_a_refused_transfer_hands_out_the_sequencers_transfer_ids(pair: Pair) -> None:
    """A refused transfer uses up an id that no table shows: a replica loaded from the database
    alone would answer the next transfer with an id the sequencer already passed."""
    move = {"ccy": "USDT", "from": "18", "to": "6"}
    refused = signed_post(pair.api, pair.alice, TRANSFER, {**move, "amt": "900000000"})
    assert refused["code"] != "0", refused
    pair.settle()
    _lose_a_batch(pair)  # the replica loads: its ids start above the highest stored
    done = signed_post(pair.api, pair.alice, TRANSFER, {**move, "amt": "10"})
    assert done["code"] == "0", done
    trans_id = done["data"][0]["transId"]
    state = signed_get(pair.sequencer, pair.alice, f"/api/v5/asset/transfer-state?transId={trans_id}")
    assert state["code"] == "0" and state["data"][0]["amt"] == "10", state  # the id the sequencer stored
    pair.settle()
    assert pair.follower.core.next_ids() == pair.writer.core.next_ids()


def test_a_replica_keeps_its_state_through_restarts_that_number_priority_stamps_anew(
    tmp_path: Path, postgres_url: str, nats_url: str
) -> None:
    """A sequencer that loads sets each book's stamp counter to its highest resting stamp, while a
    replica that went on keeps the higher one (orders that rested and filled took stamps): the
    orders rested after that carry other numbers on either side, in the same queue order. The
    next restart must not take that for a different state."""
    common: dict[str, Any] = {"database_url": postgres_url, "nats_url": nats_url, "cluster": tmp_path.name}
    with contextlib.ExitStack() as outer:
        first = outer.enter_context(contextlib.ExitStack())
        sequencer = first.enter_context(serve_in_thread(ws_settings(tmp_path, role="sequencer", **common)))
        rt = sequencer.runtime
        alice, bob = register(rt.accounts, "alice@example.test"), register(rt.accounts, "bob@example.test")
        buyer, seller = key_creds(rt, alice, "live"), key_creds(rt, bob, "live")
        api = outer.enter_context(serve_in_thread(ws_settings(tmp_path, role="api", **common)))
        run_to_end(_fund(api, alice.uid, bob.uid))
        follower = api.runtime.trading.sequencer
        assert isinstance(follower, Follower)
        second = outer.enter_context(contextlib.ExitStack())
        for n, restart in enumerate((first, second)):
            assert signed_post(api, buyer, ORDER, limit("buy", str(80 + n), "0.01"))["code"] == "0"  # rests
            rested = signed_post(api, buyer, ORDER, limit("buy", "90", "0.01"))  # rests, then fills:
            assert rested["code"] == "0", rested
            sold = signed_post(api, seller, ORDER, limit("sell", "90", "0.01"))  # its stamp is the highest
            assert sold["data"][0]["sCode"] == "0", sold
            written = follower.written
            restart.close()  # a new sequencer loads the database and numbers stamps from it
            again = serve_in_thread(ws_settings(tmp_path, role="sequencer", **common))
            new = (second if restart is first else outer).enter_context(again)
            wait_until(functools.partial(_past, follower, written))
        assert signed_post(api, buyer, ORDER, limit("buy", "85", "0.01"))["code"] == "0"
        writer = new.runtime.trading.sequencer
        assert isinstance(writer, Sequencer)
        wait_until(lambda: follower.written == writer.commit_seq and follower.settled)
        assert follower.reloads == 1  # the first load only: both restarts found its state the same
        assert follower.core.state() == writer.core.state()


def _past(follower: Follower, written: int) -> bool:
    """The replica moved past commit `written` and is idle."""
    return follower.written > written and follower.settled


def test_a_stale_pending_batch_does_not_displace_the_live_one(pair: Pair) -> None:
    """A sequencer frozen mid-commit and deposed sends, when it wakes, what its socket still held
    and what its queued commands make until a commit fails: frames older than the replica
    (confirmations, batches writing nothing, pending batches). The live pending batch stays, and
    its confirmation applies it without a load."""
    pair.settle()
    follower = pair.follower
    reloads, at = follower.reloads, follower.written
    now = int(time.time() * 1000)
    frames = [
        encode_batch(at, at + 1, now, [], [], pending=True),  # the live sequencer's next batch
        encode_batch(at - 2, at - 2, now, [], []),  # a deposed one's, late: a batch writing nothing
        encode_confirm(at - 3, at - 2),  # a confirmation its socket held while it was frozen
        encode_batch(at - 2, at - 1, now, [], [], pending=True),  # and its next, pending
        encode_confirm(at, at + 1),
    ]

    async def publish() -> None:
        import nats

        client = await nats.connect(follower.url)
        for frame in frames:  # one publisher, one subject: they arrive in this order
            await client.publish(follower.subjects.batches, frame)
        await client.drain()

    run_to_end(publish())
    wait_until(lambda: follower.written == at + 1)
    assert follower.reloads == reloads
    _lose_a_batch(pair)  # the frames above were no real commits: back to the database's state
