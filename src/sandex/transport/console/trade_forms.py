"""The market page's order form: typed fields → an `OrderSpec`, or a refusal per field in words.

Size is typed in the base or the quote currency. A limit-priced order is always sized in base on
OKX, so a quote amount is turned into whole lots at the typed price (rounded down: never more than
asked). An empty size takes the slider's share of what is available, worked out here in decimals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Instrument
from sandex.domain.matching.order import OrdType, Side, TgtCcy
from sandex.domain.money import parse_decimal, ratio, whole_steps
from sandex.domain.trading.commands import OrderSpec
from sandex.transport.console.forms import FormData
from sandex.transport.console.messages import describe
from sandex.transport.console.numbers import plain

FIELDS = ("side", "ord_type", "px", "sz", "unit", "pct")
ORDER_TYPES = (
    (OrdType.LIMIT, "Limit"),
    (OrdType.MARKET, "Market"),
    (OrdType.POST_ONLY, "Post only"),
    (OrdType.IOC, "IOC (fill what you can now, cancel the rest)"),
    (OrdType.FOK, "FOK (fill all now or nothing)"),
)
_TYPES = {t.value: t for t, _ in ORDER_TYPES}
DEFAULTS: Mapping[str, str] = {
    "side": "buy",
    "ord_type": "limit",
    "px": "",
    "sz": "",
    "unit": "base",
    "pct": "",
}


@dataclass(frozen=True, slots=True)
class Available:
    """What the trading account can spend: quote currency for buys, base currency for sells."""

    base: Decimal
    quote: Decimal
    max_buy: Decimal  # base currency the quote buys at the form's price (the best ask for market)
    max_sell: Decimal


def values_of(form: FormData) -> dict[str, str]:
    return {name: form.text(name) for name in FIELDS}


def order_spec(inst: Instrument, values: Mapping[str, str], avail: Available) -> OrderSpec | dict[str, str]:
    """The order the form asks for, or {field: message} (the engine checks balance, tick and lot)."""
    side = Side.BUY if values["side"] == "buy" else Side.SELL if values["side"] == "sell" else None
    ord_type = _TYPES.get(values["ord_type"])
    if side is None:
        return {"side": "Choose Buy or Sell."}
    if ord_type is None:
        return {"ord_type": "Choose an order type."}
    px: Decimal | None = None
    if ord_type is not OrdType.MARKET:
        typed = _positive(values["px"])
        if isinstance(typed, str):
            return {"px": typed}
        px = typed
    quoted = values["unit"] == "quote"
    if not values["sz"] and values["pct"]:
        return _from_share(inst, side, ord_type, px, values["pct"], avail)
    sz = _positive(values["sz"])
    if isinstance(sz, str):
        return {"sz": sz}
    if ord_type is OrdType.MARKET:
        tgt = TgtCcy.QUOTE_CCY if quoted else TgtCcy.BASE_CCY
        return OrderSpec(inst.inst_id, side, ord_type, sz, tgt_ccy=tgt)
    if quoted:
        assert px is not None
        lots = whole_steps(ratio(sz, px), inst.lot_sz)
        if lots == 0:
            lot = plain(inst.lot_sz)
            return {"sz": f"{plain(sz)} {inst.quote_ccy} buys less than one lot ({lot}) at this price."}
        sz = lots * inst.lot_sz
    return OrderSpec(inst.inst_id, side, ord_type, sz, px)


def _from_share(
    inst: Instrument, side: Side, ord_type: OrdType, px: Decimal | None, pct_text: str, avail: Available
) -> OrderSpec | dict[str, str]:
    pct = parse_decimal(pct_text)
    if pct is None or not 0 < pct <= 100:
        return {"sz": "Enter a size, or pick a share of your balance with the slider."}
    whole = avail.max_buy if side is Side.BUY else avail.max_sell
    lots = whole_steps(whole * pct / 100, inst.lot_sz)
    if lots == 0:
        ccy = inst.quote_ccy if side is Side.BUY else inst.base_ccy
        return {"sz": f"{plain(pct)}% of your available {ccy} is less than one lot ({plain(inst.lot_sz)})."}
    sz = lots * inst.lot_sz
    if ord_type is OrdType.MARKET:
        return OrderSpec(inst.inst_id, side, ord_type, sz, tgt_ccy=TgtCcy.BASE_CCY)
    return OrderSpec(inst.inst_id, side, ord_type, sz, px)


def _positive(text: str) -> Decimal | str:
    if not text:
        return "Enter a number."
    value = parse_decimal(text)
    if value is None:
        return f"“{text}” is not a number. Use digits and a decimal point, like 100 or 0.5."
    if value <= 0:
        return "Enter a number above 0."
    return value


def order_errors(inst: Instrument, refused: Rejected) -> dict[str, str]:
    """A refused order, amend or cancel in words, on the field it is about."""
    ccy = refused.params.get("ccy", "")
    texts = {
        Reason.INSUFFICIENT_BALANCE: ("sz", f"Not enough {ccy} available for this order."),
        Reason.TICK_SIZE: ("px", f"The price must be a multiple of the tick size, {plain(inst.tick_sz)}."),
        Reason.LOT_SIZE: ("sz", f"The size must be a multiple of the lot size, {plain(inst.lot_sz)}."),
        Reason.ORDER_BELOW_MIN: ("sz", f"The size is below this market's minimum, {plain(inst.min_sz)}."),
        Reason.ORDER_SIZE_TOO_LARGE: ("sz", "The size is above this market's largest limit order."),
        Reason.MARKET_ORDER_TOO_LARGE: ("sz", "The size is above this market's largest market order."),
        Reason.ORDER_NOT_FOUND: ("", "This order is no longer open."),
        Reason.CANCEL_FAILED: ("", "This order is no longer open."),
        Reason.AMEND_FAILED: ("", "This order is no longer open, or cannot change that way."),
        Reason.AMEND_POST_ONLY: ("px", "At that price the post-only order would take liquidity."),
        Reason.AMEND_NOTHING: ("", "Change the price or the size to amend the order."),
    }
    known = texts.get(refused.reason)
    if known is not None:
        return {known[0]: known[1]}
    problem = describe(refused)
    return {"": problem.message}
