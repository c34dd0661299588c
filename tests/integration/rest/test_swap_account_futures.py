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
        await bob.post("trade/order", order(side="buy", px=str(px), sz="2"))
        closed = await alice.post("trade/order", order(side="sell", px=str(px), sz="2", reduceOnly="true"))
        assert closed["data"][0]["sCode"] == "0", closed
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
        assert [(b["subType"], b["sz"], b["mgnMode"]) for b in bills] == [
            ("5", "2", "cross"),
            ("3", "2", "cross"),
        ]
        assert bills[0]["posBalChg"] == "-" + bills[1]["posBalChg"]  # the margin came back
        assert (await alice.get("account/bills", instType="SWAP", subType="5"))["data"] == bills[:1]
