"""The exchange core as one pure object: instrument rules + matching engines + ledger + fees.

Each command runs checks first (instrument, tick/lot/min size, clOrdId, pending limits, post-only,
then funds) and changes nothing when any of them refuses: the answer is then a single
`OrderRejected`. Otherwise the engine runs and its events come back with the money attached:
`Trade` instead of each `Fill`, and every ledger `Posting` right after the event that caused it.
Deposits, withdrawals and transfers go straight to `exchange.ledger`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from sandex.domain.derivatives.positions import PositionBook, PosKey
from sandex.domain.errors import Reason, Rejected
from sandex.domain.ids import IdGenerator, SequentialIds
from sandex.domain.instruments import Instrument, InstrumentState
from sandex.domain.ledger.balances import BalanceRow, Ledger
from sandex.domain.ledger.fees import FeeSchedule
from sandex.domain.ledger.postings import Posting
from sandex.domain.matching.engine import MatchingEngine
from sandex.domain.matching.events import (
    Action,
    MatchEvent,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
)
from sandex.domain.matching.order import RESTING_TYPES, CancelCause, NewOrder, OrderSnapshot, OrdType
from sandex.domain.matching.rules import DEFAULT_LIMITS, TradingLimits
from sandex.domain.trading.commands import AmendSpec, CancelSpec, OrderSpec, amend_units, to_new_order
from sandex.domain.trading.events import Event
from sandex.domain.trading.listing import Listing
from sandex.domain.trading.settlement import Settler
from sandex.domain.trading.swap_listing import SwapListing
from sandex.domain.trading.swap_orders import SwapDesk
from sandex.domain.trading.swap_settlement import SwapSettler

CLEARING_ACCOUNT = -1  # default ids of the swap clearing account and insurance fund (pure tests)
INSURANCE_ACCOUNT = -2


class Exchange:
    def __init__(
        self,
        instruments: Iterable[Instrument],
        ledger: Ledger,
        *,
        order_ids: IdGenerator,
        trade_ids: IdGenerator,
        fees: FeeSchedule | None = None,
        limits: TradingLimits = DEFAULT_LIMITS,
        positions: PositionBook | None = None,
        clearing_account: int = CLEARING_ACCOUNT,
        insurance_account: int = INSURANCE_ACCOUNT,
        stamps: SequentialIds | None = None,
    ) -> None:
        self.ledger = ledger
        self.fees = fees or FeeSchedule()
        self.limits = limits
        self._order_ids = order_ids
        stamps = stamps if stamps is not None else SequentialIds()  # time priority, all books' one
        self._markets: dict[str, Listing] = {
            inst.inst_id: (SwapListing if inst.contract is not None else Listing).open(
                inst, trade_ids, limits, stamps
            )
            for inst in instruments
        }
        self._settler = Settler(ledger, self.fees)
        # swaps: positions, settings, marks; clearing and insurance may go negative (ledger overdraft)
        ledger.overdraft = ledger.overdraft | {clearing_account, insurance_account}
        self.clearing_account, self.insurance_account = clearing_account, insurance_account
        book = positions if positions is not None else PositionBook(SequentialIds())
        self.swaps = SwapDesk(book, self.fees)
        self._swap_settler = SwapSettler(ledger, self.fees, book, clearing_account, insurance_account)
        # Per account, the markets where it may have pending orders (a superset: entries are only
        # added), so account-wide checks visit those instead of every market of the catalogue.
        self._active: dict[int, list[Listing]] = {}

    # --- commands ------------------------------------------------------------------------------
    def place(self, account_id: int, cmd: OrderSpec, ts: int) -> list[Event]:
        m = self._markets.get(cmd.inst_id)
        if type(m) is SwapListing:
            return self._place_swap(m, account_id, cmd, ts)
        req = self._admit(m, account_id, cmd)
        if isinstance(req, Rejected):
            return [OrderRejected(Action.PLACE, cmd.inst_id, account_id, 0, cmd.cl_ord_id, req, ts)]
        assert m is not None
        ccy = m.reserve_ccy(req.side)
        reserve = m.reserve_for(req)
        if self.ledger.available(req.account_id, ccy) < reserve:
            refused = Rejected.of(Reason.INSUFFICIENT_BALANCE, ccy=ccy)
            return [OrderRejected(Action.PLACE, cmd.inst_id, account_id, 0, cmd.cl_ord_id, refused, ts)]
        ord_id = self._order_ids.next_id()
        self._note_active(req.account_id, m)
        events = m.engine.place(ord_id, req, ts, checked=True)
        out: list[Event] = [events[0]]
        out.extend(self._freeze(req.account_id, ccy, reserve, ord_id))
        self._settler.apply(m, events[1:], req.px, out)
        if req.ord_type is OrdType.MARKET:  # finished by now: give back what it did not spend
            final = _final_state(events, ord_id)
            out.extend(self.ledger.unfreeze(req.account_id, ccy, reserve - m.spent_by(final), ord_id))
        return out

    def amend(self, account_id: int, cmd: AmendSpec, ts: int) -> list[Event]:
        target = self._target(Action.AMEND, cmd.inst_id, account_id, cmd.ord_id, cmd.cl_ord_id, ts)
        if isinstance(target, OrderRejected):
            return [target]
        m, ord_id = target
        if cmd.attach_algo_ords and cmd.new_sz is None and cmd.new_px is None:
            return self._touch(m, account_id, ord_id, ts)
        plan = self._plan_amend(m, account_id, cmd, ord_id)
        if isinstance(plan, Rejected):
            events = m.engine.fail_amend(account_id, ord_id, plan, ts, cxl_on_fail=cmd.cxl_on_fail)
            out: list[Event] = []
            self._settle(m, events, 0, out, ts)
            return out
        events = m.engine.amend(account_id, ord_id, plan.new_sz, plan.new_px, ts, checked=True)
        out = [events[0]]
        if plan.delta >= 0:
            out.extend(self._freeze(account_id, plan.ccy, plan.delta, ord_id))
        else:
            out.extend(self.ledger.unfreeze(account_id, plan.ccy, -plan.delta, ord_id))
        if len(events) > 1:  # the new price crossed: fills, maybe cancels
            self._settle(m, events[1:], plan.px, out, ts)
        return out

    @staticmethod
    def _touch(m: Listing, account_id: int, ord_id: int, ts: int) -> list[Event]:
        """An amend of only the order's attached TP/SL (the caller's part): the order changes
        nothing but its update time, and reports that as an amend."""
        order = m.engine.order(ord_id)
        if order is None or order.account_id != account_id:
            refused = Rejected(Reason.AMEND_FAILED)
            return list(m.engine.fail_amend(account_id, ord_id, refused, ts, cxl_on_fail=False))
        return list(m.engine.amend(account_id, ord_id, None, None, ts, checked=True))

    def cancel(self, account_id: int, cmd: CancelSpec, ts: int) -> list[Event]:
        target = self._target(Action.CANCEL, cmd.inst_id, account_id, cmd.ord_id, cmd.cl_ord_id, ts)
        if isinstance(target, OrderRejected):
            return [target]
        m, ord_id = target
        out: list[Event] = []
        self._settle(m, m.engine.cancel(account_id, ord_id, ts), 0, out, ts)
        return out

    # --- reads ---------------------------------------------------------------------------------
    def engine(self, inst_id: str) -> MatchingEngine | None:
        """The instrument's engine, for book reads (best bid/ask, depth, order lookups)."""
        m = self._markets.get(inst_id)
        return None if m is None else m.engine

    def instruments(self) -> list[Instrument]:
        return [m.inst for m in self._markets.values()]

    def pending_orders(self, account_id: int, inst_id: str | None = None) -> list[OrderSnapshot]:
        markets = (
            self._markets.values() if inst_id is None else [m for m in [self._markets.get(inst_id)] if m]
        )
        return [o for m in markets for o in m.engine.pending_orders(account_id)]

    def reserved(self) -> dict[tuple[int, str], int]:
        """What every account must have frozen per currency for its resting orders (audits)."""
        out: dict[tuple[int, str], int] = {}
        for m in self._markets.values():
            for order in m.engine.resting_orders():
                need = m.need_of(order)
                if need:  # swap orders that can only close reserve nothing
                    key = (order.account_id, m.reserve_ccy(order.side))
                    out[key] = out.get(key, 0) + need
        return out

    # --- rebuild -------------------------------------------------------------------------------
    def restore(
        self,
        orders: Iterable[OrderSnapshot],
        balances: Iterable[BalanceRow],
        last_seqs: Mapping[str, int] | None = None,
    ) -> None:
        """Rebuild books and balances from storage (start the id generators above stored ids).

        `last_seqs`: per instrument, the highest order `seq` in the event log (see
        `MatchingEngine.restore`); without it priorities stay right but their numbers may differ.
        """
        by_inst: dict[str, list[OrderSnapshot]] = {inst_id: [] for inst_id in last_seqs or {}}
        for order in orders:
            by_inst.setdefault(order.inst_id, []).append(order)
        for inst_id, snaps in by_inst.items():
            m = self._markets.get(inst_id)
            if m is None:
                raise ValueError(f"stored orders for unknown instrument {inst_id}")
            m.engine.restore(snaps, last_seq=(last_seqs or {}).get(inst_id, 0))
            for snap in snaps:
                self._note_active(snap.account_id, m)
        self.ledger.restore(balances)

    # --- swaps ---------------------------------------------------------------------------------
    def place_liquidation(self, account_id: int, cmd: OrderSpec, ts: int) -> list[Event]:
        """A liquidation's order closing a swap position (`cmd`: reduce-only in net mode, else a
        close): placed like `place`, except that the position's own pending close orders do not
        hold it back (what they close beyond the rest is canceled once it has filled)."""
        return self._place_swap(self._swap_listing(cmd.inst_id), account_id, cmd, ts, liquidation=True)

    def trim_closes(self, key: PosKey, ts: int) -> list[Event]:
        """After `key`'s position shrank other than by a fill (a liquidation's take-over): its
        pending close orders beyond what is left are canceled (cancelSource 17)."""
        self._swap_settler.reduced.add(key)
        out: list[Event] = []
        self._trim_closes(self._swap_listing(key.inst_id), out, ts)
        return out

    def _swap_listing(self, inst_id: str) -> SwapListing:
        m = self._markets.get(inst_id)
        assert type(m) is SwapListing, f"{inst_id} is not a swap"
        return m

    def _place_swap(
        self, m: SwapListing, account_id: int, cmd: OrderSpec, ts: int, *, liquidation: bool = False
    ) -> list[Event]:
        def refused(why: Rejected) -> list[Event]:
            return [OrderRejected(Action.PLACE, cmd.inst_id, account_id, 0, cmd.cl_ord_id, why, ts)]

        if m.inst.state is not InstrumentState.LIVE:
            return refused(Rejected(Reason.INSTRUMENT_SUSPENDED))
        order = self.swaps.admit(m, account_id, cmd, liquidation=liquidation)
        if isinstance(order, Rejected):
            return refused(order)
        req, ccy = order.req, m.settle_ccy
        why = self._account_wide_refusal(req) or m.engine.check_place(req)
        if why is not None:
            return refused(why)
        if self.ledger.available(account_id, ccy) < order.reserve:
            return refused(Rejected.of(Reason.SWAP_MARGIN_INSUFFICIENT, ccy=ccy))
        ord_id = self._order_ids.next_id()
        self._note_active(account_id, m)
        m.terms[ord_id] = order.terms
        events = m.engine.place(ord_id, req, ts, checked=True)
        out: list[Event] = [events[0]]
        out.extend(self._freeze(account_id, ccy, order.reserve, ord_id))
        budgets = {ord_id: order.reserve} if order.budget else None
        self._swap_settler.apply(m, events[1:], req.px, out, budgets)
        if budgets is not None:  # finished by now: give back what it did not spend
            out.extend(self.ledger.unfreeze(account_id, ccy, budgets[ord_id], ord_id))
        self._trim_closes(m, out, ts)
        return out

    def _trim_closes(self, m: SwapListing, out: list[Event], ts: int) -> None:
        """Close orders (reduce-only, long/short closes) of positions fills just reduced may now
        close more than is left: the newest go (cancelSource 17) until the rest fits."""
        settler = self._swap_settler
        if not settler.reduced:
            return
        reduced, settler.reduced = settler.reduced, set()
        for key in reduced:
            for ord_id in self.swaps.excess_closes(m, key):
                events = m.engine.cancel(key.account_id, ord_id, ts, CancelCause.POSITION_CLOSED)
                settler.apply(m, events, 0, out)

    def _settle(self, m: Listing, events: list[MatchEvent], taker_px: int, out: list[Event], ts: int) -> None:
        if type(m) is SwapListing:
            self._swap_settler.apply(m, events, taker_px, out)
            self._trim_closes(m, out, ts)
        else:
            self._settler.apply(m, events, taker_px, out)

    def listing(self, inst_id: str) -> Listing | None:
        return self._markets.get(inst_id)

    # --- internals -----------------------------------------------------------------------------
    def _admit(self, m: Listing | None, account_id: int, cmd: OrderSpec) -> NewOrder | Rejected:
        if m is None:
            return Rejected(Reason.INSTRUMENT_NOT_FOUND)
        if m.inst.state is not InstrumentState.LIVE:
            return Rejected(Reason.INSTRUMENT_SUSPENDED)
        req = to_new_order(m.inst, account_id, cmd)
        if isinstance(req, Rejected):
            return req
        return self._account_wide_refusal(req) or m.engine.check_place(req) or req

    def _account_wide_refusal(self, req: NewOrder) -> Rejected | None:
        """clOrdId unique over *all* the account's pending orders; 4,000 pending per account."""
        engines = [m.engine for m in self._active.get(req.account_id, ())]
        if req.cl_ord_id and any(e.order_id_for(req.account_id, req.cl_ord_id) is not None for e in engines):
            return Rejected(Reason.CLORDID_EXISTS)
        limit = self.limits.max_pending_per_account
        if req.ord_type in RESTING_TYPES and sum(e.pending_count(req.account_id) for e in engines) >= limit:
            return Rejected.of(Reason.ACCOUNT_ORDERS_LIMIT, limit=str(limit))
        return None

    def _note_active(self, account_id: int, m: Listing) -> None:
        active = self._active.setdefault(account_id, [])
        if all(seen is not m for seen in active):  # by identity: a Market compares by value
            active.append(m)

    def _resolve(
        self, m: Listing, account_id: int, ord_id: int | None, cl_ord_id: str
    ) -> int | Rejected | None:
        if ord_id is not None:
            return ord_id
        if not cl_ord_id:
            return Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="ord_id", other="cl_ord_id")
        return m.engine.order_id_for(account_id, cl_ord_id)

    def _target(
        self, action: Action, inst_id: str, account_id: int, ord_id: int | None, cl_ord_id: str, ts: int
    ) -> tuple[Listing, int] | OrderRejected:
        """The market and order id an amend/cancel is about, or its refusal."""
        m = self._markets.get(inst_id)
        found = (
            Rejected(Reason.INSTRUMENT_NOT_FOUND)
            if m is None
            else self._resolve(m, account_id, ord_id, cl_ord_id)
        )
        if m is not None and isinstance(found, int):
            return m, found
        unknown = Reason.AMEND_FAILED if action is Action.AMEND else Reason.CANCEL_FAILED
        refused = found if isinstance(found, Rejected) else Rejected(unknown)
        return OrderRejected(action, inst_id, account_id, ord_id or 0, cl_ord_id, refused, ts)

    def _plan_amend(self, m: Listing, account_id: int, cmd: AmendSpec, ord_id: int) -> _AmendPlan | Rejected:
        """Validate an amend and work out how its frozen funds change; refuse if they cannot."""
        units = amend_units(m.inst, cmd)
        if isinstance(units, Rejected):
            return units
        new_sz, new_px = units
        refused = m.engine.check_amend(account_id, ord_id, new_sz, new_px)
        order = m.engine.order(ord_id)
        if refused is None and order is not None and new_px is not None and type(m) is SwapListing:
            refused = self.swaps.price_limit(m, order.side, new_px)  # 51006 on a new price too
        if refused is not None or order is None:
            return refused or Rejected(Reason.AMEND_FAILED)
        px = order.px if new_px is None else new_px
        ccy, delta = m.need_change(order, px, order.sz if new_sz is None else new_sz)
        if delta > 0 and self.ledger.available(account_id, ccy) < delta:
            return Rejected.of(Reason.INSUFFICIENT_BALANCE, ccy=ccy)
        return _new(_AmendPlan, (new_sz, new_px, px, ccy, delta))

    def _freeze(self, account_id: int, ccy: str, amount: int, ord_id: int) -> list[Posting]:
        frozen = self.ledger.freeze(account_id, ccy, amount, ord_id)
        assert not isinstance(frozen, Rejected), "funds were checked before the engine ran"
        return frozen


_new = tuple.__new__  # builds a NamedTuple without its slow Python-level __new__


class _AmendPlan(NamedTuple):
    new_sz: int | None
    new_px: int | None
    px: int  # the order's price after the amend
    ccy: str
    delta: int  # change of its frozen funds


def _final_state(events: list[MatchEvent], ord_id: int) -> OrderSnapshot:
    """An order's state at the end of a command: from the last event about it."""
    for ev in reversed(events):
        if isinstance(ev, OrderAccepted | OrderFilled | OrderCanceled) and ev.order.ord_id == ord_id:
            return ev.order
    raise AssertionError(f"no event about order {ord_id}")
