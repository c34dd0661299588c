"""The swap account endpoints as a Spot-mode account sees them (every account starts there):
derivatives settings and reads answer 51010 naming the endpoint, positions are `[]`, swap filters
of the lists are valid and match nothing; the swap fee rates are the account's tier."""

from __future__ import annotations

from pathlib import Path

from tests.support.apps import sandbox
from tests.support.rest import trader

SPOT_MODE = "51010"


async def test_settings_and_reads_of_a_spot_mode_account_answer_51010(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        refused = await alice.get("account/leverage-info", instId="BTC-USDT-SWAP", mgnMode="cross")
        assert refused["code"] == SPOT_MODE and "GET /api/v5/account/leverage-info" in refused["msg"]
        history = await alice.get("account/positions-history", instType="SWAP")
        assert history["code"] == SPOT_MODE
        for path, body in (
            ("account/set-position-mode", {"posMode": "long_short_mode"}),
            ("account/set-leverage", {"instId": "BTC-USDT-SWAP", "lever": "5", "mgnMode": "cross"}),
            ("account/position/margin-balance", {"instId": "BTC-USDT-SWAP", "type": "add", "amt": "1"}),
            ("trade/close-position", {"instId": "BTC-USDT-SWAP", "mgnMode": "cross"}),
        ):
            answer = await alice.post(path, body)
            assert (answer["code"], f"POST /api/v5/{path}" in answer["msg"]) == (SPOT_MODE, True), answer


async def test_query_checks_come_first(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        no_mode = await alice.get("account/leverage-info", instId="BTC-USDT-SWAP")
        assert (no_mode["code"], no_mode["msg"]) == ("50014", "Parameter mgnMode can not be empty.")
        bad_type = await alice.get("account/positions-history", type="9")
        assert (bad_type["code"], bad_type["msg"]) == ("51000", "Parameter type error")
        too_many = await alice.get("account/positions", instId=",".join(["BTC-USDT-SWAP"] * 11))
        assert (too_many["code"], too_many["msg"]) == ("51000", "Parameter instId error")


async def test_swap_filters_of_lists_are_valid_and_empty(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        await alice.placed_id(px="20000", sz="0.01")
        assert (await alice.get("account/positions", instType="SWAP"))["data"] == []
        assert (await alice.get("trade/orders-pending", instType="SWAP"))["data"] == []
        assert len((await alice.get("trade/orders-pending", instType="SPOT"))["data"]) == 1
        assert len((await alice.get("trade/orders-pending"))["data"]) == 1
        for query in ({"instType": "SWAP"}, {"ctType": "linear"}, {"mgnMode": "cross"}, {"type": "8"}):
            assert (await alice.get("account/bills", **query))["data"] == [], query
        bad_ct = await alice.get("account/bills", ctType="quanto")
        assert (bad_ct["code"], bad_ct["msg"]) == ("51000", "Parameter ctType error")
        assert (
            len((await alice.get("account/bills", instType="SPOT"))["data"]) == 0
        )  # a deposit is no spot bill
        assert len((await alice.get("account/bills"))["data"]) == 1


async def test_swap_fee_rates_are_the_account_tier(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        spot = (await alice.get("account/trade-fee", instType="SPOT"))["data"][0]
        (swap,) = (await alice.get("account/trade-fee", instType="SWAP", instFamily="BTC-USDT"))["data"]
        assert (swap["instType"], swap["takerU"], swap["makerU"]) == ("SWAP", spot["taker"], spot["maker"])
        legacy = (await alice.get("account/trade-fee", instType="SWAP", uly="ETH-USDT"))["data"][0]
        assert legacy["takerU"] == spot["taker"]
        unknown = await alice.get("account/trade-fee", instType="SWAP", instFamily="NOPE-USDT")
        assert (unknown["code"], unknown["msg"]) == ("51000", "Parameter instFamily error")
        assert (await alice.get("account/trade-fee", instType="FUTURES"))["data"] == []
