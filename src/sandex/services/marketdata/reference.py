"""Reference data beside the tape: index candles, the platform's 24 h volume, the USD/CNY rate.

* Index candles (OKX `market/index-candles`, `history-index-candles`) are the simulated reference
  price itself: the board samples it at every market step into 1-minute candles over the last 24 h
  (the same window `index-tickers` reports), and larger bars merge those minutes. Nothing older is
  kept (the index is not stored), so both endpoints reach back 24 h at most. Before the first
  sample, the current bar shows the reference price as it stands.
* The platform volume (`market/platform-24-volume`) adds up every instrument's 24 h quote volume,
  valued in USD (stablecoins at 1, other quote currencies at their `-USDT` index price).
* `market/exchange-rate`: sandex has no foreign-exchange feed; it answers one fixed USD/CNY rate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.marketdata.bars import Bar
from sandex.domain.marketdata.candles import Candle, merge
from sandex.services.exchange.prices import USD_STABLE
from sandex.services.marketdata.ports import CandleView, TickerView
from sandex.services.simulation.board import MarketBoard

USD_CNY = Decimal("7.1")  # fixed: the answer of `market/exchange-rate`, and volCny's rate
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PlatformVolume:
    vol_usd: Decimal
    vol_cny: Decimal
    ts: int


@dataclass(frozen=True, slots=True)
class CandleWindow:
    """Which candles to answer: `after` = older than that ts, `before` = newer; newest first."""

    bar: Bar
    after: int | None
    before: int | None
    limit: int


def index_candles(
    board: MarketBoard, inst_id: str, window: CandleWindow, now: int
) -> list[CandleView] | None:
    """The index's candles of `window.bar`, newest first; None when `inst_id` has no index."""
    minutes = board.index_minutes(inst_id, now)
    px = board.index_px(inst_id)
    if minutes is None or px is None:
        return None
    if not minutes:  # never sampled yet: the price as it stands, in the bar now running
        start = window.bar.open_of(now)
        minutes = [Candle(start, window.bar.next_open(start), px)]
    bar = window.bar
    candles = merge(minutes, bar)
    chosen = [c for c in reversed(candles) if _inside(c.ts, window)][: window.limit]
    return [CandleView(c.ts, c.o, c.h, c.l, c.c, _ZERO, _ZERO, now >= bar.next_open(c.ts)) for c in chosen]


def _inside(ts: int, window: CandleWindow) -> bool:
    return (window.after is None or ts < window.after) and (window.before is None or ts > window.before)


def platform_volume(tickers: Iterable[TickerView], board: MarketBoard, now: int) -> PlatformVolume:
    """Every instrument's 24 h quote volume in USD (a quote currency without a price counts nothing)."""
    total = _ZERO
    for ticker in tickers:
        quote = ticker.inst_id.partition("-")[2]
        price = Decimal(1) if quote in USD_STABLE else board.index_px(f"{quote}-USDT")
        if price is not None and ticker.vol_ccy24h:
            total += ticker.vol_ccy24h * price
    cents = Decimal("0.01")
    return PlatformVolume(total.quantize(cents), (total * USD_CNY).quantize(cents), now)
