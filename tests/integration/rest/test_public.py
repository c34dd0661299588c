"""Public endpoints as ccxt and python-okx call them."""

from __future__ import annotations

import time

import httpx

SEED_COINS = {
    "BTC",
    "ETH",
    "XRP",
    "BNB",
    "SOL",
    "TRX",
    "DOGE",
    "ADA",
    "HYPE",
    "BCH",
    "SUI",
    "LINK",
    "LEO",
    "XLM",
    "AVAX",
    "TON",
    "SHIB",
    "LTC",
    "HBAR",
    "XMR",
    "BGB",
    "DOT",
    "PI",
    "UNI",
    "AAVE",
    "PEPE",
    "ZEC",
    "USDC",
    "DAI",
    "USDE",
}


async def test_time_is_server_time_in_ms_as_string(client: httpx.AsyncClient) -> None:
    before = int(time.time() * 1000)
    body = (await client.get("/api/v5/public/time")).json()
    after = int(time.time() * 1000)
    assert body["code"] == "0" and body["msg"] == ""
    ts = body["data"][0]["ts"]
    assert isinstance(ts, str) and before <= int(ts) <= after


async def test_spot_instruments_cover_every_seed_coin(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v5/public/instruments", params={"instType": "SPOT"})).json()
    assert body["code"] == "0"
    ids = {row["instId"] for row in body["data"]}
    assert len(ids) >= 25
    assert {"BTC-USDT", "ETH-USDT", "SOL-USDT", "DOGE-USDT"} <= ids
    assert {i.split("-")[0] for i in ids} >= SEED_COINS
    assert any(i.endswith("-USDC") for i in ids)


async def test_instrument_numbers_are_plain_decimal_strings(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v5/public/instruments", params={"instType": "SPOT"})).json()
    for row in body["data"]:
        for field in ("tickSz", "lotSz", "minSz", "listTime"):
            assert isinstance(row[field], str) and "e" not in row[field].lower(), (row["instId"], field)
        assert isinstance(row["instIdCode"], int)
        assert row["baseCcy"] + "-" + row["quoteCcy"] == row["instId"]
        assert row["state"] == "live"
    shib = next(r for r in body["data"] if r["instId"] == "SHIB-USDT")
    assert shib["tickSz"] == "0.00000001"


async def test_instruments_by_id(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v5/public/instruments?instType=SPOT&instId=ETH-USDT")).json()
    assert [r["instId"] for r in body["data"]] == ["ETH-USDT"]
    unknown = (await client.get("/api/v5/public/instruments?instType=SPOT&instId=NOPE-USDT")).json()
    assert unknown["code"] == "51001" and unknown["data"] == []


async def test_spot_lists_no_swap(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v5/public/instruments?instType=SPOT")).json()
    assert not [r for r in body["data"] if r["instId"].endswith("-SWAP")]
    swap_as_spot = (await client.get("/api/v5/public/instruments?instType=SPOT&instId=BTC-USDT-SWAP")).json()
    assert swap_as_spot["code"] == "51001"


async def test_other_instrument_types_are_empty_like_ccxt_load_markets_needs(
    client: httpx.AsyncClient,
) -> None:
    for query in (
        "instType=FUTURES",
        "instType=OPTION&uly=BTC-USD",
        "instType=MARGIN",
        "instType=OPTION&instFamily=ETH-USD",
    ):
        body = (await client.get(f"/api/v5/public/instruments?{query}")).json()
        assert body == {"code": "0", "msg": "", "data": []}, query


async def test_missing_and_bad_parameters_get_okx_codes(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v5/public/instruments")
    assert missing.json() == {"code": "50014", "msg": "Parameter instType can not be empty.", "data": []}
    empty = await client.get("/api/v5/public/instruments?instType=")
    assert empty.json()["code"] == "50014"
    bad = await client.get("/api/v5/public/instruments?instType=PERP")
    assert bad.json() == {"code": "51000", "msg": "Parameter instType error", "data": []}


async def test_unknown_path_and_wrong_method_answer_json(client: httpx.AsyncClient) -> None:
    not_found = await client.get("/api/v5/public/nope")
    assert not_found.status_code == 200
    assert not_found.headers["content-type"].startswith("application/json")
    assert not_found.json()["code"] == "50062"
    wrong_method = await client.post("/api/v5/public/time")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "50115"
