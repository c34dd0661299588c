"""OKX candle bars and their calendars: when a bar opens, when it closes, the bar n steps back.

Bars up to 4H open on UTC multiples of their span (the UTC+8 and UTC+0 grids coincide there).
From 6H up OKX has two calendars: the plain names open at UTC+8 boundaries (`1D` starts at
16:00 UTC), the `…utc` names at UTC+0 boundaries. Weeks start on Monday, months on the 1st,
quarters (`3M`) in January, April, July and October. Multi-day bars (`2D`, `3D`) count days from
the Unix epoch in their time zone (OKX does not document their anchor).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sandex.domain.clock import DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MONDAY_ANCHOR_MS = 4 * DAY_MS  # 1970-01-05 was the first Monday after the epoch
UTC8_MS = 8 * HOUR_MS


@dataclass(frozen=True, slots=True)
class Bar:
    name: str
    span_ms: int = 0  # fixed-length bars
    months: int = 0  # calendar bars (1M, 3M)
    offset_ms: int = 0  # the time zone its boundaries follow (UTC+8 = 8 h)
    anchor_ms: int = 0  # where fixed-length boundaries start counting (weeks: a Monday)

    def open_of(self, ts: int) -> int:
        """The open time of the bar that contains `ts`."""
        local = ts + self.offset_ms
        if self.months:
            day = date.fromordinal(_EPOCH_ORDINAL + local // DAY_MS)
            month = day.month - (day.month - 1) % self.months
            return _ms_of(date(day.year, month, 1)) - self.offset_ms
        start = (local - self.anchor_ms) // self.span_ms * self.span_ms + self.anchor_ms
        return start - self.offset_ms

    def next_open(self, open_ts: int) -> int:
        """When the bar that opened at `open_ts` closes (the next bar's open)."""
        return self.shift(open_ts, 1)

    def shift(self, open_ts: int, n: int) -> int:
        """The open `n` bars later (`n` < 0: earlier) than the bar that opened at `open_ts`."""
        if not self.months:
            return open_ts + n * self.span_ms
        day = date.fromordinal(_EPOCH_ORDINAL + (open_ts + self.offset_ms) // DAY_MS)
        index = day.year * 12 + day.month - 1 + n * self.months
        return _ms_of(date(index // 12, index % 12 + 1, 1)) - self.offset_ms


def nests(small: Bar, big: Bar) -> bool:
    """Every boundary of `big` is one of `small`'s: each `small` bar lies inside one `big` bar."""
    if small.months:
        return bool(big.months) and big.months % small.months == 0 and big.offset_ms == small.offset_ms
    phase = small.anchor_ms - small.offset_ms  # where `small`'s boundaries sit, modulo its span
    if big.months:  # months start at local midnights
        return DAY_MS % small.span_ms == 0 and (-big.offset_ms - phase) % small.span_ms == 0
    return big.span_ms % small.span_ms == 0 and (big.anchor_ms - big.offset_ms - phase) % small.span_ms == 0


def _ms_of(day: date) -> int:
    return (day.toordinal() - _EPOCH_ORDINAL) * DAY_MS


def _fixed(name: str, span_ms: int, offset_ms: int = 0, anchor_ms: int = 0) -> Bar:
    return Bar(name, span_ms=span_ms, offset_ms=offset_ms, anchor_ms=anchor_ms)


def _zoned(suffix: str, offset_ms: int) -> list[Bar]:
    return [
        _fixed(f"6H{suffix}", 6 * HOUR_MS, offset_ms),
        _fixed(f"12H{suffix}", 12 * HOUR_MS, offset_ms),
        _fixed(f"1D{suffix}", DAY_MS, offset_ms),
        _fixed(f"2D{suffix}", 2 * DAY_MS, offset_ms),
        _fixed(f"3D{suffix}", 3 * DAY_MS, offset_ms),
        _fixed(f"1W{suffix}", 7 * DAY_MS, offset_ms, _MONDAY_ANCHOR_MS),
        Bar(f"1M{suffix}", months=1, offset_ms=offset_ms),
        Bar(f"3M{suffix}", months=3, offset_ms=offset_ms),
    ]


SECOND = _fixed("1s", SECOND_MS)
MINUTE = _fixed("1m", MINUTE_MS)
_SHORT = [MINUTE] + [_fixed(f"{n}m", n * MINUTE_MS) for n in (3, 5, 15, 30)]
_HOURS = [_fixed(f"{n}H", n * HOUR_MS) for n in (1, 2, 4)]

# Every bar OKX serves, by its wire name. `1s` is built from trades on request; the others are
# aggregated as trades happen (see `sandex.domain.marketdata.candles`).
BARS: Mapping[str, Bar] = {
    bar.name: bar for bar in [SECOND, *_SHORT, *_HOURS, *_zoned("", UTC8_MS), *_zoned("utc", 0)]
}
TRADE_BARS: tuple[Bar, ...] = tuple(bar for bar in BARS.values() if bar is not SECOND)
DEFAULT_BAR = MINUTE


def parse_bar(name: str) -> Bar | None:
    """The bar called `name` (case-sensitive, as OKX: `1H`, `1Dutc`), or None."""
    return BARS.get(name)
