"""OKX trading-account reads over signed REST: balance, positions, bills, fee rates, maximum sizes."""

from __future__ import annotations

from pathlib import Path

from tests.support.apps import sandbox
from tests.support.rest import INST, trader


async def test_balance_of_a_new_and_of_a_funded_account(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        empty = await alice.get("account/balance")
        (top,) = empty["data"]
        assert (top["details"], top["totalEq"], top["isoEq"], top["adjEq"]) == ([], "0", "0", "")
        await alice.deposit("USDT", "1500.5")
        await alice.deposit("BTC", "0.25")
        await alice.placed_id(px="20000", sz="0.01")
        (top,) = (await alice.get("account/balance"))["data"]
        assert [d["ccy"] for d in top["details"]] == ["BTC", "USDT"]
        usdt = top["details"][1]
        assert (usdt["eq"], usdt["cashBal"], usdt["availBal"], usdt["frozenBal"], usdt["ordFrozen"]) == (
            "1500.5",
            "1500.5",
            "1300.5",
            "200",
            "200",
        )
        assert usdt["availEq"] == "" and int(top["uTime"]) > 0
        only = (await alice.get("account/balance", ccy="BTC,ETH"))["data"][0]["details"]
        assert [d["ccy"] for d in only] == ["BTC"]
        too_many = await alice.get("account/balance", ccy=",".join(f"C{i}" for i in range(21)))
        assert (too_many["code"], too_many["msg"]) == ("51000", "Parameter ccy error")


async def test_spot_accounts_have_no_positions(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        assert await alice.get("account/positions") == {"code": "0", "msg": "", "data": []}
        assert (await alice.get("account/positions", instType="SWAP"))["data"] == []
        assert (await alice.get("account/positions", instType="perp"))["code"] == "51000"


async def test_bills_of_a_deposit_and_a_trade(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice, bob = trader(box), trader(box, "bob@example.com")
        await alice.deposit("USDT", "10000")
        await bob.deposit("BTC", "1")
        await bob.placed_id(side="sell", px="30000", sz="0.1")
        buy = await alice.placed_id(side="buy", px="30000", sz="0.1")
        bills = (await alice.get("account/bills"))["data"]
        kinds = [(b["type"], b["subType"], b["ccy"], b["balChg"], b["bal"]) for b in bills]
        assert kinds[-1] == ("1", "11", "USDT", "10000", "10000")  # oldest last: the deposit
        trade_bills = [b for b in bills if b["type"] == "2"]
        assert {(b["ccy"], b["balChg"]) for b in trade_bills} >= {("USDT", "-3000"), ("BTC", "0.1")}
        assert all(b["ordId"] == buy and b["instId"] == INST and b["subType"] == "1" for b in trade_bills)
        assert [b["billId"] for b in bills] == sorted((b["billId"] for b in bills), key=int, reverse=True)
        only_trades = (await alice.get("account/bills", type="2"))["data"]
        assert only_trades == trade_bills
        only_usdt = (await alice.get("account/bills", ccy="USDT"))["data"]
        assert {b["ccy"] for b in only_usdt} == {"USDT"}
        spot = (await alice.get("account/bills", instType="SPOT"))["data"]
        assert spot == trade_bills
        page = (await alice.get("account/bills", after=bills[0]["billId"], limit="1"))["data"]
        assert [b["billId"] for b in page] == [bills[1]["billId"]]
        assert (await alice.get("account/bills-archive"))["data"] == bills
        assert (await alice.get("account/bills", type="8"))["data"] == []  # funding fees: never in spot
        assert (await alice.get("account/bills", type="x"))["code"] == "51000"


async def test_trade_fee_rates_are_negative_when_charged(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        (fee,) = (await alice.get("account/trade-fee", instType="SPOT", instId=INST))["data"]
        assert (fee["maker"], fee["taker"], fee["level"], fee["instType"]) == (
            "-0.0008",
            "-0.001",
            "Lv1",
            "SPOT",
        )
        assert (await alice.get("account/trade-fee", instType="SPOT"))["data"][0]["maker"] == "-0.0008"
        assert (await alice.get("account/trade-fee", instType="SWAP"))["data"][0]["takerU"] == "-0.001"
        assert (await alice.get("account/trade-fee", instType="OPTION"))["data"] == []
        missing = await alice.get_raw("account/trade-fee")
        assert (missing.status_code, missing.json()["code"]) == (400, "50014")
        assert (await alice.get("account/trade-fee", instType="SPOT", instId="NOPE-USDT"))["code"] == "51001"


async def test_maximum_sizes_follow_the_available_balance(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "3000")
        await alice.deposit("ETH", "2")
        avail = await alice.get("account/max-avail-size", instId=f"{INST},ETH-USDT", tdMode="cash")
        assert avail["data"] == [
            {"instId": INST, "availBuy": "3000", "availSell": "0"},
            {"instId": "ETH-USDT", "availBuy": "3000", "availSell": "2"},
        ]
        size = await alice.get("account/max-size", instId=INST, tdMode="cash", px="30000")
        assert size["data"] == [{"instId": INST, "ccy": "BTC", "maxBuy": "0.1", "maxSell": "0"}]
        assert (await alice.get("account/max-size", instId=INST))["code"] == "50014"
        assert (await alice.get("account/max-size", instId=INST, tdMode="cross"))["code"] == "51000"
        unknown = await alice.get("account/max-avail-size", instId="NOPE-USDT", tdMode="cash")
        assert unknown["code"] == "51001"
        six = ",".join([INST] * 6)
        assert (await alice.get("account/max-avail-size", instId=six, tdMode="cash"))["code"] == "51000"


async def test_config_still_answers_as_before(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        (row,) = (await alice.get("account/config"))["data"]
        assert (row["acctLv"], row["posMode"], row["perm"], row["label"]) == (
            "1",
            "net_mode",
            "read_only,trade",
            "bot",
        )
