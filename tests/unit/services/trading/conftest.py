"""Trading service fixtures: alice and bob with money in their live trading accounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.services.exchange.commands import DepositView
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import Trader


@pytest.fixture
async def funded(trading: TradingService, alice: Trader, bob: Trader) -> None:
    """alice holds 10 BTC, bob 10,000 USDT."""
    for who, ccy, amount in ((alice, "BTC", "10"), (bob, "USDT", "10000")):
        done = await trading.deposit(who.user_id, who.environment, ccy, Decimal(amount))
        assert isinstance(done, DepositView)
