"""The market page's order form as an `OrderSpec`: size units, a share of the balance, typos."""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.instruments import Instrument
from sandex.domain.matching.order import OrdType, Side, TgtCcy
from sandex.domain.trading.commands import OrderSpec
from sandex.transport.console.trade_forms import DEFAULTS, Available, order_spec

D = Decimal
INST = Instrument(
    inst_id="BTC-USDT",
    base_ccy="BTC",
    quote_ccy="USDT",
    tick_sz=D("0.1"),
    lot_sz=D("0.01"),
    min_sz=D("0.01"),
    ref_px=D(100),
    inst_id_code=1,
    list_time_ms=0,
)
AVAIL = Available(base=D("2"), quote=D("1000"), max_buy=D("9.99"), max_sell=D("2"))


def _spec(**typed: str) -> OrderSpec | dict[str, str]:
    return order_spec(INST, {**DEFAULTS, **typed}, AVAIL)


def test_a_quote_amount_on_a_priced_order_buys_whole_lots_rounded_down() -> None:
    assert _spec(px="30", sz="100", unit="quote") == OrderSpec(
        "BTC-USDT", Side.BUY, OrdType.LIMIT, D("3.33"), D(30)
    )
    assert _spec(px="300", sz="1", unit="quote") == {
        "sz": "1 USDT buys less than one lot (0.01) at this price."
    }


def test_a_market_order_keeps_its_unit_for_the_engine() -> None:
    quoted = _spec(ord_type="market", sz="50", unit="quote")
    assert quoted == OrderSpec("BTC-USDT", Side.BUY, OrdType.MARKET, D(50), tgt_ccy=TgtCcy.QUOTE_CCY)
    based = _spec(side="sell", ord_type="market", sz="0.5", px="ignored")
    assert based == OrderSpec("BTC-USDT", Side.SELL, OrdType.MARKET, D("0.5"), tgt_ccy=TgtCcy.BASE_CCY)


def test_an_empty_size_takes_the_share_of_the_most_the_balance_allows() -> None:
    assert _spec(px="100", pct="50") == OrderSpec("BTC-USDT", Side.BUY, OrdType.LIMIT, D("4.99"), D(100))
    assert _spec(side="sell", ord_type="ioc", px="100", pct="25") == OrderSpec(
        "BTC-USDT", Side.SELL, OrdType.IOC, D("0.5"), D(100)
    )
    assert _spec(px="100", sz="1", pct="50") == OrderSpec("BTC-USDT", Side.BUY, OrdType.LIMIT, D(1), D(100))
    assert "less than one lot" in _spec(px="100", pct="0.01")["sz"]  # type: ignore[index]


def test_what_cannot_be_an_order_is_named_per_field() -> None:
    assert _spec(side="hold", px="1", sz="1") == {"side": "Choose Buy or Sell."}
    assert _spec(ord_type="stop", px="1", sz="1") == {"ord_type": "Choose an order type."}
    assert _spec(px="1e", sz="1") == {
        "px": "“1e” is not a number. Use digits and a decimal point, like 100 or 0.5."
    }
    assert _spec(px="0", sz="1") == {"px": "Enter a number above 0."}
    assert _spec(px="1", pct="101") == {
        "sz": "Enter a size, or pick a share of your balance with the slider."
    }
