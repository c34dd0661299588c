"""Random command streams against one engine, checking what must hold after every step.

* the book is never crossed after matching; levels add up; FIFO within a level (by `seq`)
* every fill is at the maker's price, within the taker's limit, best prices first, FIFO;
  fill-or-kill fills all or nothing; only limit and post-only orders rest
* no account trades with itself; accFillSz never exceeds sz
* the events alone rebuild the engine's pending orders (what storage relies on)
* an engine restored from those orders has the same book
"""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, rule

from sandex.domain.ids import SequentialIds
from sandex.domain.matching import (
    BookSide,
    Fill,
    MatchEvent,
    MatchingEngine,
    NewOrder,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
    OrderSnapshot,
    OrdType,
    Side,
    StpMode,
    TgtCcy,
    TradingLimits,
)

LIMITS = TradingLimits(max_pending_per_instrument=8, max_pending_per_account=50, max_makers_per_taker=2)
accounts = st.integers(1, 3)
prices = st.integers(97, 103)
sizes = st.integers(1, 6)


class EngineMachine(RuleBasedStateMachine):
    orders = Bundle("orders")

    @initialize()
    def start(self) -> None:
        self.trade_ids = SequentialIds()
        self.engine = MatchingEngine("BTC-USDT", self.trade_ids, LIMITS)
        self.ord_ids = SequentialIds()
        self.ts = 0
        self.model: dict[int, OrderSnapshot] = {}  # pending orders, rebuilt from events only
        self.last_seq = 0

    # --- commands ------------------------------------------------------------------------------
    @rule(
        target=orders,
        account=accounts,
        side=st.sampled_from(Side),
        ord_type=st.sampled_from([OrdType.LIMIT, OrdType.LIMIT, OrdType.POST_ONLY, OrdType.IOC, OrdType.FOK]),
        px=prices,
        sz=st.integers(1, 12),
        stp=st.sampled_from(StpMode),
        cl=st.sampled_from(["", "", "a", "b"]),
    )
    def place_limit(
        self, account: int, side: Side, ord_type: OrdType, px: int, sz: int, stp: StpMode, cl: str
    ) -> Any:
        return self._place(NewOrder(account, side, ord_type, sz, px, cl_ord_id=cl, stp_mode=stp))

    @rule(
        target=orders,
        batch=st.lists(st.tuples(accounts, st.sampled_from(Side), prices, sizes), min_size=1, max_size=5),
    )
    def place_many_limits(self, batch: list[tuple[int, Side, int, int]]) -> Any:
        """Builds depth quickly, so that sweeps, FIFO queues and the maker cap get exercised."""
        ids = [self._place(NewOrder(a, side, OrdType.LIMIT, sz, px)) for a, side, px, sz in batch]
        return multiple(*(i for i in ids if isinstance(i, int)))

    @rule(
        target=orders,
        account=accounts,
        side=st.sampled_from(Side),
        quote=st.booleans(),
        sz=st.integers(1, 1500),
        stp=st.sampled_from(StpMode),
    )
    def place_market(self, account: int, side: Side, quote: bool, sz: int, stp: StpMode) -> Any:
        tgt = TgtCcy.QUOTE_CCY if quote else TgtCcy.BASE_CCY
        size = sz if quote else 1 + sz % 12
        return self._place(NewOrder(account, side, OrdType.MARKET, size, 0, tgt, stp_mode=stp))

    @rule(
        ord_id=orders,
        account=accounts,
        new_sz=st.none() | st.integers(1, 8),
        new_px=st.none() | prices,
        cxl=st.booleans(),
    )
    def amend(self, ord_id: int, account: int, new_sz: int | None, new_px: int | None, cxl: bool) -> None:
        owner = self.model[ord_id].account_id if ord_id in self.model else account
        self.ts += 1
        events = self.engine.amend(owner, ord_id, new_sz, new_px, self.ts, cxl_on_fail=cxl)
        self._check_step(events)

    @rule(ord_id=orders, account=accounts, own=st.booleans())
    def cancel(self, ord_id: int, account: int, own: bool) -> None:
        owner = self.model[ord_id].account_id if own and ord_id in self.model else account
        self.ts += 1
        events = self.engine.cancel(owner, ord_id, self.ts)
        if ord_id in self.model and owner == self.model[ord_id].account_id:
            assert isinstance(events[0], OrderCanceled)
        else:
            assert isinstance(events[0], OrderRejected)
        self._check_step(events)

    @rule()
    def restart(self) -> None:
        """Rebuild the engine from what storage would have, and carry on with it."""
        restored = MatchingEngine("BTC-USDT", self.trade_ids, LIMITS)
        restored.restore(list(self.model.values()), last_seq=self.last_seq)
        assert restored.resting_orders() == self.engine.resting_orders()
        assert restored.depth(100) == self.engine.depth(100)
        self.engine = restored

    # --- checks --------------------------------------------------------------------------------
    def _place(self, req: NewOrder) -> Any:
        self.ts += 1
        ord_id = self.ord_ids.next_id()
        before = {s.ord_id: s for s in self.engine.resting_orders()}
        events = self.engine.place(ord_id, req, self.ts)
        self._check_fills(events, before)
        self._check_step(events)
        return multiple() if isinstance(events[0], OrderRejected) else ord_id

    def _check_step(self, events: list[MatchEvent]) -> None:
        for ev in events:
            if isinstance(ev, OrderAccepted | OrderFilled | OrderAmended | OrderCanceled):
                snap = ev.order
                assert (
                    snap.filled_notional <= snap.sz
                    if snap.tgt_ccy is TgtCcy.QUOTE_CCY
                    else snap.filled <= snap.sz
                )
                self.last_seq = max(self.last_seq, snap.seq)
                if snap.is_pending:
                    self.model[snap.ord_id] = snap
                else:
                    self.model.pop(snap.ord_id, None)
            if isinstance(ev, Fill):
                assert ev.maker_account_id != ev.taker_account_id

    def _check_fills(self, events: list[MatchEvent], before: dict[int, OrderSnapshot]) -> None:
        """Fills at resting makers' prices, best price first, FIFO by seq, within the limit."""
        taker = events[0]
        if not isinstance(taker, OrderAccepted):
            return
        last: tuple[int, int] | None = None
        trades = [e for e in events if isinstance(e, Fill)]
        assert len(trades) <= LIMITS.max_makers_per_taker
        if taker.order.ord_type is OrdType.FOK:  # all or nothing
            assert sum(f.sz for f in trades) in (0, taker.order.sz)
        for fill in trades:
            maker = before[fill.maker_ord_id]
            assert fill.px == maker.px
            key = (fill.px if taker.order.side is Side.BUY else -fill.px, maker.seq)
            assert last is None or key > last, "fills out of price-time priority"
            last = key
            if taker.order.px:
                assert (
                    fill.px <= taker.order.px if taker.order.side is Side.BUY else fill.px >= taker.order.px
                )

    @invariant()
    def book_is_sane(self) -> None:
        bid, ask = self.engine.best_bid(), self.engine.best_ask()
        assert bid is None or ask is None or bid < ask, "crossed book"
        _check_side(self.engine.bids)
        _check_side(self.engine.asks)

    @invariant()
    def events_rebuild_the_pending_orders(self) -> None:
        assert {s.ord_id: s for s in self.engine.resting_orders()} == self.model
        assert all(s.ord_type in (OrdType.LIMIT, OrdType.POST_ONLY) for s in self.model.values())


def _check_side(side: BookSide) -> None:
    assert side.keys == sorted(side.keys) and len(side.keys) == len(side.levels)
    for px, level in side.levels.items():
        queue = list(level.orders())
        assert queue and level.count == len(queue) and level.px == px
        assert level.lots == sum(o.sz - o.filled for o in queue) and all(o.sz > o.filled for o in queue)
        assert [o.seq for o in queue] == sorted(o.seq for o in queue), "FIFO broken"


EngineMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestEngineMachine = EngineMachine.TestCase
