"""OKX's linear-contract formulas (derivatives-research §2.9), each with a worked example.

The running example is OKX's own style of help-page example: 100 BTC-USDT-SWAP contracts (face
value ctVal 0.01 BTC, ctMult 1) = 1 BTC, opened at 10,000 USDT with 10x leverage."""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.derivatives import formulas as f

D = Decimal
CV, CM = D("0.01"), D(1)


def test_notional_is_contracts_times_face_value_times_price() -> None:
    assert f.notional(CV, CM, D(100), D(10000)) == D(10000)
    assert f.notional(CV, CM, D(-100), D(10000)) == D(10000)  # either side


def test_upl_long_and_short_by_mark() -> None:
    # long 100 @ 10,000, mark 11,000: 0.01 x 100 x (11,000 - 10,000) = 1,000 USDT
    assert f.upl(CV, CM, D(100), D(10000), D(11000)) == D(1000)
    # short 100 @ 10,000, mark 11,000: 0.01 x 100 x (10,000 - 11,000) = -1,000 USDT
    assert f.upl(CV, CM, D(-100), D(10000), D(11000)) == D(-1000)


def test_upl_ratio_is_upl_over_initial_margin() -> None:
    # initial margin at 10x: 10,000 / 10 = 1,000; upl 1,000 -> 100 %
    assert f.upl_ratio(D(1000), D(1000)) == D(1)
    assert f.upl_ratio(D(5), D(0)) == D(0)


def test_initial_margin_cross_at_mark_isolated_at_entry() -> None:
    assert f.imr(CV, CM, D(100), D(11000), D(10)) == D(1100)  # cross: at the mark
    assert f.imr(CV, CM, D(100), D(10000), D(10)) == D(1000)  # isolated: at avgPx


def test_maintenance_margin_is_value_at_mark_times_tier_rate() -> None:
    # tier 1 BTC mmr 0.4 %: 11,000 x 0.004 = 44
    assert f.mmr(CV, CM, D(100), D(11000), D("0.004")) == D(44)


def test_margin_ratio_is_equity_over_maintenance_plus_liquidation_fee() -> None:
    # isolated: margin 1,000 + upl -500 = 500 equity; mm at 9,500: 38; fee 0.05 %: 4.75
    maint = f.mmr(CV, CM, D(100), D(9500), D("0.004"))
    fee = f.liq_fee(CV, CM, D(100), D(9500), D("0.0005"))
    assert (maint, fee) == (D(38), D("4.75"))
    assert f.mgn_ratio(D(500), maint, fee) == D(500) / D("42.75")
    assert f.mgn_ratio(D(500), D(0), D(0)) is None


def test_liquidation_price_is_where_equity_meets_maintenance_plus_fee() -> None:
    # long: (10,000 - 1,000) / (1 x (1 - 0.004 - 0.0005)) = 9,000 / 0.9955
    long = f.liq_px(CV, CM, D(100), D(10000), D(1000), D("0.004"), D("0.0005"))
    assert long == D(9000) / D("0.9955")
    assert long is not None and round(long, 2) == D("9040.68")
    # at that mark: equity = 1,000 + (P - 10,000) equals mm + fee = P x 0.0045
    assert abs((D(1000) + long - D(10000)) - long * D("0.0045")) < D("1e-20")
    # short: (10,000 + 1,000) / (1 + 0.0045)
    short = f.liq_px(CV, CM, D(-100), D(10000), D(1000), D("0.004"), D("0.0005"))
    assert short == D(11000) / D("1.0045")
    # a long holding more margin than its value cannot be liquidated by a positive price
    assert f.liq_px(CV, CM, D(100), D(10000), D(20000), D("0.004"), D("0.0005")) is None


def test_bankruptcy_price_is_where_the_margin_is_gone() -> None:
    # long at 10x: 10,000 - 1,000 / 1 = 9,000; short: 11,000
    assert f.bk_px(CV, CM, D(100), D(10000), D(1000)) == D(9000)
    assert f.bk_px(CV, CM, D(-100), D(10000), D(1000)) == D(11000)


def test_break_even_price_covers_the_fees_paid_and_the_closing_fee() -> None:
    # long paid 5 USDT opening (0.05 %); closing at P pays P x 0.0005:
    # P - 10,000 = 5 + P x 0.0005  ->  P = 10,005 / 0.9995
    long = f.be_px(CV, CM, D(100), D(10000), D(5), D("0.0005"))
    assert long == D(10005) / D("0.9995")
    short = f.be_px(CV, CM, D(-100), D(10000), D(5), D("0.0005"))
    assert short == D(9995) / D("1.0005")
