"""Bar calendars: where every OKX bar opens and closes, in UTC+8 and UTC+0 flavours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandex.domain.clock import DAY_MS
from sandex.domain.marketdata.bars import BARS, MINUTE, TRADE_BARS, Bar, nests, parse_bar


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize(
    ("bar", "at", "opens", "closes"),
    [
        ("1s", "2026-03-04 05:06:07.890", "2026-03-04 05:06:07", "2026-03-04 05:06:08"),
        ("1m", "2026-03-04 05:06:07", "2026-03-04 05:06:00", "2026-03-04 05:07:00"),
        ("15m", "2026-03-04 05:59:59", "2026-03-04 05:45:00", "2026-03-04 06:00:00"),
        ("4H", "2026-03-04 05:06:07", "2026-03-04 04:00:00", "2026-03-04 08:00:00"),
        # from 6H up, plain names open on UTC+8 boundaries: 16:00, 22:00, 04:00, 10:00 UTC
        ("6H", "2026-03-04 05:06:07", "2026-03-04 04:00:00", "2026-03-04 10:00:00"),
        ("6Hutc", "2026-03-04 05:06:07", "2026-03-04 00:00:00", "2026-03-04 06:00:00"),
        ("12H", "2026-03-04 05:06:07", "2026-03-04 04:00:00", "2026-03-04 16:00:00"),
        ("12H", "2026-03-04 03:06:07", "2026-03-03 16:00:00", "2026-03-04 04:00:00"),
        ("1D", "2026-03-04 05:06:07", "2026-03-03 16:00:00", "2026-03-04 16:00:00"),
        ("1D", "2026-03-04 17:00:00", "2026-03-04 16:00:00", "2026-03-05 16:00:00"),
        ("1Dutc", "2026-03-04 05:06:07", "2026-03-04 00:00:00", "2026-03-05 00:00:00"),
        # weeks start on Monday (2026-03-02 is a Monday)
        ("1Wutc", "2026-03-04 05:06:07", "2026-03-02 00:00:00", "2026-03-09 00:00:00"),
        ("1W", "2026-03-04 05:06:07", "2026-03-01 16:00:00", "2026-03-08 16:00:00"),
        ("1Mutc", "2026-03-04 05:06:07", "2026-03-01 00:00:00", "2026-04-01 00:00:00"),
        ("1M", "2026-03-31 17:00:00", "2026-03-31 16:00:00", "2026-04-30 16:00:00"),
        ("3Mutc", "2026-05-20 00:00:00", "2026-04-01 00:00:00", "2026-07-01 00:00:00"),
        ("3Mutc", "2026-12-31 23:59:59", "2026-10-01 00:00:00", "2027-01-01 00:00:00"),
    ],
)
def test_each_bar_opens_and_closes_on_its_calendar(bar: str, at: str, opens: str, closes: str) -> None:
    b = BARS[bar]
    start = b.open_of(ms(at))
    assert start == ms(opens)
    assert b.next_open(start) == ms(closes)


def test_okx_lists_every_bar_in_both_time_zones() -> None:
    plain = [
        "1s",
        "1m",
        "3m",
        "5m",
        "15m",
        "30m",
        "1H",
        "2H",
        "4H",
        "6H",
        "12H",
        "1D",
        "2D",
        "3D",
        "1W",
        "1M",
        "3M",
    ]
    utc = ["6Hutc", "12Hutc", "1Dutc", "2Dutc", "3Dutc", "1Wutc", "1Mutc", "3Mutc"]
    assert sorted(BARS) == sorted(plain + utc)


@pytest.mark.parametrize("name", ["1h", "1d", "60m", "", "1Mut", "1DUTC"])
def test_bar_names_are_case_sensitive_and_exact(name: str) -> None:
    assert parse_bar(name) is None


def test_shift_steps_back_over_year_ends() -> None:
    month = BARS["1Mutc"]
    jan = month.open_of(ms("2026-01-15 00:00:00"))
    assert month.shift(jan, -1) == ms("2025-12-01 00:00:00")
    assert month.shift(jan, -13) == ms("2024-12-01 00:00:00")
    assert BARS["1m"].shift(ms("2026-01-01 00:00:00"), -1439) == ms("2025-12-31 00:01:00")


@given(st.sampled_from(sorted(BARS)), st.integers(min_value=0, max_value=4_102_444_800_000))
def test_every_instant_lies_in_exactly_one_bar(name: str, ts: int) -> None:
    bar = BARS[name]
    start = bar.open_of(ts)
    end = bar.next_open(start)
    assert start <= ts < end
    assert bar.open_of(start) == start
    assert bar.open_of(end) == end  # bars tile time: the next one opens where this one closes
    assert bar.shift(end, -1) == start


def opens_between(bar: Bar, start: int, end: int) -> list[int]:
    out, ts = [], bar.open_of(start)
    while ts < end:
        out.append(ts)
        ts = bar.next_open(ts)
    return out


def test_a_bar_nests_in_another_exactly_when_every_boundary_of_the_larger_is_one_of_the_smaller() -> None:
    # Two years of boundaries: leap year, quarters, weeks across months, both time zones.
    start, end = ms("2027-11-20 00:00:00"), ms("2029-02-10 00:00:00")
    hourly_or_more = [bar for bar in TRADE_BARS if bar.months or bar.span_ms >= 3_600_000]
    for small in hourly_or_more:
        small_opens = set(opens_between(small, start, end))
        for big in hourly_or_more:
            seen = all(ts in small_opens for ts in opens_between(big, start + 95 * DAY_MS, end))
            assert nests(small, big) == seen, (small.name, big.name)
    assert all(nests(MINUTE, bar) for bar in TRADE_BARS)
