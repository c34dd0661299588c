"""A small grid bot on ccxt: buy orders below the market price, sell orders above it.

It is written the way a bot talks to a real exchange, and its tests (`test_grid_bot.py`) run it
against sandex with the pytest plugin: the happy path, rate limits (back off and retry), an
exchange that is briefly down, insufficient funds (skip that level) and a revoked key (stop).

    exchange = ccxt.okx({"apiKey": ..., "secret": ..., "password": ...})
    bot = GridBot(exchange, GridConfig(symbol="BTC/USDT", levels=3, step=0.01, amount=0.001))
    result = bot.place_grid()  # around the last traded price (or pass center=...)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import ccxt

log = logging.getLogger("grid_bot")

# What to do about an error, by ccxt's exception classes (which follow OKX's error codes):
RETRY = (ccxt.RateLimitExceeded, ccxt.ExchangeNotAvailable, ccxt.RequestTimeout)  # back off, try again
SKIP = (ccxt.InsufficientFunds,)  # this order cannot be placed: leave the level empty
STOP = (ccxt.AuthenticationError, ccxt.PermissionDenied, ccxt.AccountSuspended)  # a human must look


class BotStoppedError(Exception):
    """The bot cannot go on (e.g. its API key was revoked); nothing is retried."""


@dataclass(frozen=True)
class GridConfig:
    symbol: str = "BTC/USDT"
    levels: int = 3  # orders on each side
    step: float = 0.01  # distance between levels, as a fraction of the centre price
    amount: float = 0.001  # base currency per order
    max_retries: int = 5
    backoff_s: float = 0.05  # first back-off; doubles on every retry


@dataclass
class GridResult:
    center: float = 0.0
    placed: list[str] = field(default_factory=list)  # order ids
    skipped: list[tuple[str, float, str]] = field(default_factory=list)  # (side, price, why)
    retries: int = 0


class GridBot:
    def __init__(
        self, exchange: Any, config: GridConfig, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.exchange = exchange
        self.config = config
        self._sleep = sleep

    def check_account(self) -> dict[str, float]:
        """Before trading: the key can trade, and what the account holds (free, per currency)."""
        config = self.exchange.private_get_account_config()["data"][0]
        if "trade" not in config["perm"].split(","):
            raise BotStoppedError(f"the API key cannot trade (perm {config['perm']})")
        balance = self.exchange.fetch_balance()
        return {ccy: float(amount) for ccy, amount in balance["free"].items() if amount}

    def grid_prices(self, center: float) -> list[tuple[str, float]]:
        steps = range(1, self.config.levels + 1)
        buys = [("buy", round(center * (1 - i * self.config.step), 1)) for i in steps]
        sells = [("sell", round(center * (1 + i * self.config.step), 1)) for i in steps]
        return buys + sells

    def place_grid(self, center: float | None = None) -> GridResult:
        """One order per level around `center` (default: the last traded price)."""
        result = GridResult()
        if center is None:
            center = float(
                self._with_retries(result, partial(self.exchange.fetch_ticker, self.config.symbol))["last"]
            )
        result.center = center
        for side, price in self.grid_prices(center):
            try:
                order = self._with_retries(result, partial(self._limit, side, price))
            except SKIP as error:
                log.warning("no %s at %s: %s", side, price, error)
                result.skipped.append((side, price, type(error).__name__))
                continue
            except STOP as error:
                raise BotStoppedError(f"stopping: {type(error).__name__}: {error}") from error
            result.placed.append(order["id"])
        return result

    def cancel_all(self) -> int:
        orders = self.exchange.fetch_open_orders(self.config.symbol)
        for order in orders:
            self._with_retries(
                GridResult(), partial(self.exchange.cancel_order, order["id"], self.config.symbol)
            )
        return len(orders)

    def _limit(self, side: str, price: float) -> Any:
        return self.exchange.create_order(self.config.symbol, "limit", side, self.config.amount, price)

    def _with_retries(self, result: GridResult, call: Callable[[], Any]) -> Any:
        delay = self.config.backoff_s
        for attempt in range(self.config.max_retries + 1):
            try:
                return call()
            except RETRY as error:
                if attempt == self.config.max_retries:
                    raise
                log.info("%s, retrying in %.2fs", type(error).__name__, delay)
                result.retries += 1
                self._sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")
