"""Pricing a convert: which instrument a currency pair trades on, its limits, and a firm price.

Pure functions over the catalogue's instruments and a book's levels (no I/O, no clock). A request's
pair may be either way round relative to its instrument: ccxt always sends the *from* currency as
`baseCcy` with `side: "sell"`, so USDT -> BTC arrives as baseCcy USDT, quoteCcy BTC on BTC-USDT.
Everything is computed in the instrument's direction (price = quote per base) and turned back into
the request's terms at the end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from sandex.domain.instruments import Catalogue, Instrument
from sandex.domain.matching.order import Side
from sandex.domain.money import decimals_of, ratio

EXTRA_PX_DECIMALS = 4  # a firm price carries 4 more decimals than the instrument's tick
SHOWN_DIGITS = 12  # significant digits of an inverted (reversed-pair) price


@dataclass(frozen=True, slots=True)
class Pair:
    """A request's (baseCcy, quoteCcy) on its instrument; `reversed`: baseCcy is the instrument's quote."""

    inst: Instrument
    reversed: bool

    @property
    def inst_id(self) -> str:
        return self.inst.inst_id

    def buys_inst_base(self, side: Side) -> bool:
        """Whether a request `side` (of its baseCcy) buys the instrument's base currency."""
        return (side is Side.BUY) != self.reversed


@dataclass(frozen=True, slots=True)
class Limits:
    """Per currency of a pair: the smallest and largest amount one convert may carry."""

    base_min: Decimal
    base_max: Decimal
    quote_min: Decimal
    quote_max: Decimal

    def of(self, inst: Instrument, ccy: str) -> tuple[Decimal, Decimal]:
        if ccy == inst.base_ccy:
            return self.base_min, self.base_max
        return self.quote_min, self.quote_max


@dataclass(frozen=True, slots=True)
class Amounts:
    """One convert in the instrument's terms: `px` quote per base, both sizes, who pays what."""

    px: Decimal
    base_sz: Decimal
    quote_sz: Decimal
    buys_base: bool  # the user receives the instrument's base currency

    def request_terms(self, pair: Pair) -> tuple[Decimal, Decimal, Decimal]:
        """(price, baseSz, quoteSz) in the request's (baseCcy, quoteCcy) terms."""
        if not pair.reversed:
            return self.px, self.base_sz, self.quote_sz
        return inverse(self.px), self.quote_sz, self.base_sz


def find_pair(catalogue: Catalogue, base_ccy: str, quote_ccy: str) -> Pair | None:
    inst = catalogue.instrument(f"{base_ccy}-{quote_ccy}")
    if inst is not None:
        return Pair(inst, reversed=False)
    inst = catalogue.instrument(f"{quote_ccy}-{base_ccy}")
    return None if inst is None else Pair(inst, reversed=True)


def currencies(catalogue: Catalogue) -> list[str]:
    """Every currency of a listed spot instrument, in listing order."""
    seen: dict[str, None] = {}
    for inst in catalogue.instruments.values():
        seen.setdefault(inst.base_ccy)
        seen.setdefault(inst.quote_ccy)
    return list(seen)


def limits_of(inst: Instrument, quote_decimals: int) -> Limits:
    """The instrument's own bounds: at least its minimum order size (its value at the reference price
    in the quote currency), at most what one market order may carry (maxMktSz / maxMktAmt)."""
    step = Decimal(1).scaleb(-quote_decimals)
    quote_min = (inst.min_sz * inst.ref_px).quantize(step, rounding=ROUND_CEILING)
    return Limits(inst.min_sz, inst.max_mkt_sz, max(quote_min, step), inst.max_mkt_amt)


def executable_px(
    levels: Iterable[tuple[Decimal, Decimal]], amount: Decimal, in_base: bool
) -> Decimal | None:
    """The average price of taking `amount` (base size, or quote value when not `in_base`) from
    `levels` (price, size), best first; None when the levels do not hold that much."""
    left, base, quote = amount, Decimal(0), Decimal(0)
    for px, sz in levels:
        room = sz if in_base else sz * px
        take = min(left, room)
        base += take if in_base else ratio(take, px)
        quote += take * px if in_base else take
        left -= take
        if left <= 0:
            return ratio(quote, base)
    return None


def firm_px(inst: Instrument, px: Decimal, spread: Decimal, buys_base: bool) -> Decimal:
    """`px` worsened by `spread` for the user (up when buying base, down when selling), rounded
    against the user to the tick's decimals plus `EXTRA_PX_DECIMALS`."""
    step = Decimal(1).scaleb(-(decimals_of(inst.tick_sz) + EXTRA_PX_DECIMALS))
    if buys_base:
        return (px * (1 + spread)).quantize(step, rounding=ROUND_CEILING)
    return (px * (1 - spread)).quantize(step, rounding=ROUND_FLOOR)


def amounts(
    pair: Pair, px: Decimal, buys_base: bool, sz: Decimal, sz_ccy: str, decimals: tuple[int, int]
) -> Amounts:
    """Both sizes of a convert of `sz` `sz_ccy` at `px`: the side the user pays is rounded up, the
    side the user receives down, each to its currency's `decimals` (base, quote)."""
    base_step, quote_step = (Decimal(1).scaleb(-d) for d in decimals)
    if sz_ccy == pair.inst.base_ccy:
        quote_rounding = ROUND_CEILING if buys_base else ROUND_FLOOR
        return Amounts(px, sz, (sz * px).quantize(quote_step, rounding=quote_rounding), buys_base)
    base_rounding = ROUND_FLOOR if buys_base else ROUND_CEILING
    return Amounts(px, ratio(sz, px).quantize(base_step, rounding=base_rounding), sz, buys_base)


def inverse(px: Decimal) -> Decimal:
    """1 / px to `SHOWN_DIGITS` significant digits (a reversed pair's price, shown only)."""
    exponent = ratio(Decimal(1), px).adjusted() - SHOWN_DIGITS + 1
    return ratio(Decimal(1), px).quantize(Decimal(1).scaleb(exponent))
