"""One tradable instrument inside the façade: its rules, its engine, and how its units map to money.

The engine counts lots and ticks x lots ("notional"); the ledger counts 10**-18 units. Per market
that is two integer factors, computed once: `per_lot` (base units in a lot) and `per_notional`
(quote units in one tick x one lot). Settlement of every fill is then integer multiplication.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandex.domain.ids import IdGenerator, SequentialIds
from sandex.domain.instruments import Instrument
from sandex.domain.ledger.amounts import units_per
from sandex.domain.matching.engine import MatchingEngine
from sandex.domain.matching.order import NewOrder, OrderSnapshot, OrdType, Side, TgtCcy
from sandex.domain.matching.rules import TradingLimits, notional_step

_BUY = Side.BUY  # enum members aliased: `Enum.MEMBER` lookups are slow on CPython 3.11
_MARKET = OrdType.MARKET


@dataclass(slots=True)
class Listing:
    inst: Instrument
    engine: MatchingEngine
    per_lot: int
    per_notional: int

    @classmethod
    def open(
        cls, inst: Instrument, trade_ids: IdGenerator, limits: TradingLimits, stamps: SequentialIds
    ) -> Listing:
        engine = MatchingEngine(inst.inst_id, trade_ids, limits, stamps)
        return cls(inst, engine, units_per(inst.lot_sz), units_per(notional_step(inst)))

    def reserve_ccy(self, side: Side) -> str:
        """What an order on `side` spends: quote for buys, base for sells."""
        return self.inst.quote_ccy if side is _BUY else self.inst.base_ccy

    def need(self, side: Side, px: int, lots: int) -> int:
        """What a resting order of `lots` at `px` keeps frozen."""
        return px * lots * self.per_notional if side is _BUY else lots * self.per_lot

    def need_of(self, order: OrderSnapshot) -> int:
        """What a limit-priced order still keeps frozen (market orders are settled separately)."""
        return self.need(order.side, order.px, max(order.sz - order.filled, 0))

    def need_change(self, order: OrderSnapshot, px: int, sz: int) -> tuple[str, int]:
        """(currency, change of frozen funds) if a resting order moved to `px` and size `sz`."""
        filled = order.filled
        left = sz - filled if sz > filled else 0
        if order.side is _BUY:
            return self.inst.quote_ccy, (px * left - order.px * (order.sz - filled)) * self.per_notional
        return self.inst.base_ccy, (left - order.sz + filled) * self.per_lot

    def reserve_for(self, req: NewOrder) -> int:
        """What to freeze before `req` enters the engine.

        Limit-priced: its full need at its limit price (fills at better prices give the
        difference back at once). Market orders freeze exactly what they can spend now: the quote
        budget of a quote-sized buy, the size of a base-sized sell, and for the other two a dry run
        of the match on the current book (the book cannot change before the order runs: one writer).
        """
        if req.ord_type is not _MARKET:
            return self.need(req.side, req.px, req.sz)
        quote = req.tgt_ccy is TgtCcy.QUOTE_CCY
        if req.side is _BUY and quote:
            return req.sz * self.per_notional
        if req.side is Side.SELL and not quote:
            return req.sz * self.per_lot
        lots, notional = self.engine.fillable(req.side, 0, req.sz, req.account_id, req.stp_mode, quote=quote)
        return notional * self.per_notional if req.side is _BUY else lots * self.per_lot

    def spent_by(self, order: OrderSnapshot) -> int:
        """What a (market) order has spent from its reservation so far."""
        return (
            order.filled_notional * self.per_notional if order.side is _BUY else order.filled * self.per_lot
        )
