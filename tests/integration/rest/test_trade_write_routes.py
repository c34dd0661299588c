"""The order-write routes are plain routes served ahead of FastAPI's router: the rest stays the same."""

from __future__ import annotations

import httpx


async def test_a_wrong_method_on_an_order_write_route_answers_okx_50115(client: httpx.AsyncClient) -> None:
    for path in ("/api/v5/trade/batch-orders", "/api/v5/trade/cancel-order", "/api/v5/trade/amend-order"):
        wrong_method = await client.get(path)
        assert wrong_method.status_code == 405, path
        assert wrong_method.json()["code"] == "50115", path


async def test_the_order_read_route_on_the_same_path_is_still_served(client: httpx.AsyncClient) -> None:
    unsigned = await client.get("/api/v5/trade/order?instId=BTC-USDT&ordId=1")
    assert unsigned.status_code == 401  # the read route's auth refuses: not a 405 from the write route
    assert unsigned.json()["code"] == "50103"


async def test_an_unsigned_order_write_is_refused_before_anything_runs(client: httpx.AsyncClient) -> None:
    unsigned = await client.post("/api/v5/trade/order", content=b'{"instId":"BTC-USDT"}')
    assert unsigned.status_code == 401
    assert unsigned.json() == {"msg": "Request header OK-ACCESS-KEY can not be empty.", "code": "50103"}
