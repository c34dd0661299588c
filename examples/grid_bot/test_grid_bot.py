"""The grid bot's own test suite, against sandex through the pytest plugin (offline, a few seconds).

Run it with `pytest examples/grid_bot` once sandex (with its pytest plugin), ccxt and pytest are
installed. Each test gets a freshly reset exchange (BTC/USDT at its reference price, near 106k), a
funded account and a `ccxt.okx` pointed at it.
"""

from __future__ import annotations

from typing import Any

import ccxt
import pytest
from grid_bot import BotStoppedError, GridBot, GridConfig

ORDERS = "POST /api/v5/trade/batch-orders"  # where ccxt.okx sends every new order


@pytest.fixture
def sleeps() -> list[float]:
    """How long the bot waited between retries (it sleeps for real in production)."""
    return []


@pytest.fixture
def bot(sandex_ccxt: Any, sleeps: list[float]) -> GridBot:
    return GridBot(sandex_ccxt, GridConfig(levels=3, step=0.01, amount=0.001), sleep=sleeps.append)


@pytest.mark.okx_verified  # read-only: runs unchanged against OKX demo trading when configured
def test_the_account_check_sees_the_trade_permission_and_the_money(bot: GridBot) -> None:
    free = bot.check_account()
    assert free  # sandex_account is funded (USDT 100000, BTC 10, ETH 100 by default)


def test_places_a_grid_of_limit_orders_around_the_market(bot: GridBot, sandex_ccxt: Any) -> None:
    result = bot.place_grid()
    assert len(result.placed) == 6 and result.skipped == [] and result.retries == 0
    open_orders = sandex_ccxt.fetch_open_orders("BTC/USDT")
    assert sorted((o["side"], o["price"]) for o in open_orders) == sorted(bot.grid_prices(result.center))
    assert all(o["price"] < result.center for o in open_orders if o["side"] == "buy")
    balance = sandex_ccxt.fetch_balance()
    assert balance["BTC"]["used"] == pytest.approx(0.003)  # the sells' BTC is reserved
    assert bot.cancel_all() == 6
    assert sandex_ccxt.fetch_open_orders("BTC/USDT") == []


def test_centres_on_the_price_the_market_shows(bot: GridBot, sandex_market: Any) -> None:
    sandex_market.set_price("BTC-USDT", "50000")  # script the market: the ticker follows
    result = bot.place_grid()
    assert result.center == 50_000.0
    assert [price for _, price in bot.grid_prices(result.center)] == [
        49500.0,
        49000.0,
        48500.0,
        50500.0,
        51000.0,
        51500.0,
    ]


def test_backs_off_and_retries_when_rate_limited(
    bot: GridBot, sandex_faults: Any, sleeps: list[float]
) -> None:
    fault = sandex_faults.error("50011", route=ORDERS, times=2)  # OKX: HTTP 429, code 50011
    result = bot.place_grid()
    assert len(result.placed) == 6 and result.retries == 2
    assert sleeps == [0.05, 0.1]  # exponential back-off
    assert sandex_faults.fired(fault) == 2


@pytest.mark.parametrize("outage", ["50001", "502"])
def test_rides_out_a_short_outage(bot: GridBot, sandex_faults: Any, outage: str) -> None:
    if outage == "502":  # a proxy in front of the exchange failing: not even JSON
        sandex_faults.http(502, route=ORDERS, times=3)
    else:  # OKX: "Service temporarily unavailable"
        sandex_faults.error(outage, route=ORDERS, times=3)
    result = bot.place_grid()
    assert len(result.placed) == 6 and result.retries == 3


def test_gives_up_after_max_retries(bot: GridBot, sandex_faults: Any, sleeps: list[float]) -> None:
    sandex_faults.error("50013", route=ORDERS)  # busy for good
    with pytest.raises(ccxt.ExchangeNotAvailable):
        bot.place_grid()
    assert len(sleeps) == 5


@pytest.mark.sandex_funds(USDT="150", BTC="0.002")
def test_skips_levels_it_cannot_pay_for(bot: GridBot, sandex_ccxt: Any) -> None:
    result = bot.place_grid()  # BTC near 106k: each buy needs ~105 USDT, each sell 0.001 BTC
    assert len(result.placed) == 3
    levels = bot.grid_prices(result.center)  # buys nearest first, then sells nearest first
    assert result.skipped == [
        (side, price, "InsufficientFunds") for side, price in (levels[1], levels[2], levels[5])
    ]
    assert len(sandex_ccxt.fetch_open_orders("BTC/USDT")) == 3


def test_an_injected_insufficient_funds_is_skipped_too(bot: GridBot, sandex_faults: Any) -> None:
    sandex_faults.error("51008", route=ORDERS, times=1)
    result = bot.place_grid()
    first_buy = bot.grid_prices(result.center)[0][1]
    assert len(result.placed) == 5 and result.skipped == [("buy", first_buy, "InsufficientFunds")]


def test_stops_when_its_key_is_revoked(
    bot: GridBot, sandex_control: Any, sandex_account: Any, sleeps: list[float]
) -> None:
    bot.place_grid()
    sandex_control.revoke_key(sandex_account.trade.api_key)
    with pytest.raises(BotStoppedError, match="AuthenticationError"):
        bot.place_grid()
    assert sleeps == []  # no retry storm against a dead key
