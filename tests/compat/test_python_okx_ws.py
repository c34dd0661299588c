"""Unmodified python-okx WebSocket clients (`WsPublicAsync`, `WsPrivateAsync`) over `wss://`.

python-okx always connects with an SSL context (certifi's bundle on top of the system's default
paths), and `websockets` refuses that for `ws://`, so sandex serves TLS (`sandex serve --tls`). The
client trusts sandex's local CA through `SSL_CERT_FILE`, which OpenSSL reads when python-okx builds
its context: no patching of python-okx, certifi or ssl.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import okx.Trade as Trade
import pytest
from okx.websocket.WsPrivateAsync import WsPrivateAsync
from okx.websocket.WsPublicAsync import WsPublicAsync

from tests.support.ws import WsWorld, ws_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WsWorld]:
    with ws_world(tmp_path_factory.mktemp("python-okx-ws") / "data", tls=True) as served:
        yield served


@pytest.fixture(autouse=True)
def trust_sandex(world: WsWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    assert world.ca_path is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(world.ca_path))


class Inbox:
    """python-okx hands every frame to one callback: collect them, wait for the one wanted."""

    def __init__(self) -> None:
        self.frames: list[Any] = []

    def __call__(self, message: str) -> None:
        self.frames.append(message if message == "pong" else json.loads(message))

    async def wait(self, wanted: Any, timeout: float = 10) -> Any:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for frame in self.frames:
                if isinstance(frame, dict) and wanted(frame):
                    self.frames.remove(frame)
                    return frame
            assert asyncio.get_running_loop().time() < deadline, f"not received; got {self.frames}"
            await asyncio.sleep(0.02)


def _push(channel: str) -> Any:
    return lambda f: f.get("arg", {}).get("channel") == channel and "data" in f


async def test_public_channels_over_wss(world: WsWorld) -> None:
    inbox = Inbox()
    client = WsPublicAsync(url=f"{world.ws_base()}/public")
    await client.start()
    try:
        topics = [{"channel": "books", "instId": "BTC-USDT"}, {"channel": "tickers", "instId": "BTC-USDT"}]
        await client.subscribe(topics, callback=inbox)
        ack = await inbox.wait(lambda f: f.get("event") == "subscribe")
        assert ack["arg"]["channel"] in ("books", "tickers")
        book = await inbox.wait(_push("books"))
        assert book["action"] == "snapshot" and book["data"][0]["prevSeqId"] == -1
        ticker = await inbox.wait(_push("tickers"))
        assert ticker["data"][0]["instId"] == "BTC-USDT"
    finally:
        await client.stop()


async def test_business_candles_over_wss(world: WsWorld) -> None:
    await _trade(world, "BTC-USDT", "88000", "0.001")
    inbox = Inbox()
    client = WsPublicAsync(url=f"{world.ws_base()}/business")
    await client.start()
    try:
        await client.subscribe([{"channel": "candle1m", "instId": "BTC-USDT"}], callback=inbox)
        candle = await inbox.wait(_push("candle1m"))
        assert candle["data"][0][4] == "88000"
    finally:
        await client.stop()


async def test_private_login_subscribe_and_trade_over_wss(world: WsWorld) -> None:
    inbox = Inbox()
    creds = world.alice
    client = WsPrivateAsync(
        apiKey=creds.api_key,
        passphrase=creds.passphrase,
        secretKey=creds.secret,
        url=f"{world.ws_base()}/private",
    )
    await client.start()
    try:
        # python-okx logs in (int timestamp), waits 5 s, then subscribes
        await client.subscribe(
            [{"channel": "orders", "instType": "ANY"}, {"channel": "account"}], callback=inbox
        )
        login = await inbox.wait(lambda f: f.get("event") == "login")
        assert login["code"] == "0"
        await inbox.wait(_push("account"))
        order = {
            "instId": "BTC-USDT",
            "tdMode": "cash",
            "side": "buy",
            "ordType": "limit",
            "px": "30000",
            "sz": "0.001",
            "clOrdId": "pyokx1",
        }
        await client.place_order([order], id="101")
        reply = await inbox.wait(lambda f: f.get("id") == "101")
        assert reply["op"] == "order" and reply["code"] == "0" and reply["data"][0]["clOrdId"] == "pyokx1"
        ord_id = reply["data"][0]["ordId"]
        pushed = await inbox.wait(_push("orders"))
        assert pushed["data"][0]["ordId"] == ord_id and pushed["data"][0]["state"] == "live"
        await client.amend_order([{"instId": "BTC-USDT", "ordId": ord_id, "newPx": "30001"}], id="102")
        assert (await inbox.wait(lambda f: f.get("id") == "102"))["code"] == "0"
        await client.batch_cancel_orders([{"instId": "BTC-USDT", "ordId": ord_id}], id="103")
        canceled = await inbox.wait(lambda f: f.get("id") == "103")
        assert canceled["op"] == "batch-cancel-orders" and canceled["data"][0]["sCode"] == "0"
    finally:
        await client.stop()


@pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")  # python-okx's REST posts
async def test_algo_orders_on_the_business_url(world: WsWorld) -> None:
    """python-okx's private client pointed at `/business`: login, `orders-algo`, and the push of an
    algo placed over REST (python-okx's `TradeAPI` on the same server)."""
    inbox = Inbox()
    creds = world.alice
    client = WsPrivateAsync(
        apiKey=creds.api_key,
        passphrase=creds.passphrase,
        secretKey=creds.secret,
        url=f"{world.ws_base()}/business",
    )
    await client.start()
    try:
        await client.subscribe([{"channel": "orders-algo", "instType": "SPOT"}], callback=inbox)
        assert (await inbox.wait(lambda f: f.get("event") == "login"))["code"] == "0"
        ack = await inbox.wait(lambda f: f.get("event") == "subscribe")
        assert ack["arg"] == {"channel": "orders-algo", "instType": "SPOT"}
        await _trade(world, "BTC-USDT", "50000", "0.001")
        api = Trade.TradeAPI(creds.api_key, creds.secret, creds.passphrase, False, "0", domain=world.base_url)
        placed = await asyncio.to_thread(
            api.place_algo_order,
            "BTC-USDT",
            "cash",
            "buy",
            "trigger",
            "0.001",
            triggerPx="60000",
            orderPx="-1",
        )
        assert placed["code"] == "0", placed
        pushed = await inbox.wait(_push("orders-algo"))
        assert pushed["data"][0]["algoId"] == placed["data"][0]["algoId"]
        assert (pushed["data"][0]["state"], pushed["data"][0]["ordType"]) == ("live", "trigger")
    finally:
        await client.stop()


async def test_demo_trading_url_suffix(world: WsWorld) -> None:
    """python-okx users point at OKX's demo URL shape: `...?brokerId=9999` selects demo trading."""
    inbox = Inbox()
    creds = world.alice_demo
    client = WsPublicAsync(
        url=f"{world.ws_base()}/business?brokerId=9999",
        apiKey=creds.api_key,
        passphrase=creds.passphrase,
        secretKey=creds.secret,
    )
    await client.start()
    try:
        client.callback = inbox
        await client.login()
        assert (await inbox.wait(lambda f: f.get("event") in ("login", "error")))["code"] == "0"
    finally:
        await client.stop()


async def _trade(world: WsWorld, inst_id: str, px: str, sz: str) -> None:
    inbox = Inbox()
    sessions = []
    for creds, side in ((world.bob, "sell"), (world.alice, "buy")):
        client = WsPrivateAsync(
            apiKey=creds.api_key,
            passphrase=creds.passphrase,
            secretKey=creds.secret,
            url=f"{world.ws_base()}/private",
        )
        await client.start()
        client.callback = inbox
        sessions.append(client)
        await client.login()
        await inbox.wait(lambda f: f.get("event") == "login")
        order = {"instId": inst_id, "tdMode": "cash", "side": side, "ordType": "limit", "px": px, "sz": sz}
        await client.place_order([order], id=side)
        assert (await inbox.wait(lambda f, s=side: f.get("id") == s))["code"] == "0"
    for client in sessions:
        await client.stop()
