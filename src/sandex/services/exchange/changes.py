"""Turning one group commit's events into rows: orders, fills, the tape, postings (bills), balances.

Runs on the sequencer right after the batch was applied and before the next one is, so the
ledgers hold exactly the state after this batch: balances are read from them, and each posting's
"balance after" is found by walking the batch's postings backwards from there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import PosSide
from sandex.domain.derivatives.positions import Position
from sandex.domain.ids import IdGenerator
from sandex.domain.instruments import Instrument
from sandex.domain.ledger.postings import Posting, PostingReason
from sandex.domain.matching.events import ORDER_STEPS, OrderCanceled, OrderFilled, OrderStep
from sandex.domain.matching.order import CancelCause, OrderSnapshot, Side
from sandex.domain.trading import Exchange, Trade
from sandex.domain.trading.events import Event, Liquidated, PositionBill, PositionChanged, PositionFill
from sandex.domain.trading.swap_listing import SwapListing
from sandex.services.exchange.liquidations import liquidation_record
from sandex.services.exchange.records import (
    BalanceRecord,
    ChangeSet,
    ExecType,
    FillRecord,
    OrderEvent,
    PostingRecord,
    TradeRecord,
)
from sandex.services.exchange.swap_records import PositionRecord, PositionStep
from sandex.services.exchange.swap_units import note_terms, position_record
from sandex.services.exchange.units import OrderExtras, fee_ccy_of, px_of, record_of, sz_of

_TRADE = PostingReason.TRADE
_FEE = PostingReason.FEE
_MARGIN = PostingReason.MARGIN
_FUNDING = PostingReason.FUNDING
_ORDER_REFS = frozenset({PostingReason.FREEZE, PostingReason.UNFREEZE})


@dataclass(slots=True)
class _PendingFill:
    trade: Trade
    inst: Instrument
    taker: bool
    fee_rate: Decimal


@dataclass(slots=True)
class ChangeBuilder:
    """Collects the rows of one batch; `add` each command's events in order, then `finish`."""

    instruments: Mapping[str, Instrument]
    exchanges: Mapping[Environment, Exchange]
    extras: dict[int, OrderExtras]  # pending orders' extras, updated in place
    bill_ids: IdGenerator
    out: ChangeSet = field(default_factory=ChangeSet)
    _orders: dict[int, tuple[Environment, OrderSnapshot, CancelCause | None]] = field(default_factory=dict)
    _fills: list[tuple[Environment, _PendingFill]] = field(default_factory=list)
    _postings: list[tuple[Environment, int, Posting, int | None, str, int]] = field(default_factory=list)
    # index in _postings -> what its swap bill shows (sub_type, pnl, pos_bal_chg, sz, px, mgn_mode)
    _bill_parts: dict[int, tuple[int, int, int, Decimal | None, Decimal | None, str]] = field(
        default_factory=dict
    )
    _waiting_part: dict[tuple[Environment, int, int], PositionFill] = field(default_factory=dict)
    # funding/liquidation bills waiting for their posting: (env, account, reason, ref) -> the bill
    _waiting_bill: dict[tuple[Environment, int, PostingReason, int], PositionBill] = field(
        default_factory=dict
    )
    _fill_pnl: dict[tuple[int, int], int] = field(default_factory=dict)  # (trade, order) -> pnl
    _positions: dict[tuple[Environment, int], PositionRecord] = field(default_factory=dict)
    _pos_sides: dict[int, PosSide] = field(default_factory=dict)  # swap orders of this batch
    _seen_positions: dict[int, Position] = field(default_factory=dict)  # positions seen in this batch
    _fill_bills: dict[tuple[int, int, str], int] = field(default_factory=dict)  # (trade, account, ccy)
    _trade_orders: dict[int, tuple[str, dict[int, int]]] = field(default_factory=dict)
    with_events: bool = False  # also record every step of every order (`ChangeSet.order_events`)
    # each step with the trade id of its fill (None: not a fill)
    _steps: list[tuple[Environment, OrderSnapshot, CancelCause | None, OrderExtras, int | None]] = field(
        default_factory=list
    )

    def add(self, environment: Environment, events: Sequence[Event], ts: int) -> None:
        for ev in events:
            if isinstance(ev, Posting):
                self._posting(environment, ev, ts)
            elif isinstance(ev, Trade):
                self._trade(environment, ev)
            elif isinstance(ev, ORDER_STEPS):
                self._order_step(environment, ev)
            elif isinstance(ev, PositionFill):
                self._position_fill(environment, ev)
            elif isinstance(ev, PositionChanged):
                self._position(environment, ev.position, ev.event_type, None)
            elif isinstance(ev, PositionBill):  # its posting comes next
                self._waiting_bill[(environment, ev.account_id, ev.reason, ev.ref)] = ev
            elif isinstance(ev, Liquidated):
                self._liquidated(environment, ev)

    def _liquidated(self, environment: Environment, ev: Liquidated) -> None:
        """A public liquidation order's row; its order shows the liquidation's `category`."""
        self.out.liquidations.append(liquidation_record(environment, ev, self.instruments[ev.inst_id]))
        if ev.ord_id is not None:
            self.extras.setdefault(ev.ord_id, OrderExtras()).category = ev.category

    def _position_fill(self, environment: Environment, ev: PositionFill) -> None:
        """A swap fill's part: the position's new state, its bill (the next TRADE posting of that
        account for that trade), the order's and fill's PnL."""
        self._waiting_part[(environment, ev.account_id, ev.trade_id)] = ev
        key = (ev.trade_id, ev.ord_id)
        self._fill_pnl[key] = self._fill_pnl.get(key, 0) + ev.pnl
        self.extras.setdefault(ev.ord_id, OrderExtras()).pnl += ev.pnl
        self._position(environment, ev.position, "filled", ev.trade_id)

    def _position(
        self, environment: Environment, pos: Position, event_type: str, trade_id: int | None
    ) -> None:
        record = position_record(environment, pos, self.instruments[pos.inst_id])
        self._positions[(environment, pos.pos_id)] = record
        self.out.position_steps.append(PositionStep(record, event_type, trade_id))

    def _order_step(self, environment: Environment, ev: OrderStep) -> None:
        snap = ev.order
        if self.instruments[snap.inst_id].contract is not None:  # a swap order: its terms, once
            self._note_swap_terms(environment, snap)
        cause = ev.cause if isinstance(ev, OrderCanceled) else None
        self._orders[snap.ord_id] = (environment, snap, cause)
        if self.with_events:  # the order's extras as they are now (a fill's trade was added just before)
            extras = self.extras.get(snap.ord_id)
            now = replace(extras) if extras is not None else OrderExtras()
            trade_id = ev.fill.trade_id if isinstance(ev, OrderFilled) else None
            self._steps.append((environment, snap, cause, now, trade_id))

    def _note_swap_terms(self, environment: Environment, snap: OrderSnapshot) -> None:
        extras = self.extras.get(snap.ord_id)
        if extras is not None and extras.lever is not None:
            return
        listing = self.exchanges[environment].listing(snap.inst_id)
        if type(listing) is SwapListing and snap.ord_id in listing.terms:
            note_terms(self.extras.setdefault(snap.ord_id, OrderExtras()), listing.terms[snap.ord_id])

    def _posting(self, environment: Environment, p: Posting, ts: int) -> None:
        bill = self.bill_ids.next_id()
        ord_id: int | None = None
        inst_id = ""
        if p.reason in _ORDER_REFS:
            ord_id = p.ref
            known = self._orders.get(p.ref)
            inst_id = known[1].inst_id if known is not None else ""
        elif p.reason is _TRADE or p.reason is _FEE:
            inst_id, by_account = self._trade_orders.get(p.ref, ("", {}))
            ord_id = by_account.get(p.account_id)
            if p.reason is _TRADE:
                self._fill_bills.setdefault((p.ref, p.account_id, p.ccy), bill)
                part = self._waiting_part.pop((environment, p.account_id, p.ref), None)
                if part is not None:
                    self._bill_parts[len(self._postings)] = self._part(part)
        elif (environment, p.account_id, p.reason, p.ref) in self._waiting_bill:  # funding, liquidation
            bill_part = self._waiting_bill.pop((environment, p.account_id, p.reason, p.ref))
            self._bill_parts[len(self._postings)] = self._part(bill_part)
            inst_id = bill_part.position.inst_id
        elif p.reason is _MARGIN or p.reason is _FUNDING:
            inst_id = self._position_bill(environment, p)
        self._postings.append((environment, bill, p, ord_id, inst_id, ts))

    def _position_bill(self, environment: Environment, p: Posting) -> str:
        """A user's margin move (type 6: 160 add, 161 reduce) or funding payment (type 8: 173
        expense, 174 income; `pnl` the amount) on the position `p.ref`; its instrument."""
        x = self.exchanges[environment]
        pos = self._pos_by_id(x, p.ref)
        if pos is None or p.account_id in (x.clearing_account, x.insurance_account):
            return "" if pos is None else pos.inst_id
        delta = p.delta_available
        if p.reason is _MARGIN:
            part = (160 if delta < 0 else 161, 0, -delta, None, None, pos.mgn_mode.value)
        else:
            part = (173 if delta < 0 else 174, delta, 0, None, None, pos.mgn_mode.value)
        self._bill_parts[len(self._postings)] = part
        return pos.inst_id

    def _pos_by_id(self, x: Exchange, pos_id: int) -> Position | None:
        """A position by id: live in the book, or recorded in this batch (closed since)."""
        found = next((q for q in x.swaps.book.positions.values() if q.pos_id == pos_id), None)
        if found is not None:
            return found
        return self._seen_positions.get(pos_id)

    def _trade(self, environment: Environment, trade: Trade) -> None:
        fill = trade.fill
        inst = self.instruments[fill.inst_id]
        px, sz = px_of(inst, fill.px), sz_of(inst, fill.sz)
        self.out.trades.append(
            TradeRecord(fill.trade_id, environment, fill.inst_id, px, sz, fill.taker_side, fill.ts)
        )
        self._trade_orders[fill.trade_id] = (
            fill.inst_id,
            {fill.taker_account_id: fill.taker_ord_id, fill.maker_account_id: fill.maker_ord_id},
        )
        fees = self.exchanges[environment].fees
        for taker, ord_id, account, fee in (
            (True, fill.taker_ord_id, fill.taker_account_id, trade.taker_fee),
            (False, fill.maker_ord_id, fill.maker_account_id, trade.maker_fee),
        ):
            extras = self.extras.setdefault(ord_id, OrderExtras())
            extras.fee += fee
            extras.last_trade_id, extras.last_fill_px, extras.last_fill_sz = fill.trade_id, px, sz
            extras.last_fill_time = fill.ts
            tier = fees.tier_for(account)
            rate = tier.taker if taker else tier.maker
            self._fills.append((environment, _PendingFill(trade, inst, taker, rate)))

    def finish(self) -> ChangeSet:
        self.out.positions.extend(self._positions.values())
        self._finish_orders()
        self._finish_fills()
        self._finish_steps()
        self._finish_postings()
        return self.out

    def _finish_steps(self) -> None:
        """Each step of each order, a fill linked to that order's side of the trade."""
        if not self._steps:
            return
        fills = {(f.trade_id, f.ord_id): f for f in self.out.fills}
        for environment, snap, cause, extras, trade_id in self._steps:
            record = record_of(snap, self.instruments[snap.inst_id], environment, extras, cause)
            fill = None if trade_id is None else fills[(trade_id, snap.ord_id)]
            self.out.order_events.append(OrderEvent(record, fill))

    def _finish_orders(self) -> None:
        for environment, snap, cause in self._orders.values():
            inst = self.instruments[snap.inst_id]
            extras = self.extras.get(snap.ord_id) or OrderExtras()
            self.out.orders.append(record_of(snap, inst, environment, extras, cause))
            if extras.pos_side is not None:
                self._pos_sides[snap.ord_id] = extras.pos_side
            if not snap.is_pending:
                self.extras.pop(snap.ord_id, None)
                if inst.contract is not None:  # its terms are no longer needed
                    listing = self.exchanges[environment].listing(snap.inst_id)
                    if type(listing) is SwapListing:
                        listing.forget(snap.ord_id)

    def _finish_fills(self) -> None:
        for environment, pf in self._fills:
            fill = pf.trade.fill
            if pf.taker:
                ord_id, account, side, fee = (
                    fill.taker_ord_id,
                    fill.taker_account_id,
                    fill.taker_side,
                    pf.trade.taker_fee,
                )
            else:
                ord_id, account, fee = fill.maker_ord_id, fill.maker_account_id, pf.trade.maker_fee
                side = Side.SELL if fill.taker_side is Side.BUY else Side.BUY
            fee_ccy = fee_ccy_of(pf.inst, side)
            known = self._orders.get(ord_id)
            cl_ord_id, tag = (known[1].cl_ord_id, known[1].tag) if known is not None else ("", "")
            self.out.fills.append(
                FillRecord(
                    self._fill_bills.get((fill.trade_id, account, fee_ccy), 0),
                    fill.trade_id,
                    environment,
                    ord_id,
                    account,
                    fill.inst_id,
                    side,
                    px_of(pf.inst, fill.px),
                    sz_of(pf.inst, fill.sz),
                    ExecType.TAKER if pf.taker else ExecType.MAKER,
                    fee,
                    fee_ccy,
                    pf.fee_rate,
                    cl_ord_id,
                    tag,
                    fill.ts,
                    *self._swap_fill(environment, pf.inst, ord_id, fill.trade_id),
                )
            )

    def _swap_fill(
        self, environment: Environment, inst: Instrument, ord_id: int, trade_id: int
    ) -> tuple[PosSide | None, int, Decimal | None]:
        """A swap fill's (pos_side, fill_pnl, fill_mark_px); spot fills have none."""
        if inst.contract is None:
            return None, 0, None
        marks = self.exchanges[environment].swaps.marks.get(inst.inst_id)
        mark = None if marks is None else px_of(inst, marks.mark)
        return self._pos_sides.get(ord_id), self._fill_pnl.get((trade_id, ord_id), 0), mark

    def _part(
        self, part: PositionFill | PositionBill
    ) -> tuple[int, int, int, Decimal | None, Decimal | None, str]:
        inst = self.instruments[part.position.inst_id]
        return (
            part.sub_type,
            part.pnl,
            part.pos_bal_chg,
            sz_of(inst, part.lots),
            px_of(inst, part.px),
            part.position.mgn_mode.value,
        )

    def _finish_postings(self) -> None:
        """Postings with the balance after each, and the final balance of everything touched."""
        running: dict[tuple[Environment, int, str], list[int]] = {}
        afters: list[tuple[int, int]] = []
        for environment, _bill, p, _ord, _inst, _ts in reversed(self._postings):
            key = (environment, p.account_id, p.ccy)
            bal = running.get(key)
            if bal is None:
                now = self.exchanges[environment].ledger.balance(p.account_id, p.ccy)
                bal = running[key] = [now.available, now.frozen]
            afters.append((bal[0], bal[1]))
            bal[0] -= p.delta_available
            bal[1] -= p.delta_frozen
        afters.reverse()
        last_ts: dict[tuple[Environment, int, str], int] = {}
        for i, ((environment, bill, p, ord_id, inst_id, ts), (avail, frozen)) in enumerate(
            zip(self._postings, afters, strict=True)
        ):
            part = self._bill_parts.get(i, ())
            self.out.postings.append(
                PostingRecord(
                    bill,
                    p.account_id,
                    p.ccy,
                    p.delta_available,
                    p.delta_frozen,
                    avail,
                    frozen,
                    p.reason,
                    p.ref,
                    ord_id,
                    inst_id,
                    ts,
                    *part,
                )
            )
            last_ts[(environment, p.account_id, p.ccy)] = ts
        for (environment, account, ccy), ts in last_ts.items():
            now = self.exchanges[environment].ledger.balance(account, ccy)
            self.out.balances.append(BalanceRecord(account, ccy, now.available, now.frozen, ts))
