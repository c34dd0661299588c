"""`funding-rate` (on /public): the swap's funding rate on subscribe, then when it changes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.integration.rest.test_funding_rate_routes import FIELDS
from tests.support.ws import World, is_push, open_ws


async def test_the_rate_on_subscribe_then_when_it_changes(world: World) -> None:
    async with open_ws(world.url("public")) as ws:
        await ws.subscribe({"channel": "funding-rate", "instId": "ETH-USDT-SWAP"})
        first = await ws.expect(is_push("funding-rate", instId="ETH-USDT-SWAP"))
        assert first["arg"] == {"channel": "funding-rate", "instId": "ETH-USDT-SWAP"}
        assert set(first["data"][0]) == FIELDS and first["data"][0]["instType"] == "SWAP"
        rates = world.server.runtime.funding_rates.service
        rates.set_rate("ETH-USDT-SWAP", Decimal("0.0042"), True)

        def moved(m: Any) -> bool:
            return is_push("funding-rate")(m) and m["data"][0]["fundingRate"] == "0.0042"

        pushed = await ws.expect(moved, timeout=5)
        assert pushed["data"][0]["instId"] == "ETH-USDT-SWAP"
        rates.set_rate("ETH-USDT-SWAP", None, False)


async def test_an_unknown_instrument_is_refused(world: World) -> None:
    async with open_ws(world.url("public")) as ws:
        await ws.send({"op": "subscribe", "args": [{"channel": "funding-rate", "instId": "NOPE-SWAP"}]})
        answer = await ws.expect(lambda m: m.get("event") == "error")
        assert answer["code"] == "60018"
