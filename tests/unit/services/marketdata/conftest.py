"""Market data fixtures: a market fed by every commit, and `cross` to make a public trade."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

import pytest

from sandex.services.marketdata.service import MarketData
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import Trader

Cross = Callable[..., Awaitable[None]]


@pytest.fixture
async def cross(market: MarketData, trading: TradingService, alice: Trader, bob: Trader, req) -> Cross:
    """`await cross("100", "0.5")`: alice sells to bob at that price (bob takes, so the taker side is buy);
    `cross(..., inst_id=..., trader_env=...)` for another instrument or environment."""
    funded: set[object] = set()

    async def trade(px: str, sz: str, inst_id: str = "BTC-USDT", sell_first: bool = True) -> None:
        seller, buyer = Trader(alice.user_id, alice.environment), Trader(bob.user_id, bob.environment)
        if (seller.environment, inst_id) not in funded:
            funded.add((seller.environment, inst_id))
            base = inst_id.split("-")[0]
            await trading.deposit(seller.user_id, seller.environment, base, Decimal(1000))
            await trading.deposit(buyer.user_id, buyer.environment, "USDT", Decimal(1_000_000))
            await trading.deposit(seller.user_id, seller.environment, "USDT", Decimal(1_000_000))
            await trading.deposit(buyer.user_id, buyer.environment, base, Decimal(1000))
        first, second = (seller, buyer) if sell_first else (buyer, seller)
        first_side, second_side = ("sell", "buy") if sell_first else ("buy", "sell")
        made = await trading.place(first, [req.limit(inst_id, first_side, px, sz)])
        took = await trading.place(second, [req.limit(inst_id, second_side, px, sz)])
        assert isinstance(made, list) and made[0].ok and isinstance(took, list) and took[0].ok

    return trade
