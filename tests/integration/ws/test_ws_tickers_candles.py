"""`tickers` (on /public) and `candle*` (on /business), fed by the committed trades and books."""

from __future__ import annotations

from typing import Any

from tests.support.okx import limit
from tests.support.ws import Conn, World, is_push, open_ws

TICKER_FIELDS = (
    "instType instId last lastSz askPx askSz bidPx bidSz open24h high24h low24h volCcy24h vol24h ts"
)
TICKER_FIELDS += " sodUtc0 sodUtc8"


async def _trade(world: World, px: str, sz: str, inst_id: str) -> None:
    async with open_ws(world.url("private")) as alice, open_ws(world.url("private")) as bob:
        assert (await alice.login(world.alice))["code"] == "0"
        assert (await bob.login(world.bob))["code"] == "0"
        assert (await bob.op("order", [limit("sell", px, sz, inst_id)]))["code"] == "0"
        assert (await alice.op("order", [limit("buy", px, sz, inst_id)]))["data"][0]["sCode"] == "0"


async def test_a_ticker_on_subscribe_then_on_trades_and_quotes(world: World) -> None:
    async with open_ws(world.url("public")) as ws:
        await ws.subscribe({"channel": "tickers", "instId": "BTC-USDT"})
        first = await ws.expect(is_push("tickers", instId="BTC-USDT"))
        assert list(first) == ["arg", "data"] and list(first["data"][0]) == TICKER_FIELDS.split()
        await _trade(world, "70000", "0.01", "BTC-USDT")
        traded = await ws.expect(lambda m: is_push("tickers")(m) and m["data"][0]["last"] == "70000")
        assert traded["data"][0]["lastSz"] == "0.01"
        async with open_ws(world.url("private")) as alice:
            assert (await alice.login(world.alice))["code"] == "0"
            await alice.op("order", [limit("buy", "69000", "0.02")])
        quoted = await ws.expect(lambda m: is_push("tickers")(m) and m["data"][0]["bidPx"] == "69000")
        assert quoted["data"][0]["bidSz"] == "0.02"


async def test_tickers_are_throttled_but_never_lose_the_last_state(world: World) -> None:
    async with open_ws(world.url("public")) as ws, open_ws(world.url("private")) as alice:
        await ws.subscribe({"channel": "tickers", "instId": "ETH-USDT"})
        await ws.expect(is_push("tickers", instId="ETH-USDT"))
        assert (await alice.login(world.alice))["code"] == "0"
        for i in range(10):  # ten best-bid changes within a few milliseconds each
            await alice.op("order", [limit("buy", str(1500 + i), "0.01", "ETH-USDT")], request_id=f"b{i}")
        last = await ws.expect(lambda m: is_push("tickers")(m) and m["data"][0]["bidPx"] == "1509", timeout=2)
        assert last["data"][0]["instId"] == "ETH-USDT"
        pushes = 1 + sum(1 for m in ws.backlog if is_push("tickers")(m))
        assert pushes < 10


async def _candle(ws: Conn, channel: str, inst_id: str, close: str | None = None) -> list[str]:
    """The next candle pushed on `channel`, closing at `close` when given."""

    def wanted(m: Any) -> bool:
        return is_push(channel, instId=inst_id)(m) and (close is None or m["data"][0][4] == close)

    candle: list[str] = (await ws.expect(wanted, timeout=3))["data"][0]
    return candle


async def test_candles_on_business_current_then_updated(world: World) -> None:
    await _trade(world, "2.5", "10", "XRP-USDT")
    async with open_ws(world.url("business")) as ws:
        acks = await ws.subscribe(
            {"channel": "candle1m", "instId": "XRP-USDT"}, {"channel": "candle1Dutc", "instId": "XRP-USDT"}
        )
        assert [a["event"] for a in acks] == ["subscribe", "subscribe"]
        current = await _candle(ws, "candle1m", "XRP-USDT")
        assert len(current) == 9 and all(isinstance(v, str) for v in current)
        assert current[4] == "2.5" and current[8] == "0"
        await _candle(ws, "candle1Dutc", "XRP-USDT")
        await _trade(world, "2.6", "5", "XRP-USDT")
        updated = await _candle(ws, "candle1m", "XRP-USDT", close="2.6")
        assert updated[0] == current[0] or int(updated[0]) > int(current[0])
        assert updated[2] >= "2.6"
        await _candle(ws, "candle1Dutc", "XRP-USDT", close="2.6")


async def test_candle_channels_need_a_known_bar(world: World) -> None:
    async with open_ws(world.url("business")) as ws:
        await ws.send({"op": "subscribe", "args": [{"channel": "candle7m", "instId": "BTC-USDT"}]})
        assert (await ws.recv())["code"] == "60018"
