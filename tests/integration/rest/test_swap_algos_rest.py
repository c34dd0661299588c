"""Swap algo orders over signed REST against a running sequencer: what freqtrade's futures
stoploss sends (ccxt `stopLossPrice`, tdMode isolated, reduceOnly true, slTriggerPxType mark) is
placed, read back in OKX's shape and fired when the market's mark moves; python-okx's
`closeFraction` stop closes the whole position; refusals carry OKX's codes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv
from sandex.domain.errors import Rejected
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import OrderSpec
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.swap_commands import SetAccountLevel
from sandex.services.trading.views import Trader as Who
from tests.support.apps import Sandbox, sandbox
from tests.support.okx import python_okx_algo
from tests.support.polling import until
from tests.support.rest import Trader, trader

D = Decimal
SWAP = "BTC-USDT-SWAP"
LIVE = Environment.LIVE
# ccxt create_order(SWAP, 'market', 'sell', 1, None, {'stopLossPrice': 49500, 'tdMode': 'isolated',
# 'reduceOnly': True, 'slTriggerPxType': 'mark'}): the body it posts (clOrdId/tag from its broker id)
CCXT_STOP = {
    "instId": SWAP,
    "side": "sell",
    "ordType": "conditional",
    "sz": "1",
    "tdMode": "isolated",
    "slTriggerPx": "49500",
    "slOrdPx": "-1",
    "slTriggerPxType": "mark",
    "reduceOnly": True,
    "posSide": "net",
    "clOrdId": "e847386590ce4dBCabc123",
    "tag": "e847386590ce4dBC",
}


async def futures(box: Sandbox, who: Trader, usdt: str = "100000") -> None:
    await who.deposit("USDT", usdt)
    account = box.runtime.trading.accounts.find(who.user.id, LIVE, LedgerAccountKind.TRADING)
    assert account is not None
    done = await box.runtime.trading.sequencer.submit(SetAccountLevel(LIVE, account, AcctLv.FUTURES))
    assert not isinstance(done, Rejected), done


async def mark_at(box: Sandbox, px: str) -> None:
    """Hold the simulated mark at `px` and wait until the core has it (the mark feed sends it)."""
    assert not isinstance(box.runtime.market.control.set_mark(SWAP, D(px)), Rejected)
    await until(lambda: box.runtime.trading.core.marks().get(SWAP, (None,))[0] == D(px), f"mark {px}")


async def swap_order(box: Sandbox, who: Trader, side: Side, sz: str, px: str, mode: str = "isolated") -> None:
    spec = OrderSpec(SWAP, side, OrdType.LIMIT, D(sz), D(px), td_mode=mode)
    acks = await box.runtime.trading.service.place(Who(who.user.id, LIVE), [spec])
    assert not isinstance(acks, Rejected) and acks[0].rejected is None, acks


async def long_one(box: Sandbox) -> tuple[Trader, Trader]:
    """alice long 1 contract at 50000 (isolated) from bob; bob bids 5 more at 49100."""
    alice, bob = trader(box), trader(box, "bob@example.com")
    for who in (alice, bob):
        await futures(box, who)
    await mark_at(box, "50000")
    await swap_order(box, bob, Side.SELL, "1", "50000")
    await swap_order(box, alice, Side.BUY, "1", "50000")
    await swap_order(box, bob, Side.BUY, "5", "49100")
    return alice, bob


async def algo_row(who: Trader, algo_id: str) -> dict[str, Any]:
    answer = await who.get("trade/order-algo", algoId=algo_id)
    assert answer["code"] == "0", answer
    row: dict[str, Any] = answer["data"][0]
    return row


async def positions(box: Sandbox, who: Trader) -> list[Any]:
    account = box.runtime.trading.accounts.find(who.user.id, LIVE, LedgerAccountKind.TRADING)
    assert account is not None
    return box.runtime.trading.store.positions(account)


async def test_freqtrades_futures_stoploss_fires_when_the_mark_falls(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice, _ = await long_one(box)
        answer = await alice.post("trade/order-algo", CCXT_STOP)
        assert answer["code"] == "0", answer
        algo_id = answer["data"][0]["algoId"]
        row = await algo_row(alice, algo_id)
        assert {
            k: row[k] for k in ("instType", "tdMode", "posSide", "reduceOnly", "closeFraction", "state")
        } == {
            "instType": "SWAP",
            "tdMode": "isolated",
            "posSide": "net",
            "reduceOnly": "true",
            "closeFraction": "",
            "state": "live",
        }
        assert (row["slTriggerPx"], row["slTriggerPxType"], row["slOrdPx"], row["sz"]) == (
            "49500",
            "mark",
            "-1",
            "1",
        )
        listed = await alice.get("trade/orders-algo-pending", ordType="conditional", instType="SWAP")
        assert [r["algoId"] for r in listed["data"]] == [algo_id]
        spot = await alice.get("trade/orders-algo-pending", ordType="conditional", instType="SPOT")
        assert spot["data"] == []

        await mark_at(box, "49400")
        await until(lambda: _state(alice, algo_id, "effective"), "the stop fired")
        row = await algo_row(alice, algo_id)
        assert (row["actualSide"], row["actualSz"]) == ("sl", "1")
        assert await positions(box, alice) == []


async def _state(who: Trader, algo_id: str, state: str) -> bool:
    return (await algo_row(who, algo_id))["state"] == state


async def test_python_okx_close_fraction_stop_closes_the_whole_position(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice, bob = await long_one(box)
        body = python_okx_algo(
            instId=SWAP,
            tdMode="isolated",
            side="sell",
            ordType="conditional",
            closeFraction="1",
            reduceOnly="true",
            slTriggerPx="49500",
            slOrdPx="-1",
            slTriggerPxType="index",
        )
        answer = await alice.post("trade/order-algo", body)
        assert answer["code"] == "0", answer
        algo_id = answer["data"][0]["algoId"]
        again = await alice.post("trade/order-algo", body)
        assert again["data"][0]["sCode"] == "51088"  # one whole-position stop per position
        await swap_order(box, bob, Side.SELL, "2", "50000")
        await swap_order(box, alice, Side.BUY, "2", "50000")  # the position grows to 3
        row = await algo_row(alice, algo_id)
        assert (row["closeFraction"], row["sz"], row["slTriggerPxType"]) == ("1", "0", "index")
        # the index follows the simulated reference price: hold the mark, move the index's reference
        done = box.runtime.market.control.set_price("BTC-USDT", D(49000))
        assert not isinstance(done, Rejected)
        await until(lambda: _state(alice, algo_id, "effective"), "the index stop fired", timeout_s=30)
        assert (await algo_row(alice, algo_id))["actualSz"] == "3"
        assert await positions(box, alice) == []


async def test_swap_refusals_carry_okx_codes(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        spot_mode = await alice.post("trade/order-algo", CCXT_STOP)
        assert spot_mode["data"][0]["sCode"] == "51010"  # Spot mode: no swap algos
        await futures(box, alice)
        await mark_at(box, "50000")
        cases = [
            ({"slTriggerPx": "50100"}, "51304"),  # a sell's stop above the mark
            ({"tdMode": "cash"}, "51000"),
            ({"posSide": "long"}, "51000"),  # net mode
            ({"closeFraction": "1", "reduceOnly": False}, "51328"),
            ({"closeFraction": "1", "slOrdPx": "49000"}, "51330"),
            ({"cxlOnClosePos": True, "reduceOnly": False}, "51000"),
        ]
        for change, code in cases:
            answer = await alice.post("trade/order-algo", {**CCXT_STOP, "clOrdId": "", **change})
            assert answer["data"][0]["sCode"] == code, (change, answer)
        spot = await alice.post(
            "trade/order-algo",
            {**CCXT_STOP, "instId": "BTC-USDT", "tdMode": "cash", "sz": "0.01", "clOrdId": ""},
        )
        assert spot["data"][0]["sCode"] == "51415"  # spot: the last price only
