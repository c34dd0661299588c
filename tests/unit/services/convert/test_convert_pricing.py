"""Convert pricing, pure: which instrument a pair trades on (either way round), the book walk, the
spread against the user, rounding of both sizes against the user, limits, and inverted prices."""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.instruments import Catalogue
from sandex.domain.matching.order import Side
from sandex.services.convert import pricing

D = Decimal


def test_a_pair_is_found_either_way_round(catalogue: Catalogue) -> None:
    straight = pricing.find_pair(catalogue, "BTC", "USDT")
    reversed_ = pricing.find_pair(catalogue, "USDT", "BTC")
    assert straight is not None and reversed_ is not None
    assert (straight.inst_id, straight.reversed, reversed_.inst_id, reversed_.reversed) == (
        "BTC-USDT",
        False,
        "BTC-USDT",
        True,
    )
    assert pricing.find_pair(catalogue, "BTC", "ETH") is None
    # ccxt's "sell USDT for BTC" buys the instrument's base; "buy USDT with BTC" sells it
    assert reversed_.buys_inst_base(Side.SELL) and not reversed_.buys_inst_base(Side.BUY)
    assert straight.buys_inst_base(Side.BUY)


def test_the_book_walk_averages_over_the_levels_it_takes() -> None:
    levels = [(D(100), D(1)), (D(110), D(1))]
    by_size = pricing.executable_px(levels, D("1.5"), in_base=True)  # (100 + 55) / 1.5
    by_value = pricing.executable_px(levels, D(155), in_base=False)  # 155 USDT buy 1.5 BTC
    assert by_size is not None and by_value is not None
    assert by_size.quantize(D("0.000001")) == by_value.quantize(D("0.000001")) == D("103.333333")
    assert pricing.executable_px(levels, D("2.01"), in_base=True) is None  # deeper than the book
    assert pricing.executable_px([], D(1), in_base=True) is None


def test_the_spread_and_rounding_go_against_the_user(catalogue: Catalogue) -> None:
    inst = catalogue.instruments["BTC-USDT"]  # tick 0.1: prices keep 5 decimals
    assert pricing.firm_px(inst, D("100.123456"), D("0.001"), buys_base=True) == D("100.22358")
    assert pricing.firm_px(inst, D("100.123456"), D("0.001"), buys_base=False) == D("100.02333")
    pair = pricing.Pair(inst, reversed=False)
    bought = pricing.amounts(pair, D("3"), True, D("10"), "USDT", (8, 6))  # 10 USDT buys 3.33333333 BTC
    assert (bought.base_sz, bought.quote_sz) == (D("3.33333333"), D(10))
    sold = pricing.amounts(pair, D("3"), False, D("10"), "USDT", (8, 6))  # 10 USDT costs 3.33333334 BTC
    assert (sold.base_sz, sold.quote_sz) == (D("3.33333334"), D(10))
    paid = pricing.amounts(pair, D("3.0000001"), True, D("1"), "BTC", (8, 6))
    assert paid.quote_sz == D("3.000001")  # the buyer pays up to the cent's millionth


def test_a_reversed_pair_reads_in_its_own_terms(catalogue: Catalogue) -> None:
    pair = pricing.Pair(catalogue.instruments["BTC-USDT"], reversed=True)
    done = pricing.amounts(pair, D(100), True, D(50), "USDT", (8, 6))
    px, base_sz, quote_sz = done.request_terms(pair)
    assert (px, base_sz, quote_sz) == (D("0.01"), D(50), D("0.5"))  # BTC per USDT, USDT, BTC
    assert pricing.inverse(D(3)) == D("0.333333333333")


def test_limits_come_from_the_instrument(catalogue: Catalogue) -> None:
    inst = catalogue.instruments["BTC-USDT"]  # min size 0.01 BTC at 100 USDT
    limits = pricing.limits_of(inst, 6)
    assert (limits.base_min, limits.base_max, limits.quote_min, limits.quote_max) == (
        D("0.01"),
        inst.max_mkt_sz,
        D(1),
        inst.max_mkt_amt,
    )
    assert limits.of(inst, "USDT") == (D(1), inst.max_mkt_amt)
    assert pricing.currencies(catalogue) == ["BTC", "USDT", "ETH"]
