"""Candles aggregate trades exactly: open first, close last, high/low, base and quote volume."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sandex.domain.marketdata.bars import BARS, MINUTE, TRADE_BARS
from sandex.domain.marketdata.candles import Candle, aggregate, merge

D = Decimal
T0 = 1_767_225_600_000  # 2026-01-01 00:00 UTC


def test_a_candle_is_first_last_extremes_and_sums() -> None:
    trades = [
        (T0 + 1_000, D("100.5"), D("0.2")),
        (T0 + 2_000, D("101"), D("1")),
        (T0 + 3_000, D("99.9"), D("0.5")),
        (T0 + 59_999, D("100"), D("0.3")),
    ]
    [candle] = aggregate(trades, MINUTE)
    assert (candle.ts, candle.o, candle.h, candle.l, candle.c) == (T0, D("100.5"), D(101), D("99.9"), D(100))
    assert candle.vol == D("2.0")
    assert candle.vol_ccy == D("100.5") * D("0.2") + D(101) + D("99.9") * D("0.5") + D(100) * D("0.3")
    assert candle.n == 4


def test_a_new_bar_starts_a_new_candle_and_tiny_prices_stay_exact() -> None:
    trades = [(T0, D("0.00001112"), D(100000)), (T0 + 60_000, D("0.00001113"), D(200000))]
    first, second = aggregate(trades, MINUTE)
    assert (first.ts, second.ts) == (T0, T0 + 60_000)
    assert second.vol_ccy == D("2.226")
    assert str(first.o) == "0.00001112"


trade_lists = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=3 * 86_400_000),
        st.decimals(min_value=D("0.01"), max_value=D(1000), places=2),
        st.decimals(min_value=D("0.001"), max_value=D(10), places=3),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(trade_lists, st.sampled_from([b.name for b in TRADE_BARS]))
def test_bars_built_from_minutes_equal_bars_built_from_trades(raw: list, name: str) -> None:  # type: ignore[type-arg]
    trades = sorted((T0 + t, px, sz) for t, px, sz in raw)
    bar = BARS[name]
    direct = aggregate(trades, bar)
    via_minutes = merge(aggregate(trades, MINUTE), bar)
    assert [c.values() for c in via_minutes] == [c.values() for c in direct]
    for candle in direct:  # each candle is exactly its trades
        inside = [(px, sz) for ts, px, sz in trades if candle.ts <= ts < candle.end]
        assert candle.o == inside[0][0] and candle.c == inside[-1][0]
        assert candle.h == max(px for px, _ in inside) and candle.l == min(px for px, _ in inside)
        assert candle.vol == sum(sz for _, sz in inside)
        assert candle.vol_ccy == sum(px * sz for px, sz in inside)


def test_folding_into_a_stored_candle_continues_it() -> None:
    stored = aggregate([(T0, D(10), D(1)), (T0 + 10, D(12), D(1))], MINUTE)[0].values()
    resumed = stored.candle(MINUTE)
    resumed.fold(D(9), D(2))
    assert (resumed.o, resumed.h, resumed.l, resumed.c, resumed.vol, resumed.n) == (
        D(10),
        D(12),
        D(9),
        D(9),
        D(4),
        3,
    )
    assert isinstance(resumed, Candle) and resumed.end == T0 + 60_000
