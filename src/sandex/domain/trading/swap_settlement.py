"""Settling swap fills into positions, margin, realised PnL and fees (the contract's money model).

Per side of a fill of n lots at px: a net-mode fill first closes the opposite position, then opens
the rest; in long/short mode an order opens or closes its own side. Close c of |pos| lots:
released = margin*c/|pos| (all of it on the last lot), pnl = ±(c*px - cost_of_c)*per_notional;
the clearing account pays the user released + pnl, and when that is negative the user pays it
(isolated: nothing beyond the margin; cross: from its available cash), the insurance fund the
rest. Open o lots: `ceil(o*px*per_notional/lever)` goes from the order's reservation to clearing.
The fee goes to the fee account last (credits before debits). A fill never takes more than the
account has: in the rare case its reservation falls short (a sell filled above its limit, a
reduce-only order that ends up opening), the fee and then the margin are capped at what is there.
"""

from __future__ import annotations

from sandex.domain.derivatives.contracts import MgnMode, PosSide
from sandex.domain.derivatives.positions import Position, PositionBook, PosKey
from sandex.domain.ledger.balances import Ledger
from sandex.domain.ledger.fees import FeeSchedule, fee_on
from sandex.domain.ledger.postings import Posting, PostingReason
from sandex.domain.matching.events import Fill, MatchEvent, OrderCanceled
from sandex.domain.matching.order import Side
from sandex.domain.trading.events import Event, PositionFill, Trade
from sandex.domain.trading.swap_listing import SwapListing, SwapTerms, margin_of

_TRADE = PostingReason.TRADE
_FEE = PostingReason.FEE
_BUY = Side.BUY
OPEN_LONG, OPEN_SHORT, CLOSE_LONG, CLOSE_SHORT = 3, 4, 5, 6


class SwapSettler:
    """Settles swap fills of one environment (the listing comes with each batch)."""

    def __init__(
        self, ledger: Ledger, fees: FeeSchedule, book: PositionBook, clearing: int, insurance: int
    ) -> None:
        self.ledger = ledger
        self.fees = fees
        self.book = book
        self.clearing = clearing
        self.insurance = insurance
        self.reduced: set[PosKey] = set()  # positions fills closed from (their close orders get trimmed)

    def apply(
        self,
        m: SwapListing,
        events: list[MatchEvent],
        taker_px: int,
        out: list[Event],
        budgets: dict[int, int] | None = None,
    ) -> None:
        """Append `events` with money attached. `taker_px`: the taker's limit (0: market);
        `budgets`: what market-like takers reserved, spent fill by fill (what is left stays).
        Finished orders keep their terms in `m.terms` until whoever records them drops them
        (`SwapListing.forget`): their rows need them."""
        for ev in events:
            if type(ev) is Fill:
                self._settle_fill(m, ev, taker_px, out, budgets or {})
            elif type(ev) is OrderCanceled:
                out.append(ev)
                order = ev.order
                if budgets is None or order.ord_id not in budgets:  # a budget is released at its end
                    ccy = m.settle_ccy
                    out.extend(self.ledger.unfreeze(order.account_id, ccy, m.need_of(order), order.ord_id))
            else:
                out.append(ev)

    def _settle_fill(
        self, m: SwapListing, fill: Fill, taker_px: int, out: list[Event], budgets: dict[int, int]
    ) -> None:
        taker_buys = fill.taker_side is _BUY
        maker_px = fill.px
        taker_fee = self._side(
            m, fill, fill.taker_account_id, fill.taker_ord_id, taker_buys, True, taker_px or fill.px, budgets
        )
        maker_fee = self._side(
            m, fill, fill.maker_account_id, fill.maker_ord_id, not taker_buys, False, maker_px, budgets
        )
        ccy = m.settle_ccy
        trade = Trade(fill, taker_fee[0], ccy, maker_fee[0], ccy)
        out.append(trade)
        out.extend(taker_fee[1])
        out.extend(maker_fee[1])

    def _side(
        self,
        m: SwapListing,
        fill: Fill,
        account: int,
        ord_id: int,
        buy: bool,
        taker: bool,
        order_px: int,
        budgets: dict[int, int],
    ) -> tuple[int, list[Event]]:
        """Settle one side; (fee charged, its events). Events are applied to the ledger here."""
        terms = m.terms[ord_id]
        n, px, pn, ccy, tid = fill.sz, fill.px, m.per_notional, m.settle_ccy, fill.trade_id
        tier = self.fees.tier_for(account)
        fee_want = fee_on(n * px * pn, tier.taker_ratio if taker else tier.maker_ratio)
        pos = self.book.get(_key(account, fill.inst_id, terms))
        closed, opened = _split(pos, terms, n, buy)
        margin_want = margin_of(opened * px * pn, terms.lever)
        # what the order's reservation gives back for these lots
        if ord_id in budgets:
            share = min(budgets[ord_id], margin_want + fee_want)
            budgets[ord_id] -= share
        else:
            share = n * m.unit_need(order_px, terms)
        share_close = share * closed // n
        events: list[Event] = []
        spend = self.ledger.available(account, ccy)
        if closed:
            assert pos is not None
            spend, part = self._close(fill, pos, terms, ord_id, closed, share_close, spend, m)
            events.extend(part)
        spend += share - share_close
        fee = min(fee_want, spend)
        if opened:
            margin = min(margin_want, spend - fee)
            events.extend(
                self._open(m, fill, account, buy, terms, ord_id, opened, share - share_close, margin)
            )
        _book_fees(events, fee, closed, n)
        if fee:
            fee_posts = [
                Posting(account, ccy, -fee, 0, _FEE, tid),
                Posting(self.ledger.fee_account, ccy, fee, 0, _FEE, tid),
            ]
            events.extend(self.ledger.post(fee_posts))
        return fee, events

    def _close(
        self,
        fill: Fill,
        pos: Position,
        terms: SwapTerms,
        ord_id: int,
        c: int,
        share: int,
        spend: int,
        m: SwapListing,
    ) -> tuple[int, list[Event]]:
        """Close `c` lots of `pos`; (what the account can spend after, events)."""
        px, pn, ccy, tid, account = fill.px, m.per_notional, m.settle_ccy, fill.trade_id, pos.account_id
        size, long = pos.size, pos.long
        cost = pos.cost if c == size else pos.cost * c // size
        released = pos.margin if c == size else pos.margin * c // size
        pnl = (c * px - cost) * pn if long else (cost - c * px) * pn
        payout = released + pnl
        credit = max(payout, 0)
        loss = max(-payout, 0)
        paid = 0 if terms.mgn_mode is MgnMode.ISOLATED else min(loss, spend + share)
        covered = loss - paid  # the insurance fund's part
        pos.pos -= c if pos.pos > 0 else -c
        pos.cost -= cost
        pos.margin -= released
        pos.pnl += pnl
        pos.close_lots += c
        pos.close_cost += c * px
        pos.trade_id = tid
        pos.u_time = fill.ts
        pos.close_type = 2 if pos.pos == 0 else 1
        self.reduced.add(pos.key)
        if pos.pos == 0:
            self.book.close(pos)
        sub = CLOSE_LONG if long else CLOSE_SHORT
        bill = PositionFill(tid, ord_id, account, ccy, sub, c, px, pnl, 0, -released, pos)
        postings = [
            Posting(account, ccy, share + credit - paid, -share, _TRADE, tid),
            Posting(self.clearing, ccy, paid + covered - credit, 0, _TRADE, tid),
        ]
        if covered:
            postings.append(Posting(self.insurance, ccy, -covered, 0, _TRADE, tid))
        events: list[Event] = [bill]
        events.extend(self.ledger.post(postings))
        return spend + share + credit - paid, events

    def _open(
        self,
        m: SwapListing,
        fill: Fill,
        account: int,
        buy: bool,
        terms: SwapTerms,
        ord_id: int,
        o: int,
        share: int,
        margin: int,
    ) -> list[Event]:
        key = _key(account, fill.inst_id, terms)
        pos = self.book.get(key)
        if pos is None:
            pos = self.book.open(key, terms.lever, fill.ts)
        pos.pos += o if buy or terms.pos_side is not PosSide.NET else -o
        pos.cost += o * fill.px
        pos.margin += margin
        pos.open_max_pos = max(pos.open_max_pos, pos.size)
        pos.trade_id = fill.trade_id
        pos.u_time = fill.ts
        pos.close_type = None
        sub = OPEN_LONG if pos.long else OPEN_SHORT
        ccy, tid = m.settle_ccy, fill.trade_id
        bill = PositionFill(tid, ord_id, account, ccy, sub, o, fill.px, 0, 0, margin, pos)
        postings = [
            Posting(account, ccy, share - margin, -share, _TRADE, tid),
            Posting(self.clearing, ccy, margin, 0, _TRADE, tid),
        ]
        return [bill, *self.ledger.post(postings)]


def _book_fees(events: list[Event], fee: int, closed: int, n: int) -> None:
    """Each part's share of the fee on its position and bill; the bills get their own copy of the
    position as it is after this fill."""
    fee_close = fee * closed // n
    for i, ev in enumerate(events):
        if type(ev) is PositionFill:
            part = fee_close if ev.sub_type in (CLOSE_LONG, CLOSE_SHORT) else fee - fee_close
            ev.position.fee -= part
            events[i] = ev._replace(fee=part, position=ev.position.copy())


def _key(account: int, inst_id: str, terms: SwapTerms) -> PosKey:
    return PosKey(account, inst_id, terms.mgn_mode, terms.pos_side)


def _split(pos: Position | None, terms: SwapTerms, n: int, buy: bool) -> tuple[int, int]:
    """(lots closed, lots opened) by a fill of `n` lots on `buy`'s side."""
    held = 0 if pos is None else pos.size
    if terms.pos_side is PosSide.NET:
        opposite = pos is not None and held and (pos.pos < 0) == buy
        closed = min(held, n) if opposite else 0
        return closed, n - closed
    closes = (terms.pos_side is PosSide.LONG) != buy  # sell long / buy short
    if closes:
        return min(held, n), 0  # more than the position: prevented at placement (51112)
    return 0, n
