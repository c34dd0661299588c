"""A liquidation through the running app: the control API's force liquidation, then what
`public/liquidation-orders` shows (live only; demo has none)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import OrderSpec
from tests.integration.swaps.test_funding_on_the_clock import SWAP, _futures_trader
from tests.support.apps import funding_box
from tests.support.exchange import place_one
from tests.support.polling import until

D = Decimal


async def test_a_forced_liquidation_shows_in_public_liquidation_orders(tmp_path: Path) -> None:
    async with funding_box(tmp_path) as box:
        rt = box.runtime
        await until(lambda: SWAP in rt.trading.core.marks(), "the first marks")
        mark = rt.trading.core.marks()[SWAP][0]
        long, long_acc = await _futures_trader(rt, "long@example.test")
        short, _ = await _futures_trader(rt, "short@example.test")
        sell = OrderSpec(SWAP, Side.SELL, OrdType.LIMIT, D(10), mark, td_mode="isolated")
        assert (await place_one(rt, short, sell)).ok
        buy = OrderSpec(SWAP, Side.BUY, OrdType.LIMIT, D(10), mark, td_mode="isolated")
        assert (await place_one(rt, long, buy)).ok
        uid = rt.accounts.get_user(long.user_id).uid  # type: ignore[union-attr]
        control = box.client()
        headers = {"Authorization": f"Bearer {rt.admin_token}"}
        done = await control.post(
            f"/sandex/v1/users/{uid}/liquidate", json={"inst_id": SWAP}, headers=headers
        )
        assert done.status_code == 200, done.text
        assert rt.trading.store.positions(long_acc) == []
        http = box.client()
        body = (await http.get("/api/v5/public/liquidation-orders", params={"instType": "SWAP"})).json()
        assert body["code"] == "0"
        [item] = body["data"]
        assert (item["instId"], item["instFamily"], item["uly"], item["instType"]) == (
            SWAP, "BTC-USDT", "BTC-USDT", "SWAP",
        )  # fmt: skip
        [detail] = item["details"]
        assert set(detail) == {"bkLoss", "bkPx", "ccy", "posSide", "side", "sz", "ts"}
        assert (detail["posSide"], detail["side"], detail["sz"]) == ("net", "sell", "10")
        assert D(detail["bkPx"]) < mark
        again = await control.post(
            f"/sandex/v1/users/{uid}/liquidate", json={"inst_id": SWAP}, headers=headers
        )
        assert again.json()["error"]["reason"] == "swap_position_not_found"  # nothing left
        demo = await http.get(
            "/api/v5/public/liquidation-orders",
            params={"instType": "SWAP"},
            headers={"x-simulated-trading": "1"},
        )
        assert demo.json()["data"] == []
        futures = await http.get("/api/v5/public/liquidation-orders", params={"instType": "FUTURES"})
        assert futures.json() == {"code": "0", "msg": "", "data": []}
        missing = (await http.get("/api/v5/public/liquidation-orders")).json()
        assert missing["code"] == "50014"


async def test_the_insurance_fund_shows_its_balance_per_family(tmp_path: Path) -> None:
    async with funding_box(tmp_path) as box:
        http = box.client()
        body = (
            await http.get(
                "/api/v5/public/insurance-fund", params={"instType": "SWAP", "instFamily": "BTC-USDT"}
            )
        ).json()
        assert body["code"] == "0"
        [fund] = body["data"]
        assert (fund["instType"], fund["instFamily"], fund["total"]) == (
            "SWAP",
            "BTC-USDT",
            fund["details"][0]["balance"],
        )
        assert set(fund["details"][0]) == {
            "adlType",
            "amt",
            "balance",
            "ccy",
            "decRate",
            "maxBal",
            "maxBalTs",
            "ts",
            "type",
        }
        assert fund["details"][0]["ccy"] == "USDT"
        missing = (await http.get("/api/v5/public/insurance-fund", params={"instType": "SWAP"})).json()
        assert missing["code"] == "50014"
        unknown = (
            await http.get(
                "/api/v5/public/insurance-fund", params={"instType": "SWAP", "instFamily": "NOPE-USDT"}
            )
        ).json()
        assert unknown["code"] == "51001"
        options = (
            await http.get(
                "/api/v5/public/insurance-fund", params={"instType": "OPTION", "instFamily": "BTC-USD"}
            )
        ).json()
        assert options == {"code": "0", "msg": "", "data": []}
