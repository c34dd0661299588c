"""How the market pages write numbers: tiny prices compacted (full price kept), changes, volumes."""

from __future__ import annotations

from decimal import Decimal

from sandex.transport.console.charts import sparkline
from sandex.transport.console.numbers import change_of, price_text, volume_text


def test_a_tiny_price_shows_its_zero_count_and_keeps_the_full_price() -> None:
    shib = price_text(Decimal("0.00001112"), Decimal("1E-8"))
    assert (shib.lead, shib.zeros, shib.digits, shib.full) == ("0.0", 4, "1112", "0.00001112")
    pepe = price_text(Decimal("0.000008994"), Decimal("1E-9"))
    assert (pepe.zeros, pepe.digits, pepe.full) == (5, "8994", "0.000008994")


def test_ordinary_prices_are_written_at_the_tick_with_thousands_separated() -> None:
    assert price_text(Decimal("106684.2"), Decimal("0.1")).full == "106,684.2"
    assert not price_text(Decimal("106684.2"), Decimal("0.1")).compact
    assert price_text(Decimal("0.15880"), Decimal("0.00001")).full == "0.15880"
    assert not price_text(Decimal("0.0001234")).compact  # three zeros are still easy to read
    assert price_text(None).full == "—"


def test_the_24h_change_says_which_way_it_went() -> None:
    up, down, flat = (
        change_of(Decimal(103), Decimal(100)),
        change_of(Decimal(99), Decimal(100)),
        change_of(Decimal(100), Decimal(100)),
    )
    assert (up.text, up.direction, up.label) == ("+3.00%", "up", "up 3.00%")
    assert (down.text, down.direction, down.label) == ("-1.00%", "down", "down 1.00%")
    assert (flat.text, flat.direction) == ("0.00%", "flat")
    assert change_of(None, Decimal(1)).text == "—"


def test_volumes_are_compact() -> None:
    assert volume_text(Decimal("1234567.8")) == "1.23M"
    assert volume_text(Decimal("2500")) == "2.50K"
    assert volume_text(Decimal("12.346")) == "12.35"
    assert volume_text(Decimal(0)) == "0"


def test_a_sparkline_spans_the_box_and_follows_the_trend() -> None:
    rising = sparkline([Decimal(1), Decimal(3), Decimal(2), Decimal(5)])
    assert rising is not None and rising.direction == "up"
    ys = [float(p.split(",")[1]) for p in rising.points.split()]
    assert max(ys) == 31.0 and min(ys) == 1.0  # the lowest close at the bottom, the highest at the top
    assert sparkline([Decimal(2), Decimal(1)]).direction == "down"  # type: ignore[union-attr]
    assert sparkline([]) is None
