"""Placing orders through the façade: validation, frozen funds, settlement and fees."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from sandex.domain.errors import Reason
from sandex.domain.ids import SequentialIds
from sandex.domain.instruments import InstrumentState
from sandex.domain.ledger import FEE_ACCOUNT, FeeSchedule, FeeTier, Ledger, Posting, PostingReason
from sandex.domain.matching import (
    CancelCause,
    OrderAccepted,
    OrderCanceled,
    OrderRejected,
    OrdType,
    Side,
    StpMode,
    TgtCcy,
    TradingLimits,
)
from sandex.domain.trading import Exchange, OrderSpec, Trade
from sandex.domain.trading.commands import market_target
from tests.support.matching import of_type
from tests.support.venue import BTC_USDT, ETH_USDT, D, Venue, amt, find_order, ord_id_of, refused


def _venue() -> Venue:
    v = Venue(BTC_USDT, ETH_USDT)
    for account in (1, 2, 3):
        v.fund(account, "USDT", "1000")
        v.fund(account, "BTC", "10")
    return v


def test_limit_buy_freezes_price_times_size_in_quote() -> None:
    v = _venue()
    events = v.buy(1, "100", "2")
    assert isinstance(events[0], OrderAccepted)
    ord_id = ord_id_of(events)
    assert events[1:] == [Posting(1, "USDT", -amt(200), amt(200), PostingReason.FREEZE, ord_id)]
    assert v.bal(1, "USDT") == (D(800), D(200))


def test_limit_sell_freezes_size_in_base() -> None:
    v = _venue()
    v.sell(1, "100", "2.5")
    assert v.bal(1, "BTC") == (D("7.5"), D("2.5"))


def test_insufficient_balance_is_refused_and_changes_nothing() -> None:
    v = _venue()
    before = list(v.ledger.rows())
    events = v.buy(1, "100", "10.01")
    assert refused(events) == (Reason.INSUFFICIENT_BALANCE, {"ccy": "USDT"})
    assert refused(v.sell(1, "100", "10.01")) == (Reason.INSUFFICIENT_BALANCE, {"ccy": "BTC"})
    assert list(v.ledger.rows()) == before
    assert v.x.engine("BTC-USDT").depth(5) == ([], [])  # type: ignore[union-attr]
    assert v.x.pending_orders(1) == []
    assert ord_id_of(v.buy(1, "100", "1")) == 1  # no order id was used up


def test_fill_settles_both_sides_and_charges_fees_in_the_currency_received() -> None:
    v = _venue()
    v.sell(1, "100", "1")  # maker: account 1 sells 1 BTC at 100
    events = v.buy(2, "100", "1")  # taker: account 2 buys it
    (trade,) = of_type(events, Trade)
    # Taker buyer pays 0.10% of 1 BTC; maker seller pays 0.08% of 100 USDT.
    assert (trade.taker_fee, trade.taker_fee_ccy) == (amt("0.001"), "BTC")
    assert (trade.maker_fee, trade.maker_fee_ccy) == (amt("0.08"), "USDT")
    assert v.bal(2, "BTC") == (D("10.999"), 0) and v.bal(2, "USDT") == (D(900), 0)
    assert v.bal(1, "BTC") == (D(9), 0) and v.bal(1, "USDT") == (D("1099.92"), 0)
    assert v.bal(FEE_ACCOUNT, "BTC") == (D("0.001"), 0) and v.bal(FEE_ACCOUNT, "USDT") == (D("0.08"), 0)
    for ccy, deposited in (("USDT", 3000), ("BTC", 30)):
        assert v.ledger.total(ccy) == amt(deposited)


def test_trade_postings_balance_to_zero_per_currency() -> None:
    v = _venue()
    v.sell(1, "100", "1")
    postings = of_type(v.buy(2, "100", "1"), Posting)
    for ccy in ("USDT", "BTC"):
        assert sum(p.delta_available + p.delta_frozen for p in postings if p.ccy == ccy) == 0
    assert {p.reason for p in postings} == {PostingReason.FREEZE, PostingReason.TRADE, PostingReason.FEE}


def test_sell_taker_pays_taker_rate_in_quote_and_buy_maker_maker_rate_in_base() -> None:
    v = _venue()
    v.buy(1, "100", "2")
    (trade,) = of_type(v.sell(2, "99", "2"), Trade)
    assert (trade.taker_fee, trade.taker_fee_ccy) == (amt("0.2"), "USDT")  # 0.10% of 200
    assert (trade.maker_fee, trade.maker_fee_ccy) == (amt("0.0016"), "BTC")  # 0.08% of 2
    assert v.bal(1, "BTC") == (D("11.9984"), 0) and v.bal(1, "USDT") == (D(800), 0)
    assert v.bal(2, "USDT") == (D("1199.8"), 0)


def test_fee_tiers_are_per_account() -> None:
    fees = FeeSchedule(tiers={2: FeeTier(maker=D(0), taker=D("0.002"))})
    v = Venue(BTC_USDT, fees=fees)
    v.fund(1, "BTC", "1")
    v.fund(2, "USDT", "100")
    v.sell(1, "50", "1")
    (trade,) = of_type(v.buy(2, "50", "1"), Trade)
    assert trade.taker_fee == amt("0.002") and trade.maker_fee == amt("0.04")


def test_buy_filled_below_its_limit_gets_the_difference_back_at_once() -> None:
    v = _venue()
    v.sell(1, "90", "1")
    v.buy(2, "100", "3")  # 1 filled at 90, 2 rest at 100
    assert v.bal(2, "USDT") == (D(1000 - 90 - 200), D(200))
    assert v.x.reserved() == {(2, "USDT"): amt(200)}


def test_cancel_releases_what_the_order_still_froze() -> None:
    v = _venue()
    ord_id = ord_id_of(v.buy(1, "100", "3"))
    v.sell(2, "100", "1")
    assert v.bal(1, "USDT") == (D(700), D(200))
    events = v.cancel(1, ord_id)
    assert of_type(events, Posting) == [
        Posting(1, "USDT", amt(200), -amt(200), PostingReason.UNFREEZE, ord_id)
    ]
    assert v.bal(1, "USDT") == (D(900), 0)


def test_ioc_remainder_is_released() -> None:
    v = _venue()
    v.sell(1, "100", "1")
    v.buy(2, "105", "3", ord_type=OrdType.IOC)
    assert v.bal(2, "USDT") == (D(900), 0)


def test_fok_that_cannot_fill_gives_everything_back() -> None:
    v = _venue()
    v.sell(1, "100", "1")
    v.buy(2, "100", "2", ord_type=OrdType.FOK)
    assert v.bal(2, "USDT") == (D(1000), 0) and v.bal(1, "BTC") == (D(9), D(1))


def test_self_trade_prevention_releases_the_canceled_makers_funds() -> None:
    v = _venue()
    v.sell(1, "100", "1")
    v.sell(2, "100", "1")
    v.buy(1, "100", "1")  # cancel_maker: own ask canceled, fills against account 2
    assert v.bal(1, "BTC") == (D("10.999"), 0)
    assert v.bal(1, "USDT") == (D(900), 0)


def test_market_buy_in_quote_freezes_its_budget_and_returns_the_rest() -> None:
    v = _venue()
    v.sell(1, "100", "1")
    v.sell(1, "110", "1")
    events = v.place(2, Side.BUY, "160")  # default tgtCcy for a market buy: quote
    assert events[0].order.tgt_ccy is TgtCcy.QUOTE_CCY
    freeze = of_type(events, Posting)[0]
    assert (freeze.reason, freeze.delta_frozen) == (PostingReason.FREEZE, amt(160))
    # 1 BTC at 100, then floor(60 / 1.1) = 0.54 BTC at 110 (59.4); 0.6 USDT returned.
    assert v.bal(2, "BTC") == (D(10) + D("1.54") - D("0.00154"), 0)
    assert v.bal(2, "USDT") == (D(1000) - D("159.4"), 0)


def test_market_buy_in_base_freezes_what_the_book_walk_costs() -> None:
    v = _venue()
    v.sell(1, "100", "1")
    v.sell(1, "110", "1")
    events = v.place(2, Side.BUY, "1.5", tgt_ccy=TgtCcy.BASE_CCY)
    assert of_type(events, Posting)[0].delta_frozen == amt(155)
    assert v.bal(2, "USDT") == (D(845), 0)
    assert v.bal(2, "BTC") == (D("11.5") - D("0.0015"), 0)


def test_market_buy_in_base_that_costs_more_than_available_is_refused() -> None:
    v = _venue()
    v.sell(1, "600", "2")
    assert refused(v.place(2, Side.BUY, "1.7", tgt_ccy=TgtCcy.BASE_CCY)) == (
        Reason.INSUFFICIENT_BALANCE,
        {"ccy": "USDT"},
    )
    assert refused(v.place(2, Side.BUY, "1.6", tgt_ccy=TgtCcy.BASE_CCY)) is None


def test_market_sell_in_base_and_in_quote() -> None:
    v = _venue()
    v.buy(1, "100", "5")
    v.place(2, Side.SELL, "1")
    assert v.bal(2, "BTC") == (D(9), 0) and v.bal(2, "USDT") == (D("1099.9"), 0)
    events = v.place(2, Side.SELL, "250", tgt_ccy=TgtCcy.QUOTE_CCY)
    assert of_type(events, Posting)[0].delta_frozen == amt("2.5")  # walk: 2.5 BTC to raise 250 USDT
    assert v.bal(2, "BTC") == (D("6.5"), 0) and v.bal(2, "USDT") == (D("1349.65"), 0)


def test_market_order_on_an_empty_book_changes_no_balance() -> None:
    v = _venue()
    before = list(v.ledger.rows())
    v.place(2, Side.BUY, "100")
    v.place(2, Side.SELL, "1")
    assert list(v.ledger.rows()) == before


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"px": "100.05"}, Reason.TICK_SIZE),
        ({"sz": "1.005"}, Reason.LOT_SIZE),
        ({"sz": "0.01"}, Reason.ORDER_BELOW_MIN),
        ({"sz": "0"}, Reason.PARAM_ERROR),
        ({"px": "-1"}, Reason.PARAM_ERROR),
        ({"px": None, "ord_type": OrdType.LIMIT}, Reason.PRICE_EMPTY),
        ({"px": None, "ord_type": OrdType.POST_ONLY}, Reason.PRICE_EMPTY),
        ({"inst_id": "DOGE-USDT"}, Reason.INSTRUMENT_NOT_FOUND),
        ({"ord_type": OrdType.FOK, "stp_mode": StpMode.CANCEL_BOTH}, Reason.PARAM_ERROR),
        ({"px": None, "sz": "51", "tgt_ccy": TgtCcy.BASE_CCY}, Reason.MARKET_ORDER_TOO_LARGE),
        ({"px": None, "sz": "100001", "tgt_ccy": TgtCcy.QUOTE_CCY}, Reason.MARKET_ORDER_TOO_LARGE),
        ({"px": None, "sz": "0.0001", "tgt_ccy": TgtCcy.QUOTE_CCY}, Reason.PARAM_ERROR),
        # magnitudes no client may send: refused as values, never an exception in the writer
        ({"sz": "100000000.1"}, Reason.ORDER_SIZE_TOO_LARGE),  # above maxLmtSz
        ({"sz": "1e308"}, Reason.ORDER_SIZE_TOO_LARGE),
        ({"px": "1e308"}, Reason.PARAM_ERROR),  # more ticks than a 64-bit integer holds
        ({"px": "1e27"}, Reason.PARAM_ERROR),
        ({"px": "1e-300"}, Reason.TICK_SIZE),
        ({"px": None, "sz": "1e308", "tgt_ccy": TgtCcy.QUOTE_CCY}, Reason.MARKET_ORDER_TOO_LARGE),
        ({"px": None, "sz": "1e308", "tgt_ccy": TgtCcy.BASE_CCY}, Reason.MARKET_ORDER_TOO_LARGE),
    ],
)
def test_invalid_orders_are_refused_and_change_nothing(kw: dict[str, object], reason: Reason) -> None:
    v = _venue()
    before = list(v.ledger.rows())
    args: dict[str, object] = {"px": "100", "sz": "1"} | kw
    events = v.place(1, Side.BUY, **args)  # type: ignore[arg-type]
    assert len(events) == 1 and isinstance(events[0], OrderRejected) and events[0].rejected.reason is reason
    assert list(v.ledger.rows()) == before


def test_suspended_instrument_refuses_orders() -> None:
    v = Venue(replace(BTC_USDT, state=InstrumentState.SUSPEND))
    v.fund(1, "USDT", "1000")
    assert refused(v.buy(1, "100", "1")) == (Reason.INSTRUMENT_SUSPENDED, {})


def test_post_only_that_would_take_is_canceled_and_its_funds_come_back() -> None:
    v = _venue()
    v.sell(1, "100", "1")
    events = v.buy(2, "100", "1", ord_type=OrdType.POST_ONLY)
    assert refused(events) is None
    canceled = [e for e in events if isinstance(e, OrderCanceled)]
    assert [c.cause for c in canceled] == [CancelCause.POST_ONLY_TAKES]
    assert not [e for e in events if isinstance(e, Trade)]
    assert v.bal(2, "USDT") == (D(1000), 0) and v.bal(1, "BTC") == (D(9), D(1))


def test_cl_ord_id_is_unique_across_all_the_accounts_instruments() -> None:
    v = _venue()
    v.buy(1, "100", "1", cl_ord_id="x1")
    assert refused(v.buy(1, "10", "1", inst_id="ETH-USDT", cl_ord_id="x1")) == (Reason.CLORDID_EXISTS, {})
    assert refused(v.buy(2, "10", "1", inst_id="ETH-USDT", cl_ord_id="x1")) is None


def test_pending_limit_per_account_spans_instruments() -> None:
    v = Venue(BTC_USDT, ETH_USDT, limits=TradingLimits(max_pending_per_account=2))
    v.fund(1, "USDT", "1000")
    v.buy(1, "100", "1")
    v.buy(1, "10", "1", inst_id="ETH-USDT")
    assert refused(v.buy(1, "10", "1", inst_id="ETH-USDT")) == (Reason.ACCOUNT_ORDERS_LIMIT, {"limit": "2"})


def test_exchange_reads() -> None:
    v = _venue()
    a = ord_id_of(v.buy(1, "100", "1", cl_ord_id="mine"))
    ord_id_of(v.buy(1, "10", "1", inst_id="ETH-USDT"))
    assert {o.inst_id for o in v.x.pending_orders(1)} == {"BTC-USDT", "ETH-USDT"}
    assert [o.ord_id for o in v.x.pending_orders(1, "BTC-USDT")] == [a]
    assert find_order(v.x, 1, "BTC-USDT", cl_ord_id="mine").ord_id == a  # type: ignore[union-attr]
    assert find_order(v.x, 1, "BTC-USDT", ord_id=a) is not None
    assert find_order(v.x, 2, "BTC-USDT", ord_id=a) is None  # not yours
    assert find_order(v.x, 1, "ETH-USDT", ord_id=a) is None  # wrong instrument
    assert v.x.engine("NOPE") is None and [i.inst_id for i in v.x.instruments()] == ["BTC-USDT", "ETH-USDT"]


def test_an_instrument_finer_than_the_ledger_scale_is_a_configuration_error() -> None:
    tiny = replace(BTC_USDT, tick_sz=Decimal("1e-10"), lot_sz=Decimal("1e-10"))
    with pytest.raises(ValueError, match="not a positive multiple"):
        Exchange([tiny], Ledger(), order_ids=SequentialIds(), trade_ids=SequentialIds())


def test_market_orders_default_to_quote_size_for_buys_and_base_for_sells() -> None:
    buy = OrderSpec("BTC-USDT", Side.BUY, OrdType.MARKET, D(1))
    assert market_target(buy) is TgtCcy.QUOTE_CCY
    assert market_target(replace(buy, side=Side.SELL)) is TgtCcy.BASE_CCY
    assert market_target(replace(buy, tgt_ccy=TgtCcy.BASE_CCY)) is TgtCcy.BASE_CCY
    limit = replace(buy, ord_type=OrdType.LIMIT, px=D(1), tgt_ccy=TgtCcy.QUOTE_CCY)
    assert market_target(limit) is TgtCcy.BASE_CCY  # ccxt sends tgtCcy on limit orders too: ignored
