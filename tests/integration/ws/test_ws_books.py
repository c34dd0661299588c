"""Market data channels: `books` (snapshot + chained increments), `books5`, `bbo-tbt`, `trades`."""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal
from typing import Any

from tests.support.okx import limit
from tests.support.ws import Conn, World, is_push, open_ws

Book = dict[str, dict[Decimal, Decimal]]


def apply(book: Book, item: dict[str, Any]) -> None:
    for side in ("asks", "bids"):
        for px, sz, _zero, _count in item[side]:
            if Decimal(sz) == 0:
                book[side].pop(Decimal(px), None)
            else:
                book[side][Decimal(px)] = Decimal(sz)


async def place_all(ws: Conn, orders: list[dict[str, str]], op: str = "order") -> list[dict[str, Any]]:
    """Pipelined single-order ops; returns the acks in order."""
    for i, order in enumerate(orders):
        await ws.send({"id": f"p{i}", "op": op, "args": [order]})
    replies: dict[str, Any] = {}
    while len(replies) < len(orders):
        message = await ws.expect(lambda m: isinstance(m, dict) and str(m.get("id", "")).startswith("p"), 30)
        replies[message["id"]] = message
    return [replies[f"p{i}"]["data"][0] for i in range(len(orders))]


async def test_seq_ids_chain_over_a_thousand_book_updates(world: World) -> None:
    async with (
        open_ws(world.url("public"), max_queue=None) as watcher,
        open_ws(world.url("private"), max_queue=None) as alice,
    ):
        await watcher.subscribe({"channel": "books", "instId": "ETH-USDT"})
        snapshot = await watcher.expect(is_push("books", instId="ETH-USDT"))
        assert snapshot["action"] == "snapshot" and snapshot["data"][0]["prevSeqId"] == -1
        book: Book = {"asks": {}, "bids": {}}
        apply(book, snapshot["data"][0])
        assert (await alice.login(world.alice))["code"] == "0"

        # 390 new orders, 390 cancels, 220 more orders: 1,000 commits that each change the book
        # (all within the 400 levels `books` shows)
        bids = [limit("buy", str(Decimal("1000") + Decimal(i) / 100), "0.01", "ETH-USDT") for i in range(610)]
        acks = await place_all(alice, bids[:390])
        assert all(a["sCode"] == "0" for a in acks)
        for i, ack in enumerate(acks):
            await alice.send(
                {"id": f"c{i}", "op": "cancel-order", "args": [{"instId": "ETH-USDT", "ordId": ack["ordId"]}]}
            )
        for i, order in enumerate(bids[390:]):
            await alice.send({"id": f"q{i}", "op": "order", "args": [order]})

        last_seq, updates = snapshot["data"][0]["seqId"], 0
        while updates < 1000:
            push = await watcher.expect(is_push("books", instId="ETH-USDT"), timeout=30)
            item = push["data"][0]
            assert push["action"] == "update"
            assert item["prevSeqId"] == last_seq, (updates, item["prevSeqId"], last_seq)
            assert item["seqId"] > item["prevSeqId"]
            last_seq = item["seqId"]
            apply(book, item)
            updates += 1
        expected = {Decimal(o["px"]): Decimal("0.01") for o in bids[390:]}
        assert book == {"asks": {}, "bids": expected}


async def test_a_new_subscriber_joins_the_chain(world: World) -> None:
    async with (
        open_ws(world.url("public")) as first,
        open_ws(world.url("private")) as alice,
    ):
        await first.subscribe({"channel": "books", "instId": "BTC-USDT"})
        await first.expect(is_push("books", instId="BTC-USDT"))
        assert (await alice.login(world.alice))["code"] == "0"
        await alice.op("order", [limit("buy", "30000", "0.001")])
        first_update = await first.expect(is_push("books", instId="BTC-USDT"))
        async with open_ws(world.url("public")) as second:
            await second.subscribe({"channel": "books", "instId": "BTC-USDT"})
            snap = await second.expect(is_push("books", instId="BTC-USDT"))
            assert snap["action"] == "snapshot"
            assert snap["data"][0]["seqId"] == first_update["data"][0]["seqId"]
            assert ["30000", "0.001", "0", "1"] in snap["data"][0]["bids"]
            await alice.op("order", [limit("buy", "30000", "0.002")], request_id="2")
            nxt = await second.expect(is_push("books", instId="BTC-USDT"))
            assert nxt["action"] == "update" and nxt["data"][0]["prevSeqId"] == snap["data"][0]["seqId"]
            assert nxt["data"][0]["bids"] == [["30000", "0.003", "0", "2"]]


async def test_snapshot_and_update_shapes(world: World) -> None:
    async with open_ws(world.url("public")) as ws:
        await ws.subscribe({"channel": "books", "instId": "BTC-USDT"})
        snap = await ws.expect(is_push("books", instId="BTC-USDT"))
        assert list(snap) == ["arg", "action", "data"]
        assert snap["arg"] == {"channel": "books", "instId": "BTC-USDT"}
        item = snap["data"][0]
        assert list(item) == ["asks", "bids", "ts", "checksum", "prevSeqId", "seqId"]
        assert isinstance(item["seqId"], int) and isinstance(item["checksum"], int)
        assert isinstance(item["ts"], str) and item["ts"].isdigit()


async def test_quiet_books_send_empty_heartbeat_updates(world: World) -> None:
    world.gateway.market.heartbeat_s = 0.3
    try:
        async with open_ws(world.url("public")) as ws:
            await ws.subscribe({"channel": "books", "instId": "SOL-USDT"})
            snap = await ws.expect(is_push("books", instId="SOL-USDT"))
            beat = await ws.expect(is_push("books", instId="SOL-USDT"), timeout=3)
            item = beat["data"][0]
            assert beat["action"] == "update" and item["asks"] == [] and item["bids"] == []
            assert item["seqId"] == item["prevSeqId"] == snap["data"][0]["seqId"]
    finally:
        world.gateway.market.heartbeat_s = 60.0


async def test_books5_and_bbo_are_full_snapshots_sent_on_change(world: World) -> None:
    async with open_ws(world.url("public")) as ws, open_ws(world.url("private")) as alice:
        await ws.subscribe(
            {"channel": "books5", "instId": "XRP-USDT"}, {"channel": "bbo-tbt", "instId": "XRP-USDT"}
        )
        first5 = await ws.expect(is_push("books5", instId="XRP-USDT"))
        assert "action" not in first5
        assert list(first5["data"][0]) == ["asks", "bids", "instId", "ts", "seqId"]
        first_bbo = await ws.expect(is_push("bbo-tbt", instId="XRP-USDT"))
        assert list(first_bbo["data"][0]) == ["asks", "bids", "ts", "seqId"]
        assert (await alice.login(world.alice))["code"] == "0"
        await alice.op("order", [limit("buy", "1", "10", "XRP-USDT")])
        await alice.op("order", [limit("buy", "1.1", "10", "XRP-USDT")], request_id="2")
        five = await ws.expect(
            lambda m: is_push("books5", instId="XRP-USDT")(m) and len(m["data"][0]["bids"]) == 2
        )
        assert [level[0] for level in five["data"][0]["bids"]] == ["1.1", "1"]
        bbo = await ws.expect(
            lambda m: (
                is_push("bbo-tbt", instId="XRP-USDT")(m)
                and m["data"][0]["bids"][:1] == [["1.1", "10", "0", "1"]]
            )
        )
        assert bbo["data"][0]["asks"] == []
        await alice.op("order", [limit("buy", "0.5", "10", "XRP-USDT")], request_id="3")  # not the best bid
        await ws.quiet(is_push("bbo-tbt", instId="XRP-USDT"), 0.5)


async def test_trades_are_pushed_after_a_match(world: World) -> None:
    async with (
        open_ws(world.url("public")) as ws,
        open_ws(world.url("private")) as alice,
        open_ws(world.url("private")) as bob,
    ):
        await ws.subscribe({"channel": "trades", "instId": "BTC-USDT"})
        assert (await alice.login(world.alice))["code"] == "0"
        assert (await bob.login(world.bob))["code"] == "0"
        await alice.op("order", [limit("buy", "40000", "0.01")])
        reply = await bob.op("order", [limit("sell", "40000", "0.004")])
        assert reply["code"] == "0"
        push = await ws.expect(is_push("trades", instId="BTC-USDT"))
        trade = push["data"][0]
        assert list(trade) == ["instId", "tradeId", "px", "sz", "side", "ts", "count", "source", "seqId"]
        assert (trade["instId"], trade["px"], trade["sz"], trade["side"]) == (
            "BTC-USDT",
            "40000",
            "0.004",
            "sell",
        )
        assert trade["count"] == "1" and trade["source"] == "0" and trade["tradeId"].isdigit()


async def test_demo_and_live_books_are_separate(world: World) -> None:
    async with (
        open_ws(world.url("public")) as live,
        open_ws(world.url("public", demo=True)) as demo,
        open_ws(world.url("private", demo=True)) as alice,
    ):
        await live.subscribe({"channel": "books", "instId": "DOGE-USDT"})
        await demo.subscribe({"channel": "books", "instId": "DOGE-USDT"})
        await live.expect(is_push("books", instId="DOGE-USDT"))
        await demo.expect(is_push("books", instId="DOGE-USDT"))
        assert (await alice.login(world.alice_demo))["code"] == "0"
        assert (await alice.op("order", [limit("buy", "0.1", "100", "DOGE-USDT")]))["code"] == "0"
        update = await demo.expect(is_push("books", instId="DOGE-USDT"))
        assert update["data"][0]["bids"][0][1] == "100"
        await live.quiet(is_push("books", instId="DOGE-USDT"), 0.5)


async def test_unsubscribed_books_stop(world: World) -> None:
    async with open_ws(world.url("public")) as ws, open_ws(world.url("private")) as alice:
        await ws.subscribe({"channel": "books", "instId": "LTC-USDT"})
        await ws.expect(is_push("books", instId="LTC-USDT"))
        await ws.send({"op": "unsubscribe", "args": [{"channel": "books", "instId": "LTC-USDT"}]})
        await ws.expect(lambda m: isinstance(m, dict) and m.get("event") == "unsubscribe")
        assert (await alice.login(world.alice))["code"] == "0"
        await alice.op("order", [limit("buy", "1", "1", "LTC-USDT")])
        await ws.quiet(is_push("books", instId="LTC-USDT"), 0.5)


async def _with_blocked_commit(world: World, inst_id: str, fail: bool) -> dict[str, Any]:
    """Subscribe to `books` while a new order's commit is still running; the first snapshot."""
    store = world.server.runtime.trading.store
    real_write, entered, release = store.write, threading.Event(), threading.Event()

    def held(*args: Any, **kwargs: Any) -> None:
        entered.set()
        release.wait(10)
        if fail:
            raise OSError("disk full")
        real_write(*args, **kwargs)

    async with open_ws(world.url("private")) as alice, open_ws(world.url("public")) as watcher:
        assert (await alice.login(world.alice))["code"] == "0"
        store.write = held
        try:
            await alice.send({"id": "held", "op": "order", "args": [limit("buy", "2", "1", inst_id)]})
            assert await asyncio.to_thread(entered.wait, 5)
            await watcher.subscribe({"channel": "books", "instId": inst_id})
            await watcher.quiet(is_push("books"), 0.3)  # nothing while the engine holds uncommitted state
            release.set()
        finally:
            store.write = real_write
        reply = await alice.expect(lambda m: m.get("id") == "held")
        assert reply["code"] == ("50026" if fail else "0")
        snapshot: dict[str, Any] = await watcher.expect(is_push("books", instId=inst_id))
        return snapshot


async def test_a_snapshot_waits_for_the_commit_in_flight(world: World) -> None:
    snapshot = await _with_blocked_commit(world, "LINK-USDT", fail=False)
    assert snapshot["action"] == "snapshot" and snapshot["data"][0]["bids"] == [["2", "1", "0", "1"]]


async def test_a_snapshot_never_shows_a_batch_whose_commit_failed(world: World) -> None:
    snapshot = await _with_blocked_commit(world, "DOT-USDT", fail=True)
    assert snapshot["action"] == "snapshot" and snapshot["data"][0]["bids"] == []
