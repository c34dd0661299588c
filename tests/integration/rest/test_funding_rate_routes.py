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


FIELDS = {
    "instType", "instId", "method", "formulaType", "fundingRate", "nextFundingRate", "fundingTime",
    "nextFundingTime", "minFundingRate", "maxFundingRate", "interestRate", "impactValue", "settState",
    "settFundingRate", "premium", "ts",
}  # fmt: skip


async def test_a_swap_shows_its_coming_settlement_in_okx_fields(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v5/public/funding-rate", params={"instId": "BTC-USDT-SWAP"})).json()
    assert body["code"] == "0"
    [row] = body["data"]
    assert set(row) == FIELDS
    assert (row["instType"], row["instId"], row["method"], row["formulaType"]) == (
        "SWAP", "BTC-USDT-SWAP", "current_period", "withRate",
    )  # fmt: skip
    assert row["nextFundingRate"] == "" and row["settState"] == "settled"
    assert int(row["nextFundingTime"]) - int(row["fundingTime"]) == 8 * 3_600_000
    assert int(row["fundingTime"]) % (8 * 3_600_000) == 0 and int(row["fundingTime"]) > int(row["ts"])
    assert row["interestRate"] == "0.0001"
    assert float(row["minFundingRate"]) <= float(row["fundingRate"]) <= float(row["maxFundingRate"])


async def test_any_lists_every_swap_and_history_starts_empty(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/api/v5/public/instruments", params={"instType": "SWAP"})).json()["data"]
    body = (await client.get("/api/v5/public/funding-rate", params={"instId": "ANY"})).json()
    assert sorted(r["instId"] for r in body["data"]) == sorted(i["instId"] for i in listed)
    history = (
        await client.get("/api/v5/public/funding-rate-history", params={"instId": "BTC-USDT-SWAP"})
    ).json()
    assert history == {"code": "0", "msg": "", "data": []}
