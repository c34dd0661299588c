"""24 h ticker statistics over a rolling window of 1-minute candles, and start-of-day prices."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sandex.domain.clock import DAY_MS, HOUR_MS, MINUTE_MS
from sandex.domain.marketdata.bars import MINUTE
from sandex.domain.marketdata.candles import aggregate
from sandex.domain.marketdata.rolling import WINDOW_MINUTES, DayWindow

D = Decimal
T0 = 1_767_225_600_000  # 2026-01-01 00:00 UTC (a UTC midnight; UTC+8 midnight is 16:00 UTC)


def test_stats_cover_the_last_24_hours_only() -> None:
    w = DayWindow()
    w.add(T0, D(100), D(1))  # will leave the window
    w.add(T0 + 2 * HOUR_MS, D(120), D(2))
    w.add(T0 + 10 * HOUR_MS, D(90), D(3))
    w.add(T0 + 25 * HOUR_MS, D(110), D("0.5"))
    stats = w.stats(T0 + 25 * HOUR_MS)
    assert stats is not None
    assert (stats.open, stats.high, stats.low) == (D(120), D(120), D(90))
    assert stats.vol == D("5.5")
    assert stats.vol_ccy == D(240) + D(270) + D(55)


def test_a_quiet_window_reports_the_last_price_and_zero_volume() -> None:
    w = DayWindow()
    w.add(T0, D(100), D(1))
    stats = w.stats(T0 + 3 * DAY_MS)
    assert stats is not None
    assert (stats.open, stats.high, stats.low) == (D(100), D(100), D(100))
    assert (stats.vol, stats.vol_ccy) == (D(0), D(0))
    assert w.last() == D(100)


def test_nothing_ever_traded_means_no_stats_unless_a_price_is_carried() -> None:
    assert DayWindow().stats(T0) is None
    carried = DayWindow(carry=D("0.00001112")).stats(T0)
    assert carried is not None and carried.open == D("0.00001112") and carried.vol == 0


def test_start_of_day_is_the_first_price_of_the_day_else_the_last_before() -> None:
    w = DayWindow()
    w.add(T0 - HOUR_MS, D(95), D(1))  # 23:00 UTC the day before
    assert w.sod(T0, T0 + HOUR_MS) == D(95)  # nothing since midnight yet
    w.add(T0 + 2 * HOUR_MS, D(97), D(1))
    w.add(T0 + 3 * HOUR_MS, D(99), D(1))
    assert w.sod(T0, T0 + 4 * HOUR_MS) == D(97)
    utc8_midnight = T0 - 8 * HOUR_MS  # 16:00 UTC the day before
    assert w.sod(utc8_midnight, T0 + 4 * HOUR_MS) == D(95)


def test_a_loaded_window_continues_where_storage_left_off() -> None:
    stored = aggregate([(T0, D(10), D(1)), (T0 + 61_000, D(12), D(1))], MINUTE)  # as storage has them
    reloaded = DayWindow()
    reloaded.load([c.values().candle(MINUTE) for c in stored], T0 + 61_500)
    reloaded.add(T0 + 62_000, D(11), D(2))
    stats = reloaded.stats(T0 + 62_000)
    assert stats is not None
    assert (stats.open, stats.high, stats.low, stats.vol) == (D(10), D(12), D(10), D(4))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=3 * DAY_MS),
            st.integers(min_value=1, max_value=500),
            st.integers(min_value=1, max_value=9),
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(min_value=0, max_value=DAY_MS),
)
def test_stats_equal_a_brute_force_over_the_window(raw: list, later: int) -> None:  # type: ignore[type-arg]
    trades = sorted((T0 + t, D(px), D(sz)) for t, px, sz in raw)
    now = trades[-1][0] + later
    w = DayWindow()
    for ts, px, sz in trades:
        w.add(ts, px, sz)
    start = MINUTE.open_of(now) - (WINDOW_MINUTES - 1) * MINUTE_MS
    inside = [(px, sz) for ts, px, sz in trades if ts >= start]
    stats = w.stats(now)
    assert stats is not None
    if inside:
        assert stats.open == inside[0][0]
        assert stats.high == max(px for px, _ in inside) and stats.low == min(px for px, _ in inside)
        assert stats.vol == sum(sz for _, sz in inside)
    else:
        assert stats.open == stats.high == stats.low == trades[-1][1] and stats.vol == 0
    assert w.last() == trades[-1][1]
