"""The matching engine of one instrument: price-time priority, fills at the maker's price.

Commands (`place`, `amend`, `cancel`) take integer ticks/lots and an explicit timestamp and
return a list of immutable events. Nothing here reads a clock or makes up an id on its own: order
ids come with the command, trade ids from the injected generator, so a replay of the same
commands with the same ids yields the same events.

A business refusal is an `OrderRejected` event and leaves the engine untouched. Each command runs
its checks first and mutates only afterwards, so `check_place`/`check_amend` can also be called on
their own (the trading façade freezes funds between the check and the command).
"""

from __future__ import annotations

from sandex.domain.errors import Reason, Rejected
from sandex.domain.ids import IdGenerator, SequentialIds
from sandex.domain.matching.book import ASK_SIGN, BID_SIGN, BookSide, LevelView
from sandex.domain.matching.events import (
    Action,
    Fill,
    MatchEvent,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
)
from sandex.domain.matching.index import OrderIndex
from sandex.domain.matching.order import (
    RESTING_TYPES,
    CancelCause,
    NewOrder,
    OrderSnapshot,
    OrdState,
    OrdType,
    Side,
    StpMode,
    TgtCcy,
)
from sandex.domain.matching.queue import Level, Order
from sandex.domain.matching.rules import DEFAULT_LIMITS, TradingLimits
from sandex.domain.matching.simulate import NO_LIMIT, simulate

# Why a taker stopped matching.
_DONE = 0  # fully filled
_DRY = 1  # no more crossing liquidity it can use
_SELF = 2  # canceled by self-trade prevention
_CAP = 3  # reached the maker cap
_MAKER_ONLY = 4  # a post_only order that would take: canceled before it touches the book

# Hot-path constants. Events are built with tuple.__new__, which skips NamedTuple's Python-level
# __new__ (~40% faster); enum members are aliased because `Enum.MEMBER` lookups are slow on 3.11.
_new = tuple.__new__
_BUY = Side.BUY
_MARKET = OrdType.MARKET
_FOK = OrdType.FOK
_POST_ONLY = OrdType.POST_ONLY
_FILLED = OrdState.FILLED
_PARTIAL = OrdState.PARTIALLY_FILLED
_CANCELED = OrdState.CANCELED
_QUOTE = TgtCcy.QUOTE_CCY
_CANCEL_MAKER = StpMode.CANCEL_MAKER
_CANCEL_TAKER = StpMode.CANCEL_TAKER
_STP = CancelCause.SELF_TRADE
_LEFTOVER_CAUSE = {
    OrdType.IOC: CancelCause.IOC_UNFILLED,
    OrdType.OPTIMAL_LIMIT_IOC: CancelCause.IOC_UNFILLED,
    OrdType.MARKET: CancelCause.MARKET_UNFILLED,
    OrdType.FOK: CancelCause.FOK_UNFILLABLE,
}


class MatchingEngine:
    def __init__(
        self,
        inst_id: str,
        trade_ids: IdGenerator,
        limits: TradingLimits = DEFAULT_LIMITS,
        stamps: SequentialIds | None = None,
    ) -> None:
        self.inst_id = inst_id
        self.limits = limits
        self.bids = BookSide(BID_SIGN)
        self.asks = BookSide(ASK_SIGN)
        self._trade_ids = trade_ids
        self._max_makers = limits.max_makers_per_taker
        self._index = OrderIndex()
        self._orders = self._index.orders  # the same dict, one attribute lookup closer
        # Time-priority stamps, one taken whenever an order (re-)enters the book. An id generator
        # like the others (an exchange core shares one across its books): a replica takes its
        # sequencer's with each batch (`ExchangeCore.next_ids`), so both number orders alike.
        self._stamps = stamps if stamps is not None else SequentialIds()

    # --- commands ------------------------------------------------------------------------------
    def check_place(self, req: NewOrder) -> Rejected | None:
        if req.cl_ord_id and self._index.by_cl_ord_id(req.account_id, req.cl_ord_id) is not None:
            return Rejected(Reason.CLORDID_EXISTS)
        limit = self.limits.max_pending_per_instrument
        if req.ord_type in RESTING_TYPES and self._index.count(req.account_id) >= limit:
            return Rejected.of(Reason.PENDING_ORDERS_LIMIT, limit=str(limit))
        return None

    def place(self, ord_id: int, req: NewOrder, ts: int, *, checked: bool = False) -> list[MatchEvent]:
        """Enter a new order; `checked=True` skips `check_place` when the caller just ran it."""
        if not checked:
            refused = self.check_place(req)
            if refused is not None:
                return [self._rejected(Action.PLACE, req.account_id, 0, req.cl_ord_id, refused, ts)]
        o = Order(
            ord_id,
            self.inst_id,
            req.account_id,
            req.side,
            req.ord_type,
            req.tgt_ccy,
            req.px,
            req.sz,
            req.cl_ord_id,
            req.tag,
            req.stp_mode,
            ts,
        )
        o.seq = self._stamps.next_id()
        events: list[MatchEvent] = [_new(OrderAccepted, (o.snapshot(),))]
        if o.ord_type is _FOK and self._fillable_lots(o) < o.sz:
            stop = _DRY  # all or nothing: leave the book untouched
        elif o.ord_type is _POST_ONLY and self.crosses(o.side, o.px):
            stop = _MAKER_ONLY  # OKX accepts it, then cancels it (cancelSource 31): it never takes
        elif o.ord_type is _MARKET or self.crosses(o.side, o.px):
            stop = self._match(o, events, ts)
        else:
            stop = _DRY
        if o.state is not _FILLED:
            self._finish_taker(o, stop, events, ts)
        return events

    def check_amend(
        self, account_id: int, ord_id: int, new_sz: int | None, new_px: int | None
    ) -> Rejected | None:
        return self._amend_refusal(self._orders.get(ord_id), account_id, new_sz, new_px)

    def amend(
        self,
        account_id: int,
        ord_id: int,
        new_sz: int | None,
        new_px: int | None,
        ts: int,
        *,
        cxl_on_fail: bool = False,
        checked: bool = False,
    ) -> list[MatchEvent]:
        """Change size (lots, *including* what is filled) and/or price of a resting order.

        A new price or a larger size loses time priority; a smaller size keeps it. A size at or
        below the filled quantity completes the order. A price that now crosses trades at once.
        """
        o = self._orders.get(ord_id)
        # The common case (the owner moves a plain limit order's price) skips the full checks.
        full_check = o is None or o.account_id != account_id or new_sz is not None or o.ord_type is _POST_ONLY
        if not checked and (full_check or new_px is None or new_px <= 0):
            refused = self._amend_refusal(o, account_id, new_sz, new_px)
            if refused is not None:
                return self.fail_amend(account_id, ord_id, refused, ts, cxl_on_fail=cxl_on_fail)
        assert o is not None
        o.u_ts = ts
        side = self.bids if o.side is _BUY else self.asks
        if new_sz is not None and new_sz != o.sz and self._resize(o, side, new_sz, new_px):
            return [_new(OrderAmended, (o.snapshot(),))]
        if new_px is not None and new_px != o.px:
            side.remove(o)
            o.px = new_px
            return self._reprice(o, side, ts)
        return [_new(OrderAmended, (o.snapshot(),))]

    def fail_amend(
        self, account_id: int, ord_id: int, refused: Rejected, ts: int, *, cxl_on_fail: bool
    ) -> list[MatchEvent]:
        """An amend's refusal, followed by the order's cancellation when `cxl_on_fail` asks for it."""
        o = self._orders.get(ord_id)
        mine = o is not None and o.account_id == account_id
        cl_ord_id = o.cl_ord_id if o is not None and mine else ""
        events: list[MatchEvent] = [self._rejected(Action.AMEND, account_id, ord_id, cl_ord_id, refused, ts)]
        if cxl_on_fail and o is not None and mine:
            events.append(self._cancel_resting(o, CancelCause.AMEND_FAILED, ts))
        return events

    def cancel(
        self, account_id: int, ord_id: int, ts: int, cause: CancelCause = CancelCause.USER
    ) -> list[MatchEvent]:
        o = self._orders.get(ord_id)
        if o is None or o.account_id != account_id:
            refused = Rejected(Reason.CANCEL_FAILED)
            return [self._rejected(Action.CANCEL, account_id, ord_id, "", refused, ts)]
        return [self._cancel_resting(o, cause, ts)]

    # --- reads ---------------------------------------------------------------------------------
    def best_bid(self) -> int | None:
        return self.bids.best_px()

    def best_ask(self) -> int | None:
        return self.asks.best_px()

    def depth(self, levels: int) -> tuple[list[LevelView], list[LevelView]]:
        """`(bids, asks)`, best first, aggregated per price: `(px, lots, order_count)`."""
        return self.bids.depth(levels), self.asks.depth(levels)

    def order(self, ord_id: int) -> OrderSnapshot | None:
        """A *pending* order (finished orders live in storage, built from the events)."""
        o = self._orders.get(ord_id)
        return None if o is None else o.snapshot()

    def order_id_for(self, account_id: int, cl_ord_id: str) -> int | None:
        o = self._index.by_cl_ord_id(account_id, cl_ord_id)
        return None if o is None else o.ord_id

    def pending_orders(self, account_id: int) -> list[OrderSnapshot]:
        return [o.snapshot() for o in self._index.of_account(account_id)]

    def remaining(self, account_id: int) -> list[tuple[int, Side, int]]:
        """`(ord_id, side, lots left)` of each pending order of the account: what per-order checks
        need, without building a snapshot of each (swap admission walks them on every order)."""
        return [(o.ord_id, o.side, o.sz - o.filled) for o in self._index.of_account(account_id)]

    def pending_count(self, account_id: int) -> int:
        return self._index.count(account_id)

    def resting_orders(self) -> list[OrderSnapshot]:
        """Every pending order in time-priority (`seq`) order: what storage persists."""
        return sorted((o.snapshot() for o in self._orders.values()), key=lambda s: s.seq)

    def crosses(self, side: Side, px: int) -> bool:
        """Would a limit order at `px` on `side` take liquidity right now?"""
        opp = self.asks if side is _BUY else self.bids
        return bool(opp.keys) and opp.keys[-1] >= opp.sign * px

    def fillable(
        self, side: Side, px: int, sz: int, account_id: int, stp_mode: StpMode, *, quote: bool = False
    ) -> tuple[int, int]:
        """`(lots, notional)` a taker would fill now; `px=0` means no price limit (market)."""
        opp = self.asks if side is _BUY else self.bids
        threshold = opp.sign * px if px else NO_LIMIT
        return simulate(opp, threshold, sz, account_id, stp_mode, self._max_makers, quote=quote)

    # --- rebuild -------------------------------------------------------------------------------
    def restore(self, orders: list[OrderSnapshot], *, last_seq: int = 0) -> None:
        """Load persisted resting orders (in any order: they are re-queued by `seq`).

        `last_seq`: the highest `seq` in the event log, so that replaying after a restart stamps
        the same priorities as the uninterrupted run (defaults to the highest resting one). The
        stamps go on above both (a replica then takes its sequencer's, see `__init__`).
        """
        top = last_seq
        for snap in sorted(orders, key=lambda s: s.seq):
            if snap.inst_id != self.inst_id or not snap.is_pending or snap.ord_type not in RESTING_TYPES:
                raise ValueError(f"not a resting order of {self.inst_id}: {snap}")
            o = Order.from_snapshot(snap)
            (self.bids if o.side is _BUY else self.asks).add(o)
            self._index.add(o)
            top = max(top, o.seq)
        if self._stamps.upcoming <= top:
            self._stamps.resume_at(top + 1)

    # --- matching ------------------------------------------------------------------------------
    def _match(self, taker: Order, events: list[MatchEvent], ts: int) -> int:
        """Trade `taker` against the opposite side, best price first, FIFO within a price."""
        opp = self.asks if taker.side is _BUY else self.bids
        keys = opp.keys
        levels = opp.levels
        sign = opp.sign
        threshold = NO_LIMIT if taker.ord_type is _MARKET else sign * taker.px
        quote = taker.tgt_ccy is _QUOTE
        account = taker.account_id
        fills = 0
        while keys:
            key = keys[-1]
            if key < threshold:
                return _DRY
            level = levels[sign * key]
            px = level.px
            maker = level.head
            while maker is not None:
                want = (taker.sz - taker.filled_notional) // px if quote else taker.sz - taker.filled
                if want <= 0:
                    return _DRY
                nxt = maker.next
                if maker.account_id == account:
                    if self._self_trade(taker, maker, opp, events, ts):
                        return _SELF
                elif fills == self._max_makers:
                    return _CAP
                else:
                    open_lots = maker.sz - maker.filled
                    self._fill(taker, maker, opp, level, want if want < open_lots else open_lots, events, ts)
                    fills += 1
                    if taker.state is _FILLED:
                        return _DONE
                maker = nxt
        return _DRY

    def _fill(
        self,
        taker: Order,
        maker: Order,
        opp: BookSide,
        level: Level,
        q: int,
        events: list[MatchEvent],
        ts: int,
    ) -> None:
        px = level.px
        notional = px * q
        maker.filled += q
        maker.filled_notional += notional
        maker.u_ts = ts
        level.lots -= q
        if maker.filled == maker.sz:
            maker.state = _FILLED
            opp.remove(maker)
            self._index.remove(maker)
        else:
            maker.state = _PARTIAL
        taker.filled += q
        taker.filled_notional += notional
        taker.u_ts = ts
        # A quote-sized order is done when not even one more lot fits its budget at this price.
        quote = taker.tgt_ccy is _QUOTE
        done = taker.sz - taker.filled_notional < px if quote else taker.filled == taker.sz
        taker.state = _FILLED if done else _PARTIAL
        fill = _new(
            Fill,
            (
                self._trade_ids.next_id(),
                self.inst_id,
                px,
                q,
                taker.side,
                taker.ord_id,
                taker.account_id,
                maker.ord_id,
                maker.account_id,
                ts,
            ),
        )
        events.append(fill)
        events.append(_new(OrderFilled, (maker.snapshot(), fill)))
        events.append(_new(OrderFilled, (taker.snapshot(), fill)))

    def _self_trade(
        self, taker: Order, maker: Order, opp: BookSide, events: list[MatchEvent], ts: int
    ) -> bool:
        """Apply the taker's STP mode to a maker of the same account; True if the taker must stop."""
        mode = taker.stp_mode
        if mode is not _CANCEL_TAKER:
            events.append(self._cancel_resting(maker, _STP, ts, opp))
        return mode is not _CANCEL_MAKER

    def _fillable_lots(self, o: Order) -> int:
        return self.fillable(o.side, o.px, o.sz, o.account_id, o.stp_mode)[0]

    # --- order lifecycle -----------------------------------------------------------------------
    def _finish_taker(self, o: Order, stop: int, events: list[MatchEvent], ts: int) -> None:
        """After matching a new order: rest what is left, or cancel it."""
        if stop == _SELF:
            cause = CancelCause.SELF_TRADE
        elif stop == _CAP:
            cause = CancelCause.MATCH_LIMIT
        elif stop == _MAKER_ONLY:
            cause = CancelCause.POST_ONLY_TAKES
        elif o.ord_type in RESTING_TYPES:
            (self.bids if o.side is _BUY else self.asks).add(o)
            self._index.add(o)
            return
        else:
            cause = _LEFTOVER_CAUSE[o.ord_type]
        o.state = _CANCELED
        o.u_ts = ts
        events.append(_new(OrderCanceled, (o.snapshot(), cause)))

    def _amend_refusal(
        self, o: Order | None, account_id: int, new_sz: int | None, new_px: int | None
    ) -> Rejected | None:
        if o is None or o.account_id != account_id:
            return Rejected(Reason.AMEND_FAILED)
        if new_sz is None and new_px is None:
            return Rejected(Reason.AMEND_NOTHING)
        if new_sz is not None and new_sz <= 0:
            return Rejected.of(Reason.PARAM_ERROR, field="new_sz")
        if new_px is not None and new_px <= 0:
            return Rejected.of(Reason.PARAM_ERROR, field="new_px")
        if o.ord_type is _POST_ONLY and new_px is not None and (new_sz is None or new_sz > o.filled):
            return Rejected(Reason.AMEND_POST_ONLY) if self.crosses(o.side, new_px) else None
        return None

    def _resize(self, o: Order, side: BookSide, new_sz: int, new_px: int | None) -> bool:
        """Apply a new size; True when that completed the order (nothing else to do)."""
        if new_sz <= o.filled:
            side.remove(o)
            o.sz = o.filled
            o.state = _FILLED
            self._index.remove(o)
            return True
        if new_sz < o.sz or (new_px is not None and new_px != o.px):
            # Smaller keeps priority; with a new price, `_reprice` re-queues it anyway.
            assert o.level is not None
            o.level.lots += new_sz - o.sz
            o.sz = new_sz
            return False
        side.remove(o)  # larger at the same price: back of the queue
        o.sz = new_sz
        o.seq = self._stamps.next_id()
        side.add(o)
        return False

    def _reprice(self, o: Order, side: BookSide, ts: int) -> list[MatchEvent]:
        """Re-enter an amended order (already out of the book) at its new price."""
        o.seq = self._stamps.next_id()
        events: list[MatchEvent] = [_new(OrderAmended, (o.snapshot(),))]
        opp = self.asks if side is self.bids else self.bids
        if not opp.keys or opp.keys[-1] < opp.sign * o.px:  # does not cross: the common case
            side.add(o)
            return events
        stop = self._match(o, events, ts)
        if o.state is _FILLED:
            self._index.remove(o)
        elif stop == _DRY:
            side.add(o)
        else:
            self._index.remove(o)
            o.state = _CANCELED
            cause = CancelCause.SELF_TRADE if stop == _SELF else CancelCause.MATCH_LIMIT
            events.append(_new(OrderCanceled, (o.snapshot(), cause)))
        return events

    def _cancel_resting(
        self, o: Order, cause: CancelCause, ts: int, side: BookSide | None = None
    ) -> OrderCanceled:
        if side is None:
            side = self.bids if o.side is _BUY else self.asks
        side.remove(o)
        self._index.remove(o)
        o.state = _CANCELED
        o.u_ts = ts
        return _new(OrderCanceled, (o.snapshot(), cause))

    def _rejected(
        self, action: Action, account_id: int, ord_id: int, cl_ord_id: str, refused: Rejected, ts: int
    ) -> OrderRejected:
        return OrderRejected(action, self.inst_id, account_id, ord_id, cl_ord_id, refused, ts)
