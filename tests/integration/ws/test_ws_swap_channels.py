"""Swap channels: `mark-price`, `price-limit`, `open-interest` on /public, `mark-price-candle*` and
`index-candle*` on /business; plus tickers and books of a swap (market maker off: the marks follow
the index, and the test holds a mark through the market controls)."""

from __future__ import annotations

from decimal import Decimal

from sandex.services.exchange.commands import FreezeMark, SetMark
from tests.support.ws import World, is_push, open_ws

SWAP, INDEX = "BTC-USDT-SWAP", "BTC-USDT"


async def test_mark_price_on_subscribe_then_when_it_moves(world: World) -> None:
    control = world.server.runtime.market.control
    async with open_ws(world.url("public")) as ws:
        [ack] = await ws.subscribe({"channel": "mark-price", "instId": SWAP})
        assert ack["event"] == "subscribe"
        first = await ws.expect(is_push("mark-price", instId=SWAP))
        assert list(first["data"][0]) == ["instType", "instId", "markPx", "ts"]
        assert first["data"][0]["instType"] == "SWAP" and Decimal(first["data"][0]["markPx"]) > 0
        control.control(SetMark(SWAP, Decimal("77777.7")))
        try:
            moved = await ws.expect(
                lambda m: is_push("mark-price")(m) and m["data"][0]["markPx"] == "77777.7", timeout=5
            )
            assert moved["arg"] == {"channel": "mark-price", "instId": SWAP}
        finally:
            control.control(FreezeMark(SWAP, False))


async def test_price_limit_and_open_interest_pushes(world: World) -> None:
    async with open_ws(world.url("public")) as ws:
        await ws.subscribe(
            {"channel": "price-limit", "instId": SWAP}, {"channel": "open-interest", "instId": SWAP}
        )
        limit = (await ws.expect(is_push("price-limit", instId=SWAP)))["data"][0]
        assert set(limit) == {"instType", "instId", "buyLmt", "sellLmt", "ts", "enabled"}
        assert Decimal(limit["sellLmt"]) < Decimal(limit["buyLmt"]) and limit["enabled"] is True
        oi = (await ws.expect(is_push("open-interest", instId=SWAP)))["data"][0]
        assert (oi["instType"], oi["oi"], oi["oiCcy"]) == ("SWAP", "0", "0")


async def test_mark_and_index_candles_on_business(world: World) -> None:
    async with open_ws(world.url("business")) as ws:
        acks = await ws.subscribe(
            {"channel": "mark-price-candle1m", "instId": SWAP}, {"channel": "index-candle1H", "instId": INDEX}
        )
        assert [a["event"] for a in acks] == ["subscribe", "subscribe"]
        mark = (await ws.expect(is_push("mark-price-candle1m", instId=SWAP)))["data"][0]
        index = (await ws.expect(is_push("index-candle1H", instId=INDEX)))["data"][0]
        assert len(mark) == 6 and len(index) == 6 and mark[5] in ("0", "1")


async def test_swap_channels_refuse_what_is_not_a_swap(world: World) -> None:
    async with open_ws(world.url("public")) as ws:
        await ws.send({"op": "subscribe", "args": [{"channel": "mark-price", "instId": INDEX}]})
        assert (await ws.recv())["code"] == "60018"
        await ws.send({"op": "subscribe", "args": [{"channel": "mark-price-candle1m", "instId": SWAP}]})
        assert (await ws.recv())["code"] == "64001"  # candles live on /business
    async with open_ws(world.url("business")) as ws:
        await ws.send({"op": "subscribe", "args": [{"channel": "index-candle1m", "instId": SWAP}]})
        assert (await ws.recv())["code"] == "60018"
        await ws.send({"op": "subscribe", "args": [{"channel": "mark-price-candle1s", "instId": SWAP}]})
        assert (await ws.recv())["code"] == "60018"


async def test_swap_tickers_and_books_stream(world: World) -> None:
    async with open_ws(world.url("public")) as ws:
        await ws.subscribe({"channel": "tickers", "instId": SWAP}, {"channel": "books5", "instId": SWAP})
        ticker = (await ws.expect(is_push("tickers", instId=SWAP)))["data"][0]
        assert ticker["instType"] == "SWAP"
        book = await ws.expect(is_push("books5", instId=SWAP))
        assert set(book["data"][0]) >= {"asks", "bids", "ts"}
    async with open_ws(world.url("business")) as ws:
        [ack] = await ws.subscribe({"channel": "candle1m", "instId": SWAP})
        assert ack["event"] == "subscribe"
