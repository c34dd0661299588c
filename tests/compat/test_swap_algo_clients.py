"""Unmodified ccxt and python-okx algo orders on a perpetual swap: the futures stoploss freqtrade
places (`create_order(..., {'stopLossPrice', 'tdMode': 'isolated', 'reduceOnly': True,
'slTriggerPxType': 'mark'})`) and python-okx's `place_algo_order` with a mark trigger are placed,
read back and fired by the mark; the positions they protect are opened through the trading service
(the swap order routes are another part's)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import ccxt
import okx.Trade as Trade
import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv
from sandex.domain.errors import Rejected
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import OrderSpec
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.swap_commands import SetAccountLevel
from sandex.services.trading.views import Trader as Who
from tests.support.factories import registered
from tests.support.okx import Creds
from tests.support.polling import eventually
from tests.support.servers import TradingWorld, cli_deposit, trading_world

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

D = Decimal
SWAP = "BTC-USDT-SWAP"
SYMBOL = "BTC/USDT:USDT"  # ccxt's unified symbol of the linear perpetual
LIVE = Environment.LIVE
ALICE, BOB = "alice@example.test", "bob@example.test"


@pytest.fixture(scope="module")
def tworld(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TradingWorld]:
    data_dir: Path = tmp_path_factory.mktemp("swap-algo-clients") / "data"
    with trading_world(data_dir) as world:
        cli_deposit(data_dir, "bob@example.test", "USDT", "100000")
        rt = world.server.runtime
        for email in (ALICE, BOB):
            account = _account(world, email)
            done = asyncio.run(rt.trading.sequencer.submit(SetAccountLevel(LIVE, account, AcctLv.FUTURES)))
            assert not isinstance(done, Rejected), done
        yield world


def _user_id(world: TradingWorld, email: str) -> int:
    return registered(world.server.runtime.accounts, email).id


def _account(world: TradingWorld, email: str) -> int:
    account = world.server.runtime.trading.accounts.find(
        _user_id(world, email), LIVE, LedgerAccountKind.TRADING
    )
    assert account is not None
    return account


def _mark_at(world: TradingWorld, px: str) -> None:
    rt = world.server.runtime
    assert not isinstance(rt.market.control.set_mark(SWAP, D(px)), Rejected)
    got = eventually(lambda: rt.trading.core.marks().get(SWAP, (None,))[0], lambda m: m == D(px), 10)
    assert got == D(px)


def _order(world: TradingWorld, email: str, side: Side, sz: str, px: str) -> None:
    spec = OrderSpec(SWAP, side, OrdType.LIMIT, D(sz), D(px), td_mode="isolated")
    who = Who(_user_id(world, email), LIVE)
    acks = asyncio.run(world.server.runtime.trading.service.place(who, [spec]))
    assert not isinstance(acks, Rejected) and acks[0].rejected is None, acks


def _long_one(world: TradingWorld) -> None:
    """alice goes long 1 contract at 50000 from bob, who then bids 5 at 49100 (the stop's exit)."""
    _mark_at(world, "50000")
    _order(world, BOB, Side.SELL, "1", "50000")
    _order(world, ALICE, Side.BUY, "1", "50000")
    _order(world, BOB, Side.BUY, "5", "49100")


def _ccxt(world: TradingWorld, creds: Creds) -> ccxt.okx:
    exchange = ccxt.okx({"apiKey": creds.api_key, "secret": creds.secret, "password": creds.passphrase})
    exchange.urls["api"]["rest"] = world.base_url
    exchange.load_markets()
    return exchange


def test_ccxt_futures_stoploss_is_placed_read_and_fired_by_the_mark(tworld: TradingWorld) -> None:
    _long_one(tworld)
    alice = _ccxt(tworld, tworld.alice)
    params = {"stopLossPrice": 49500, "tdMode": "isolated", "reduceOnly": True, "slTriggerPxType": "mark"}
    created = alice.create_order(SYMBOL, "market", "sell", 1, None, params)
    assert created["id"]
    fetched = alice.fetch_order(created["id"], SYMBOL, {"stop": True})
    assert (fetched["status"], fetched["side"], fetched["amount"], fetched["stopLossPrice"]) == (
        "open",
        "sell",
        1,
        49500,
    )
    assert fetched["reduceOnly"] is True and fetched["info"]["slTriggerPxType"] == "mark"
    assert fetched["info"]["instType"] == "SWAP" and fetched["info"]["tdMode"] == "isolated"
    _mark_at(tworld, "49400")
    closed = eventually(
        lambda: alice.fetch_order(created["id"], SYMBOL, {"stop": True}), lambda o: o["status"] != "open", 10
    )
    assert closed["status"] == "closed", closed
    _mark_at(tworld, "50000")


def test_python_okx_mark_stop_on_a_swap(tworld: TradingWorld) -> None:
    _long_one(tworld)
    api = Trade.TradeAPI(
        tworld.alice.api_key, tworld.alice.secret, tworld.alice.passphrase, False, "0", domain=tworld.base_url
    )
    placed = api.place_algo_order(
        SWAP,
        "isolated",
        "sell",
        "conditional",
        "",
        posSide="net",
        closeFraction="1",
        reduceOnly="true",
        slTriggerPx="49500",
        slOrdPx="-1",
        slTriggerPxType="mark",
    )
    assert placed["code"] == "0", placed
    algo_id = placed["data"][0]["algoId"]
    details = api.get_algo_order_details(algoId=algo_id)["data"][0]
    assert (details["instType"], details["closeFraction"], details["posSide"], details["reduceOnly"]) == (
        "SWAP",
        "1",
        "net",
        "true",
    )
    listed = api.order_algos_list(ordType="conditional", instType="SWAP")["data"]
    assert algo_id in [row["algoId"] for row in listed]
    _mark_at(tworld, "49400")
    details = eventually(
        lambda: api.get_algo_order_details(algoId=algo_id)["data"][0], lambda d: d["state"] != "live", 10
    )
    assert (details["state"], details["actualSide"], details["actualSz"]) == ("effective", "sl", "1")
    _mark_at(tworld, "50000")
