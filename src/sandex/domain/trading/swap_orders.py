"""Admission of swap orders, in OKX's order: account mode (51010), tdMode, posSide, sizes in
contracts, price limit (51006, once marks are known), reduce-only/close (51169, 51170, 51112),
position tier vs leverage (51004); the margin check (51008) comes with the reservation.

What an order reserves: limit-priced ones per lot at their own price (`SwapListing.unit_need`);
market ones what a dry run of the match on the current book needs (+2 ledger units per lot for
per-fill rounding), the unused rest released when they finish. Net mode reserves the whole size
even when part of it will close (conservative). Orders that can only close reserve nothing.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import NamedTuple

from sandex.domain.derivatives.contracts import AcctLv, MgnMode, PosMode, PosSide
from sandex.domain.derivatives.marks import MAJOR_BAND, limit_band
from sandex.domain.derivatives.positions import PositionBook, PosKey
from sandex.domain.errors import Reason, Rejected
from sandex.domain.ledger.fees import FeeSchedule
from sandex.domain.matching.order import NewOrder, OrdType, Side, TgtCcy
from sandex.domain.matching.rules import size_lots
from sandex.domain.trading.commands import OrderSpec, to_new_order
from sandex.domain.trading.swap_listing import SwapListing, SwapTerms, ceil_div, margin_of

_BUY = Side.BUY
_MARKET = OrdType.MARKET
_OPTIMAL = OrdType.OPTIMAL_LIMIT_IOC


class SwapOrder(NamedTuple):
    req: NewOrder
    terms: SwapTerms
    reserve: int
    budget: bool  # market-like: `reserve` is spent fill by fill and the rest released at the end


class Marks(NamedTuple):
    mark: int  # ticks
    index_px: Decimal
    sell_lmt: int  # ticks: the lowest sell price allowed
    buy_lmt: int  # ticks: the highest buy price allowed


def price_limits(mark: int, band: Decimal) -> tuple[int, int]:
    """(sell limit, buy limit) in ticks around a mark in ticks: inside the band, on the tick grid
    (the same bounds `marks.price_limit` publishes on `public/price-limit`)."""
    width = int(mark * band)  # rounded toward the mark: never wider than the band
    return max(mark - width, 1), mark + width


class SwapDesk:
    """Swap positions, settings and marks of one environment, and the admission of swap orders."""

    def __init__(self, book: PositionBook, fees: FeeSchedule) -> None:
        self.book = book
        self.fees = fees
        self.marks: dict[str, Marks] = {}

    def set_mark(self, inst_id: str, mark: int, index: Decimal, band: Decimal = MAJOR_BAND) -> None:
        """New marks of a swap; `band`: its price-limit band (`marks.limit_band`: the default is
        the 100x contracts' 2 %)."""
        sell_lmt, buy_lmt = price_limits(mark, band)
        self.marks[inst_id] = Marks(mark, index, sell_lmt, buy_lmt)

    def admit(
        self, m: SwapListing, account_id: int, cmd: OrderSpec, *, liquidation: bool = False
    ) -> SwapOrder | Rejected:
        """`liquidation`: the order that liquidates the position it closes (see `_closing`)."""
        settings = self.book.settings_of(account_id)
        if settings.acct_lv is not AcctLv.FUTURES:
            return Rejected(Reason.SWAP_ACCOUNT_MODE)
        if cmd.td_mode not in (MgnMode.CROSS.value, MgnMode.ISOLATED.value):
            return Rejected.of(Reason.PARAM_ERROR, field="tdMode")
        mgn_mode = MgnMode(cmd.td_mode)
        pos_side = _pos_side(settings.pos_mode, cmd.pos_side)
        if pos_side is None:
            return Rejected.of(Reason.PARAM_ERROR, field="posSide")
        req = self._new_order(m, account_id, cmd)
        if isinstance(req, Rejected):
            return req
        refused = self._price_limit(m, req) or self._closing(
            m, account_id, mgn_mode, pos_side, req, cmd, liquidation
        )
        if refused is not None:
            return refused
        closing = cmd.reduce_only or (
            pos_side is not PosSide.NET and (pos_side is PosSide.LONG) != (req.side is _BUY)
        )
        lever = self.book.lever(account_id, m.inst.inst_id, mgn_mode, pos_side, m.spec.max_lever)
        tier = self.fees.tier_for(account_id)
        terms = SwapTerms(mgn_mode, pos_side, cmd.reduce_only, closing, lever, max(tier.maker, tier.taker))
        refused = None if closing else self._tier(m, account_id, terms, req)
        if refused is not None:
            return refused
        budget = req.ord_type is _MARKET or req.ord_type is _OPTIMAL
        reserve = self._reserve(m, req, terms) if budget else req.sz * m.unit_need(req.px, terms)
        return SwapOrder(req, terms, reserve, budget)

    def _new_order(self, m: SwapListing, account_id: int, cmd: OrderSpec) -> NewOrder | Rejected:
        """Engine units: sizes in contracts (market orders too); optimal_limit_ioc priced at the
        price limit on its side (without marks yet: the best opposite price ± the band)."""
        if cmd.ord_type is _MARKET:
            return to_new_order(m.inst, account_id, replace(cmd, tgt_ccy=TgtCcy.BASE_CCY))
        if cmd.ord_type is not _OPTIMAL:
            return to_new_order(m.inst, account_id, cmd)
        lots = size_lots(m.inst, cmd.sz)
        if isinstance(lots, Rejected):
            return lots
        buy = cmd.side is _BUY
        marks = self.marks.get(m.inst.inst_id)
        if marks is not None:
            px = marks.buy_lmt if buy else marks.sell_lmt
        else:
            best = m.engine.best_ask() if buy else m.engine.best_bid()
            px = 1 if best is None else price_limits(best, limit_band(m.spec))[1 if buy else 0]
        return NewOrder(
            account_id, cmd.side, _OPTIMAL, lots, px, TgtCcy.BASE_CCY, cmd.cl_ord_id, cmd.tag, cmd.stp_mode
        )

    def _price_limit(self, m: SwapListing, req: NewOrder) -> Rejected | None:
        if req.ord_type is _MARKET or req.ord_type is _OPTIMAL:
            return None
        return self.price_limit(m, req.side, req.px)

    def price_limit(self, m: SwapListing, side: Side, px: int) -> Rejected | None:
        """51006 when `px` (ticks) is outside the price limit of the last marks (none before them)."""
        marks = self.marks.get(m.inst.inst_id)
        if marks is None:
            return None
        if (side is _BUY and px > marks.buy_lmt) or (side is not _BUY and px < marks.sell_lmt):
            tick = m.inst.tick_sz
            return Rejected.of(
                Reason.SWAP_PRICE_LIMIT,
                buy_lmt=str(marks.buy_lmt * tick),
                sell_lmt=str(marks.sell_lmt * tick),
            )
        return None

    def _closing(
        self,
        m: SwapListing,
        account_id: int,
        mgn_mode: MgnMode,
        pos_side: PosSide,
        req: NewOrder,
        cmd: OrderSpec,
        liquidation: bool = False,
    ) -> Rejected | None:
        """Reduce-only orders and long/short closes need a position to close, in the other direction.
        With the close orders already pending, no more than the position (51169/51112); except a
        liquidation's order: the position's own close orders yield to it (what they then close
        beyond the rest is canceled once it has filled, `excess_closes`)."""
        buy = req.side is _BUY
        if pos_side is PosSide.NET:
            if not cmd.reduce_only:
                return None
            pos = self.book.get(PosKey(account_id, m.inst.inst_id, mgn_mode, PosSide.NET))
            if pos is None or pos.pos == 0:
                return Rejected(Reason.SWAP_NO_POSITION_TO_REDUCE)
            if (pos.pos > 0) == buy:
                return Rejected(Reason.SWAP_REDUCE_SAME_DIRECTION)
            # with the reduce-only orders already pending, no more than the position (OKX)
            pending = 0 if liquidation else self.pending_close(m, account_id, mgn_mode, PosSide.NET)
            if req.sz > pos.size - pending:
                return Rejected(Reason.SWAP_CLOSE_EXCEEDS_POSITION)
            return None
        if (pos_side is PosSide.LONG) == buy:  # opens (reduce-only here: nothing to reduce in that way)
            return Rejected(Reason.SWAP_REDUCE_SAME_DIRECTION) if cmd.reduce_only else None
        pos = self.book.get(PosKey(account_id, m.inst.inst_id, mgn_mode, pos_side))
        if pos is None or pos.pos == 0:
            return Rejected(Reason.SWAP_NO_POSITION_TO_REDUCE)
        pending = 0 if liquidation else self.pending_close(m, account_id, mgn_mode, pos_side)
        if req.sz > pos.size - pending:
            return Rejected(Reason.SWAP_CLOSE_EXCEEDS_POSITION)
        return None

    def excess_closes(self, m: SwapListing, key: PosKey) -> list[int]:
        """Pending close orders of `key`'s position beyond what it holds (newest first), and in net
        mode reduce-only orders that would no longer reduce it."""
        pos = self.book.get(key)
        held = 0 if pos is None else pos.size
        closes = [
            (ord_id, side, left)
            for ord_id, side, left in m.engine.remaining(key.account_id)
            if (t := m.terms.get(ord_id)) is not None
            and t.closing
            and t.mgn_mode is key.mgn_mode
            and t.pos_side is key.pos_side
        ]
        out: list[int] = []
        total = sum(left for _, _, left in closes)
        for ord_id, side, left in sorted(closes, reverse=True):  # newest (highest id) first
            wrong_way = key.pos_side is PosSide.NET and pos is not None and (pos.pos > 0) == (side is _BUY)
            if total > held or wrong_way:
                out.append(ord_id)
                total -= left
        return out

    def pending_close(self, m: SwapListing, account_id: int, mgn_mode: MgnMode, pos_side: PosSide) -> int:
        """Lots pending orders of the account would close on that position (long/short mode)."""
        total = 0
        for ord_id, _, left in m.engine.remaining(account_id):
            t = m.terms.get(ord_id)
            if t is not None and t.closing and t.mgn_mode is mgn_mode and t.pos_side is pos_side:
                total += left
        return total

    def _tier(self, m: SwapListing, account_id: int, terms: SwapTerms, req: NewOrder) -> Rejected | None:
        """The position this order could make (with pending orders the same way) must fit the
        largest tier whose max leverage allows the current one (51004)."""
        allowed = [t for t in m.spec.tiers if t.max_lever >= terms.lever]
        if not allowed:
            return None
        max_lots = int(allowed[-1].max_sz / m.inst.lot_sz)
        pos = self.book.get(PosKey(account_id, m.inst.inst_id, terms.mgn_mode, terms.pos_side))
        buy = req.side is _BUY
        held = 0 if pos is None else (pos.size if pos.long == buy or terms.pos_side is not PosSide.NET else 0)
        pending = 0
        for ord_id, side, left in m.engine.remaining(account_id):
            t = m.terms.get(ord_id)
            if t is not None and not t.closing and t.pos_side is terms.pos_side and (side is _BUY) == buy:
                pending += left
        if held + pending + req.sz <= max_lots:
            return None
        lot = m.inst.lot_sz
        return Rejected.of(
            Reason.SWAP_TIER_EXCEEDED,
            inst_id=m.inst.inst_id,
            max_sz=str(allowed[-1].max_sz),
            lever=str(terms.lever),
            sz=str(req.sz * lot),
            pos=str(held * lot),
            pending=str(pending * lot),
        )

    @staticmethod
    def _reserve(m: SwapListing, req: NewOrder, terms: SwapTerms) -> int:
        """A market order's budget: what its dry-run match needs, with per-fill rounding room."""
        if terms.closing:
            return 0
        lots, notional = m.engine.fillable(req.side, req.px, req.sz, req.account_id, req.stp_mode)
        units = notional * m.per_notional
        num, den = terms.fee_ratio
        return margin_of(units, terms.lever) + ceil_div(units * num, den) + 2 * lots


def _pos_side(pos_mode: PosMode, asked: PosSide | None) -> PosSide | None:
    """The position an order is for: net in net mode, long/short (required) in long/short mode."""
    if pos_mode is PosMode.NET:
        return PosSide.NET if asked in (None, PosSide.NET) else None
    return asked if asked in (PosSide.LONG, PosSide.SHORT) else None
