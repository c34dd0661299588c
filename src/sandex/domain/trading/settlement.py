"""Turning the engine's events into money: settle each fill, release what finished orders froze.

Frozen-funds rule, kept exactly at every step: a resting limit-priced order keeps frozen what it
still needs at its own price (`Market.need_of`). A taker buy that fills below its limit gets the
difference back on that fill; a canceled order gets its remaining need back; a market order gets
back whatever of its reservation it did not spend when it finishes.
"""

from __future__ import annotations

from sandex.domain.ledger.balances import Ledger
from sandex.domain.ledger.fees import FeeSchedule, fee_on
from sandex.domain.ledger.postings import Posting, PostingReason
from sandex.domain.matching.events import Fill, MatchEvent, OrderCanceled
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.events import Event, Trade
from sandex.domain.trading.listing import Listing

# Enum members aliased: `Enum.MEMBER` lookups are slow on CPython 3.11 and this runs per fill.
_TRADE = PostingReason.TRADE
_FEE = PostingReason.FEE
_BUY = Side.BUY
_MARKET = OrdType.MARKET


class Settler:
    """Settles fills into one ledger with one fee schedule (the market comes with each batch)."""

    __slots__ = ("fees", "ledger")

    def __init__(self, ledger: Ledger, fees: FeeSchedule) -> None:
        self.ledger = ledger
        self.fees = fees

    def apply(self, m: Listing, events: list[MatchEvent], taker_px: int, out: list[Event]) -> None:
        """Append `events` to `out` with money attached. `taker_px`: the taker's limit (0 = market)."""
        for ev in events:
            if type(ev) is Fill:
                self._settle_fill(m, ev, taker_px, out)
            elif type(ev) is OrderCanceled:
                out.append(ev)
                order = ev.order
                if order.ord_type is not _MARKET:  # a market order's release comes at its end
                    ccy = m.reserve_ccy(order.side)
                    out.extend(self.ledger.unfreeze(order.account_id, ccy, m.need_of(order), order.ord_id))
            else:
                out.append(ev)

    def _settle_fill(self, m: Listing, fill: Fill, taker_px: int, out: list[Event]) -> None:
        taker_buys = fill.taker_side is _BUY
        buyer, seller = (
            (fill.taker_account_id, fill.maker_account_id)
            if taker_buys
            else (fill.maker_account_id, fill.taker_account_id)
        )
        base, quote = m.inst.base_ccy, m.inst.quote_ccy
        base_amt = fill.sz * m.per_lot
        quote_amt = fill.px * fill.sz * m.per_notional
        # What the buyer had frozen for these lots: at its own limit when it is a limit taker.
        reserved = (taker_px if taker_buys and taker_px else fill.px) * fill.sz * m.per_notional
        buyer_tier, seller_tier = self.fees.tier_for(buyer), self.fees.tier_for(seller)
        buyer_fee = fee_on(base_amt, buyer_tier.taker_ratio if taker_buys else buyer_tier.maker_ratio)
        seller_fee = fee_on(quote_amt, seller_tier.maker_ratio if taker_buys else seller_tier.taker_ratio)
        tid = fill.trade_id
        postings = [
            Posting(buyer, quote, reserved - quote_amt, -reserved, _TRADE, tid),
            Posting(buyer, base, base_amt, 0, _TRADE, tid),
            Posting(seller, base, 0, -base_amt, _TRADE, tid),
            Posting(seller, quote, quote_amt, 0, _TRADE, tid),
        ]
        fee_account = self.ledger.fee_account
        if buyer_fee:
            postings.append(Posting(buyer, base, -buyer_fee, 0, _FEE, tid))
            postings.append(Posting(fee_account, base, buyer_fee, 0, _FEE, tid))
        if seller_fee:
            postings.append(Posting(seller, quote, -seller_fee, 0, _FEE, tid))
            postings.append(Posting(fee_account, quote, seller_fee, 0, _FEE, tid))
        taker_fee, maker_fee = (buyer_fee, seller_fee) if taker_buys else (seller_fee, buyer_fee)
        out.append(
            Trade(fill, taker_fee, base if taker_buys else quote, maker_fee, quote if taker_buys else base)
        )
        out.extend(self.ledger.post(postings))
