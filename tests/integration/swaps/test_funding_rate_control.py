"""`/sandex/v1/funding-rates`: set, freeze and settle now; refusals name the field."""

from __future__ import annotations

from pathlib import Path

from tests.integration.swaps.test_funding_on_the_clock import SWAP
from tests.support.apps import funding_box


async def test_set_freeze_and_settle_now_through_the_control_api(tmp_path: Path) -> None:
    async with funding_box(tmp_path) as box:
        http = box.client()
        headers = {"Authorization": f"Bearer {box.runtime.admin_token}"}
        listed = await http.get("/sandex/v1/funding-rates", headers=headers)
        assert SWAP in [row["inst_id"] for row in listed.json()]
        body = {"inst_id": SWAP, "rate": "0.0021", "frozen": True}
        done = await http.post("/sandex/v1/funding-rates", json=body, headers=headers)
        assert done.status_code == 200 and done.json()["funding_rate"] == "0.0021"
        public = (await http.get("/api/v5/public/funding-rate", params={"instId": SWAP})).json()["data"][0]
        assert public["fundingRate"] == "0.0021"
        too_high = await http.post(
            "/sandex/v1/funding-rates", json={"inst_id": SWAP, "rate": "0.5"}, headers=headers
        )
        assert too_high.status_code == 400 and too_high.json()["error"]["field"] == "rate"
        unknown = await http.post(
            "/sandex/v1/funding-rates", json={"inst_id": "BTC-USDT", "frozen": True}, headers=headers
        )
        assert unknown.json()["error"]["code"] == "51001"
        settled = await http.post("/sandex/v1/funding-rates/settle", json={"inst_id": SWAP}, headers=headers)
        assert settled.status_code == 200, settled.text
        assert settled.json()["record"]["realized_rate"] == "0.0021"
        history = (await http.get("/api/v5/public/funding-rate-history", params={"instId": SWAP})).json()[
            "data"
        ]
        assert [row["realizedRate"] for row in history] == ["0.0021"]
        no_token = await http.get("/sandex/v1/funding-rates")
        assert no_token.status_code == 401
