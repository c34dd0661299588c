"""One trade, many subscribers: every kind of connection decodes the same push.

The server encodes a public push once per kind of connection (`runtime/ws_shared.py`): compressed
for clients that negotiated permessage-deflate (which the server answers with
`server_no_context_takeover`), with the window size they asked for, and plain for those that did not.
A trade push is small (sent uncompressed even where deflate was negotiated), a ticker push is not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

from tests.support.okx import limit
from tests.support.ws import World, is_push, open_ws

TRADES = {"channel": "trades", "instId": "BTC-USDT"}
TICKERS = {"channel": "tickers", "instId": "BTC-USDT"}


async def test_deflate_plain_and_small_window_clients_decode_the_same_trade(world: World) -> None:
    small_window = ClientPerMessageDeflateFactory(server_max_window_bits=10, client_max_window_bits=True)
    url = world.url("public")
    async with (
        open_ws(url) as first,
        open_ws(url) as second,
        open_ws(url, compression=None) as plain,
        open_ws(url, compression=None, extensions=[small_window]) as small,
        open_ws(world.url("private")) as alice,
        open_ws(world.url("private")) as bob,
    ):
        extensions = [
            c.ws.response.headers.get("Sec-WebSocket-Extensions", "") for c in (first, plain, small)
        ]
        assert "server_no_context_takeover" in extensions[0]
        assert extensions[1] == ""
        assert "server_max_window_bits=10" in extensions[2]
        watchers = (first, second, plain, small)
        for ws in watchers:
            await ws.subscribe(TRADES, TICKERS)
        assert (await alice.login(world.alice))["code"] == "0"
        assert (await bob.login(world.bob))["code"] == "0"
        for n in range(3):  # several pushes: each compressed on its own, decoded by one inflater
            await alice.op("order", [limit("buy", "40000", "0.01")], request_id=f"a{n}")
            assert (await bob.op("order", [limit("sell", "40000", "0.002")], request_id=f"b{n}"))[
                "code"
            ] == "0"
            pushes = [await ws.expect(is_push("trades", instId="BTC-USDT")) for ws in watchers]
            assert all(p == pushes[0] for p in pushes)
            assert pushes[0]["data"][0]["sz"] == "0.002"
            if n == 0:
                traded = [await ws.expect(_ticker_at("40000")) for ws in watchers]
                assert all(t == traded[0] for t in traded)


def _ticker_at(last: str) -> Callable[[Any], bool]:
    tickers = is_push("tickers", instId="BTC-USDT")
    return lambda message: tickers(message) and message["data"][0]["last"] == last
