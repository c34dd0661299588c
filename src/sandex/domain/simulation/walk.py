"""The reference price: a seeded geometric random walk that tests can set, shift and freeze.

The walk lives in log-price (a float: it is a simulation input, not money) and is rounded to the
instrument's tick whenever it is read. Each `step(dt_ms)` draws one normal variate from the
injected stream, so a given seed yields the same path however fast the steps come. `volatility`
is annualised (0.5 = 50 % a year, about 2.6 % a day). While a shift runs (or an imported path is
followed) the price moves along straight lines between planned points and the noise pauses;
`set` jumps at once.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from sandex.domain.clock import DAY_MS
from sandex.domain.instruments import Instrument

YEAR_MS = 365 * DAY_MS
STABLECOINS = frozenset({"USDT", "USDC", "DAI", "USDE", "FDUSD", "TUSD", "PYUSD", "USDG"})
STABLE_PAIR_FACTOR = 0.02  # a stablecoin pair moves 50x less than the market


class RandomStream(Protocol):
    """What the walk and the flow need from a random number generator (`random.Random` fits)."""

    def random(self) -> float: ...

    def gauss(self, mu: float = 0.0, sigma: float = 1.0) -> float: ...


def volatility_for(inst: Instrument, volatility: float) -> float:
    """The instrument's own volatility: stablecoin pairs barely move."""
    if inst.base_ccy in STABLECOINS and inst.quote_ccy in STABLECOINS:
        return volatility * STABLE_PAIR_FACTOR
    return volatility


class Route:
    """A planned path: log-prices at instants, joined by straight lines (in log space)."""

    def __init__(self, knots: Sequence[tuple[int, float]]) -> None:
        if not knots:
            raise ValueError("a route needs at least one point")
        self._times = [t for t, _ in knots]
        self._logs = [x for _, x in knots]

    @property
    def end_ms(self) -> int:
        return self._times[-1]

    def log_at(self, now_ms: int) -> float:
        times, logs = self._times, self._logs
        if now_ms >= times[-1]:
            return logs[-1]
        if now_ms <= times[0]:
            return logs[0]
        i = bisect_right(times, now_ms)
        t0, t1 = times[i - 1], times[i]
        return logs[i - 1] + (logs[i] - logs[i - 1]) * (now_ms - t0) / (t1 - t0)


class ReferencePath:
    def __init__(self, px: Decimal, tick: Decimal, volatility: float, rng: RandomStream) -> None:
        if px <= 0 or tick <= 0:
            raise ValueError("a reference path needs a positive price and tick")
        self.tick = tick
        self.volatility = volatility
        self._tick_f = float(tick)
        self._log = math.log(float(px))
        self._rng = rng
        self._route: Route | None = None

    # --- reading -----------------------------------------------------------------------------
    @property
    def ticks(self) -> int:
        """The price in whole ticks (at least one)."""
        return max(1, round(math.exp(self._log) / self._tick_f))

    @property
    def px(self) -> Decimal:
        return self.ticks * self.tick

    @property
    def exact_ticks(self) -> float:
        """The unrounded price in ticks (where the quote grid is centred)."""
        return math.exp(self._log) / self._tick_f

    @property
    def shifting(self) -> bool:
        """A shift or an imported path is being followed."""
        return self._route is not None

    # --- moving ------------------------------------------------------------------------------
    def step(self, dt_ms: int, now_ms: int, *, frozen: bool = False) -> None:
        """Advance by `dt_ms`: along a route being followed, else by one random step (unless frozen)."""
        route = self._route
        if route is not None:
            self._log = route.log_at(now_ms)
            if now_ms >= route.end_ms:
                self._route = None
            return
        if frozen or self.volatility <= 0:
            return
        sigma = self.volatility * math.sqrt(dt_ms / YEAR_MS)
        self._log += self._rng.gauss(0.0, sigma)

    def set(self, px: Decimal) -> None:
        """Jump to `px` (any shift in progress stops)."""
        if px <= 0:
            raise ValueError("price must be positive")
        self._route = None
        self._log = math.log(float(px))

    def shift(self, factor: Decimal, now_ms: int, over_ms: int) -> None:
        """Move to `factor` times the current price, linearly over `over_ms` (0: at once)."""
        if factor <= 0:
            raise ValueError("factor must be positive")
        target = self._log + math.log(float(factor))
        if over_ms <= 0:
            self.set(Decimal(str(math.exp(target))))
            return
        self._route = Route([(now_ms, self._log), (now_ms + over_ms, target)])

    def follow(self, points: Sequence[tuple[int, Decimal]]) -> None:
        """Follow `(ms, price)` points (in time order), then walk on from the last one."""
        if any(px <= 0 for _, px in points):
            raise ValueError("prices must be positive")
        self._route = Route([(ms, math.log(float(px))) for ms, px in points])
