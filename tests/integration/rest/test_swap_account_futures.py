"""The swap account endpoints of a Futures-mode account over signed REST: account level, position
mode, leverage (both sides in long/short mode), swap orders with margin mode, position side and
reduce-only, positions history and swap bills after a round trip."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.support.apps import Sandbox, sandbox
from tests.support.rest import Trader, trader

SWAP = "BTC-USDT-SWAP"


async def futures_trader(box: Sandbox, email: str) -> Trader:
    who = trader(box, email)
    await who.deposit("USDT", "100000")
    answer = await who.post("account/set-account-level", {"acctLv": "2"})
    assert answer == {"code": "0", "msg": "", "data": [{"acctLv": "2"}]}, answer
    return who


async def swap_px(who: Trader) -> Decimal:
    """A price inside the swap's price limits now (its mark, on the tick)."""
    answer = await who.get("public/mark-price", instType="SWAP", instId=SWAP)
    return Decimal(answer["data"][0]["markPx"])


def order(**fields: Any) -> dict[str, Any]:
    return {"instId": SWAP, "tdMode": "cross", "ordType": "limit", "sz": "1", **fields}


async def test_account_level_and_position_mode_show_in_config(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = await futures_trader(box, "alice@example.com")
        (config,) = (await alice.get("account/config"))["data"]
        assert (config["acctLv"], config["posMode"], config["ctIsoMode"]) == ("2", "net_mode", "automatic")
        answer = await alice.post("account/set-position-mode", {"posMode": "long_short_mode"})
        assert answer["data"] == [{"posMode": "long_short_mode"}]
        assert (await alice.get("account/config"))["data"][0]["posMode"] == "long_short_mode"
        bad = await alice.post("account/set-position-mode", {"posMode": "hedge"})
        assert (bad["code"], bad["msg"]) == ("51000", "Parameter posMode error")


async def test_leverage_defaults_set_and_shown_per_side(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = await futures_trader(box, "alice@example.com")
        shown = await alice.get("account/leverage-info", instId=SWAP, mgnMode="cross")
        assert shown["data"] == [
            {"instId": SWAP, "ccy": "", "mgnMode": "cross", "posSide": "net", "lever": "10"}
        ]
        done = await alice.post(
            "account/set-leverage", {"instId": SWAP, "lever": 5, "mgnMode": "cross", "ccy": ""}
        )
        assert done["data"] == [{"lever": "5", "mgnMode": "cross", "instId": SWAP, "posSide": "net"}], done
        assert (await alice.get("account/leverage-info", instId=SWAP, mgnMode="cross"))["data"][0][
            "lever"
        ] == "5"
        too_high = await alice.post(
            "account/set-leverage", {"instId": SWAP, "lever": "101", "mgnMode": "cross"}
        )
        assert too_high["code"] == "59102", too_high
        await alice.post("account/set-position-mode", {"posMode": "long_short_mode"})
        long_side = {"instId": SWAP, "lever": "3", "mgnMode": "isolated", "posSide": "long"}
        assert (await alice.post("account/set-leverage", long_side))["code"] == "0"
        rows = (await alice.get("account/leverage-info", instId=SWAP, mgnMode="isolated"))["data"]
        assert [(r["posSide"], r["lever"]) for r in rows] == [("long", "3"), ("short", "10")]
        unknown = await alice.get("account/leverage-info", instId="BTC-USDT", mgnMode="cross")
        assert unknown["code"] == "51001"


async def test_a_round_trip_leaves_history_and_swap_bills(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = await futures_trader(box, "alice@example.com")
        bob = await futures_trader(box, "bob@example.com")
        px = await swap_px(alice)
        rest = await bob.post("trade/order", order(side="sell", px=str(px), sz="2", posSide=""))
        assert rest["data"][0]["sCode"] == "0", rest
        bought = await alice.post("trade/order", order(side="buy", px=str(px), sz="2", posSide="net"))
        assert bought["data"][0]["sCode"] == "0", bought
        ord_id = bought["data"][0]["ordId"]
        placed = (await alice.get("trade/order", instId=SWAP, ordId=ord_id))["data"][0]
        assert (placed["instType"], placed["tdMode"], placed["state"], placed["accFillSz"]) == (
            "SWAP",
            "cross",
            "filled",
            "2",
        )
        (held,) = (await alice.get("account/positions", instType="SWAP"))["data"]
        assert (held["instId"], held["pos"], held["posSide"], held["mgnMode"], held["avgPx"]) == (
            SWAP,
            "2",
            "net",
            "cross",
            str(px),
        )
        assert (held["lever"], held["ccy"], held["adl"], held["margin"]) == ("10", "USDT", "1", "")
        assert Decimal(held["imr"]) > 0 and Decimal(held["mmr"]) > 0 and held["markPx"]
        assert (await alice.get("account/positions", posId=held["posId"]))["data"][0]["posId"] == held[
            "posId"
        ]
        assert (await alice.get("account/positions", instType="FUTURES"))["data"] == []
        (usdt,) = (await alice.get("account/balance", ccy="USDT"))["data"][0]["details"]
        assert usdt["availEq"] != "" and Decimal(usdt["imr"]) > 0 and usdt["isoEq"] == "0"
        await bob.post("trade/order", order(side="buy", px=str(px), sz="2"))
        closed = await alice.post("trade/order", order(side="sell", px=str(px), sz="2", reduceOnly="true"))
        assert closed["data"][0]["sCode"] == "0", closed
        assert (await alice.get("account/positions"))["data"] == []  # closed
        (row,) = (await alice.get("account/positions-history", instType="SWAP"))["data"]
        assert (row["instId"], row["type"], row["closeTotalPos"], row["direction"], row["mgnMode"]) == (
            SWAP,
            "2",
            "2",
            "long",
            "cross",
        )
        fills = (await alice.get("trade/fills", instType="SWAP"))["data"]
        assert [f["instId"] for f in fills] == [SWAP, SWAP]
        assert (await alice.get("trade/fills", instType="SPOT"))["data"] == []
        closing = (await alice.get("trade/order", instId=SWAP, ordId=closed["data"][0]["ordId"]))["data"][0]
        assert (closing["posSide"], closing["reduceOnly"], closing["lever"], closing["feeCcy"]) == (
            "net",
            "true",
            "10",
            "USDT",
        )
        assert fills[0]["fillMarkPx"] != "" and fills[1]["subType"] == "3"  # opened long
        bills = (await alice.get("account/bills", instType="SWAP", type="2"))["data"]
        # each fill's bill, then its fee's (the fee bill shows the fill's subType, size and price)
        kinds = [(b["subType"], b["sz"], b["mgnMode"]) for b in bills]
        assert kinds == [("5", "2", "cross")] * 2 + [("3", "2", "cross")] * 2, bills
        fee, trade = bills[0], bills[1]
        assert (fee["fee"], fee["posBalChg"], trade["fee"]) == (fee["balChg"], "0", "0")
        assert Decimal(fee["fee"]) < 0
        assert trade["posBalChg"] == "-" + bills[3]["posBalChg"]  # the margin came back
        assert (await alice.get("account/bills", instType="SWAP", subType="5"))["data"] == bills[:2]
        assert all(b["instType"] == "SWAP" for b in (await alice.get("account/bills"))["data"] if b["instId"])


async def test_max_sizes_of_a_swap(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = await futures_trader(box, "alice@example.com")  # 100000 USDT
        await alice.post("account/set-leverage", {"instId": SWAP, "lever": "10", "mgnMode": "cross"})
        (row,) = (await alice.get("account/max-size", instId=SWAP, tdMode="cross", px="50000"))["data"]
        # one contract at 50000: 500 USDT notional x (1/10 + 0.001 taker) = 50.5 USDT; 100000 / 50.5
        assert row == {"instId": SWAP, "ccy": "USDT", "maxBuy": "1980.19", "maxSell": "1980.19"}
        (five,) = (
            await alice.get("account/max-size", instId=SWAP, tdMode="cross", px="50000", leverage="5")
        )["data"]
        assert five["maxBuy"] == "995.02"  # 100000 / (500 x 0.201)
        (avail,) = (await alice.get("account/max-avail-size", instId=SWAP, tdMode="isolated"))["data"]
        assert avail == {"instId": SWAP, "availBuy": "100000", "availSell": "100000"}
        cash = await alice.get("account/max-size", instId=SWAP, tdMode="cash")
        assert (cash["code"], cash["msg"]) == ("51000", "Parameter tdMode error")
        mixed = await alice.get("account/max-size", instId=f"{SWAP},BTC-USDT", tdMode="cross")
        assert (mixed["code"], mixed["msg"]) == ("51000", "Parameter instId error")
        unpriced = (await alice.get("account/max-size", instId=SWAP, tdMode="cross"))["data"][0]
        assert Decimal(unpriced["maxBuy"]) > 0  # sized at the price limits


async def test_isolated_margin_add_reduce_and_close_in_long_short_mode(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = await futures_trader(box, "alice@example.com")
        bob = await futures_trader(box, "bob@example.com")
        assert (await alice.post("account/set-position-mode", {"posMode": "long_short_mode"}))["code"] == "0"
        px = await swap_px(alice)
        await bob.post("trade/order", order(side="sell", px=str(px), tdMode="isolated"))
        no_side = await alice.post("trade/order", order(side="buy", px=str(px), tdMode="isolated"))
        assert no_side["data"][0]["sCode"] == "51000"  # long/short mode needs posSide
        await alice.post("trade/order", order(side="buy", px=str(px), tdMode="isolated", posSide="long"))
        (held,) = (await alice.get("account/positions"))["data"]
        margin = Decimal(held["margin"])
        body = {"instId": SWAP, "posSide": "long", "type": "add", "amt": "10"}
        (added,) = (await alice.post("account/position/margin-balance", body))["data"]
        assert (added["type"], added["amt"], added["ccy"], added["posSide"]) == ("add", "10", "USDT", "long")
        assert Decimal(added["leverage"]) < 10  # more margin, less real leverage
        assert Decimal((await alice.get("account/positions"))["data"][0]["margin"]) == margin + 10
        reduced = await alice.post("account/position/margin-balance", {**body, "type": "reduce", "amt": "5"})
        assert reduced["data"][0]["type"] == "reduce", reduced
        adjust = (await alice.get("account/bills", type="6"))["data"]
        assert [b["subType"] for b in adjust] == ["161", "160"], adjust

        await bob.post("trade/order", order(side="buy", px=str(px), tdMode="isolated"))  # bob: net mode
        closing = {"instId": SWAP, "mgnMode": "isolated", "posSide": "long", "clOrdId": "shut1", "tag": "t1"}
        closed = await alice.post("trade/close-position", closing)
        assert closed["data"] == [{"instId": SWAP, "posSide": "long", "clOrdId": "shut1", "tag": "t1"}], (
            closed
        )
        assert (await alice.get("account/positions"))["data"] == []
        (row,) = (await alice.get("account/positions-history", mgnMode="isolated"))["data"]
        assert (row["posSide"], row["direction"], row["type"]) == ("long", "long", "2")
        assert (await alice.get("account/positions-history", mgnMode="cross"))["data"] == []
