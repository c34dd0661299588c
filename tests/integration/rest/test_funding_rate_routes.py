"""`public/funding-rate` and `public/funding-rate-history`: parameters and refusals as OKX gives them."""

from __future__ import annotations

import httpx


async def test_instid_is_required_and_a_spot_pair_has_no_funding_rate(client: httpx.AsyncClient) -> None:
    for path in ("/api/v5/public/funding-rate", "/api/v5/public/funding-rate-history"):
        missing = (await client.get(path)).json()
        assert missing["code"] == "50014" and "instId" in missing["msg"]
        spot = (await client.get(path, params={"instId": "BTC-USDT"})).json()
        assert spot == {"code": "51001", "msg": "Instrument ID does not exist.", "data": []}


async def test_history_limit_is_bounded(client: httpx.AsyncClient) -> None:
    body = (
        await client.get("/api/v5/public/funding-rate-history", params={"instId": "X", "limit": "401"})
    ).json()
    assert body["code"] == "51000" and "limit" in body["msg"]
