"""OKX wire shapes of a ticker and an order book (REST `market/ticker(s)`, `market/books*`, WS
`tickers`). Numbers are plain decimal strings, never scientific notation; None shows as ""."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandex.domain.money import format_decimal
from sandex.services.marketdata.ports import BookLevel, BookView, TickerView


def _num(value: Decimal | None) -> str:
    return "" if value is None else format_decimal(value)


def ticker_wire(t: TickerView) -> dict[str, Any]:
    return {
        "instType": t.inst_type,
        "instId": t.inst_id,
        "last": _num(t.last),
        "lastSz": _num(t.last_sz),
        "askPx": _num(t.ask_px),
        "askSz": _num(t.ask_sz),
        "bidPx": _num(t.bid_px),
        "bidSz": _num(t.bid_sz),
        "open24h": _num(t.open24h),
        "high24h": _num(t.high24h),
        "low24h": _num(t.low24h),
        "volCcy24h": _num(t.vol_ccy24h),
        "vol24h": _num(t.vol24h),
        "ts": str(t.ts),
        "sodUtc0": _num(t.sod_utc0),
        "sodUtc8": _num(t.sod_utc8),
    }


def book_wire(view: BookView, *, full: bool) -> dict[str, Any]:
    def level(lv: BookLevel) -> list[str]:
        if full:
            return [format_decimal(lv.px), format_decimal(lv.sz), str(lv.orders)]
        return [format_decimal(lv.px), format_decimal(lv.sz), "0", str(lv.orders)]

    return {
        "asks": [level(lv) for lv in view.asks],
        "bids": [level(lv) for lv in view.bids],
        "ts": str(view.ts),
    }
