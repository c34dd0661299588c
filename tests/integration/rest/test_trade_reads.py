"""OKX order and fill reads over signed REST: one order, pending, history, fills, with id cursors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.apps import sandbox
from tests.support.rest import INST, Trader, trader

ORDER_FIELDS = 52  # the reference's order object (exact names: tests/unit/transport/test_trade_wire.py)
FILL_FIELDS = 26


async def _trade(maker: Trader, taker: Trader, *, px: str = "30000", sz: str = "0.1") -> tuple[str, str]:
    """`maker` rests a sell, `taker` buys it all; returns (maker ordId, taker ordId)."""
    sell = await maker.placed_id(side="sell", px=px, sz=sz, clOrdId="makerSell")
    buy = await taker.placed_id(side="buy", px=px, sz=sz, clOrdId="takerBuy")
    return sell, buy


async def test_one_order_by_id_or_client_id_and_its_errors(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        ord_id = await alice.placed_id(clOrdId="look1")
        by_id = await alice.get("trade/order", instId=INST, ordId=ord_id)
        by_client = await alice.get("trade/order", instId=INST, clOrdId="look1")
        assert by_id == by_client and len(by_id["data"][0]) == ORDER_FIELDS
        assert by_id["data"][0]["ordId"] == ord_id
        unknown = await alice.get_raw("trade/order", instId=INST, ordId="999")
        assert (unknown.status_code, unknown.json()) == (
            200,
            {"code": "51603", "msg": "Order does not exist.", "data": []},
        )
        no_inst = await alice.get_raw("trade/order", ordId=ord_id)
        assert (no_inst.status_code, no_inst.json()["msg"]) == (400, "Parameter instId can not be empty.")
        assert (await alice.get("trade/order", instId=INST))["code"] == "50015"
        assert (await alice.get("trade/order", instId="NOPE-USDT", ordId=ord_id))["code"] == "51001"
        bob = trader(box, "bob@example.com")
        assert (await bob.get("trade/order", instId=INST, ordId=ord_id))["code"] == "51603"  # not his


async def test_pending_orders_newest_first_with_ord_id_cursors(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "10000")
        ids = [await alice.placed_id(px=str(20000 + i)) for i in range(5)]
        newest = list(reversed(ids))
        page = await alice.get("trade/orders-pending", instId=INST, limit="2")
        assert [o["ordId"] for o in page["data"]] == newest[:2]
        older = await alice.get("trade/orders-pending", after=newest[1], limit="2")
        assert [o["ordId"] for o in older["data"]] == newest[2:4]
        newer = await alice.get("trade/orders-pending", before=newest[3])
        assert sorted(o["ordId"] for o in newer["data"]) == sorted(newest[:3])
        assert (await alice.get("trade/orders-pending", instType="SWAP"))["data"] == []
        assert (await alice.get("trade/orders-pending", ordType="market"))["data"] == []
        assert (await alice.get("trade/orders-pending", ordType="optimal_limit_ioc"))[
            "data"
        ] == []  # OKX-only
        assert len((await alice.get("trade/orders-pending", state="live"))["data"]) == 5
        for bad in (
            {"limit": "101"},
            {"limit": "0"},
            {"state": "filled"},
            {"after": "x"},
            {"instType": "SPOTS"},
            {"ordType": "twap"},
        ):
            answer = await alice.get("trade/orders-pending", **bad)
            assert answer["code"] == "51000" and answer["data"] == [], bad
            assert answer["msg"] == f"Parameter {next(iter(bad))} error"


async def test_history_lists_finished_orders_and_needs_inst_type(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice, bob = trader(box), trader(box, "bob@example.com")
        await alice.deposit("USDT", "10000")
        await bob.deposit("BTC", "1")
        sell, buy = await _trade(bob, alice)
        canceled = await alice.placed_id(px="10000")
        await alice.post("trade/cancel-order", {"instId": INST, "ordId": canceled})
        history = await alice.get("trade/orders-history", instType="SPOT")
        assert [(o["ordId"], o["state"]) for o in history["data"]] == [
            (canceled, "canceled"),
            (buy, "filled"),
        ]
        filled = (await alice.get("trade/orders-history", instType="SPOT", state="filled"))["data"]
        assert [o["ordId"] for o in filled] == [buy]
        order = filled[0]
        assert len(order) == ORDER_FIELDS
        assert (order["accFillSz"], order["avgPx"], order["fillPx"], order["fillSz"], order["feeCcy"]) == (
            "0.1",
            "30000",
            "30000",
            "0.1",
            "BTC",
        )
        assert order["fee"] == "-0.0001" and order["tradeId"].isdigit()  # taker 0.1% of 0.1 BTC
        archive = await alice.get("trade/orders-history-archive", instType="SPOT")
        assert [o["ordId"] for o in archive["data"]] == [canceled, buy]
        missing = await alice.get_raw("trade/orders-history")
        assert (missing.status_code, missing.json()["code"]) == (400, "50014")
        assert (await alice.get("trade/orders-history", instType="FUTURES"))["data"] == []
        assert (await alice.get("trade/orders-history", instType="SPOT", state="mmp_canceled"))["data"] == []
        assert [o["ordId"] for o in (await bob.get("trade/orders-history", instType="SPOT"))["data"]] == [
            sell
        ]


async def test_fills_for_both_sides_of_a_trade(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice, bob = trader(box), trader(box, "bob@example.com")
        await alice.deposit("USDT", "10000")
        await bob.deposit("BTC", "1")
        sell, buy = await _trade(bob, alice)
        (taker,) = (await alice.get("trade/fills"))["data"]
        (maker,) = (await bob.get("trade/fills", instType="SPOT", instId=INST))["data"]
        assert len(taker) == FILL_FIELDS and len(maker) == FILL_FIELDS
        assert taker["tradeId"] == maker["tradeId"]
        names = ("ordId", "clOrdId", "side", "execType", "fillPx", "fillSz", "fee", "feeCcy", "subType")
        assert _pick(taker, *names) == (buy, "takerBuy", "buy", "T", "30000", "0.1", "-0.0001", "BTC", "1")
        assert _pick(maker, "ordId", "side", "execType", "fee", "feeCcy", "feeRate", "subType") == (
            sell,
            "sell",
            "M",
            "-2.4",
            "USDT",
            "-0.0008",
            "2",
        )
        history = await alice.get("trade/fills-history", instType="SPOT")
        assert history["data"] == [taker]
        by_order = await alice.get("trade/fills", ordId=buy)
        assert by_order["data"] == [taker]
        assert (await alice.get("trade/fills", ordId=sell))["data"] == []
        needs_type = await alice.get("trade/fills-history")
        assert (needs_type["code"], needs_type["msg"]) == ("50014", "Parameter instType can not be empty.")


async def test_fills_page_by_bill_id(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice, bob = trader(box), trader(box, "bob@example.com")
        await alice.deposit("USDT", "100000")
        await bob.deposit("BTC", "1")
        for i in range(3):
            await bob.placed_id(side="sell", px=str(30000 + i), sz="0.01")
        await alice.placed_id(side="buy", ordType="market", tgtCcy="base_ccy", sz="0.03")
        fills = (await alice.get("trade/fills"))["data"]
        assert [f["fillPx"] for f in fills] == ["30002", "30001", "30000"]  # newest first
        bills = [f["billId"] for f in fills]
        older = await alice.get("trade/fills", after=bills[0], limit="1")
        assert [f["billId"] for f in older["data"]] == [bills[1]]
        newer = await alice.get("trade/fills", before=bills[2])
        assert sorted(f["billId"] for f in newer["data"]) == sorted(bills[:2])


def _pick(row: dict[str, Any], *names: str) -> tuple[Any, ...]:
    return tuple(row[name] for name in names)
