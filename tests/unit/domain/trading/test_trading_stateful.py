"""Random command streams through the whole exchange core, checking the money after every step.

* no balance is ever negative
* per currency, the sum over all accounts (fee account included) equals deposits - withdrawals
* what is frozen equals exactly what resting orders still need (market orders leave nothing behind)
* the postings are a complete audit trail: replaying them alone rebuilds every balance
* each trading command's postings net to zero per currency; fees never exceed what was received
* the book is never crossed, fills are at the maker's price, accFillSz never exceeds sz
* an exchange rebuilt from its balances and pending orders carries on with the same state
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, rule

from sandex.domain.ids import SequentialIds
from sandex.domain.ledger import FEE_ACCOUNT, FeeSchedule, FeeTier, Ledger, Posting, PostingReason
from sandex.domain.matching import (
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderFilled,
    OrderRejected,
    OrdType,
    Side,
    StpMode,
    TgtCcy,
    TradingLimits,
)
from sandex.domain.trading import (
    AmendSpec,
    CancelSpec,
    Exchange,
    OrderSpec,
    Trade,
)
from tests.support.venue import BTC_USDT, amt

TICK, LOT = BTC_USDT.tick_sz, BTC_USDT.lot_sz
LIMITS = TradingLimits(max_pending_per_instrument=6, max_pending_per_account=6, max_makers_per_taker=3)
accounts = st.integers(1, 3)
ticks = st.integers(970, 1030)  # 97.0 .. 103.0
lots = st.integers(2, 300)  # 0.02 .. 3 BTC
currencies = st.sampled_from(["BTC", "USDT"])
LIMIT_TYPES = [OrdType.LIMIT, OrdType.LIMIT, OrdType.POST_ONLY, OrdType.IOC, OrdType.FOK]


class ExchangeMachine(RuleBasedStateMachine):
    orders = Bundle("orders")

    @initialize()
    def start(self) -> None:
        self.order_ids, self.trade_ids = SequentialIds(), SequentialIds()
        self.fees = FeeSchedule(tiers={3: FeeTier(maker=Decimal("0.0002"), taker=Decimal("0.0035"))})
        self.x = self._exchange(Ledger())
        self.ts = 0
        self.refs = SequentialIds()
        self.external: dict[str, int] = defaultdict(int)  # deposits - withdrawals, kept by the test
        self.audit: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])  # postings replayed
        for account in (1, 2, 3):
            self.deposit(account, "USDT", 900)
            self.deposit(account, "BTC", 900)  # 9 BTC

    def _exchange(self, ledger: Ledger) -> Exchange:
        ids = {"order_ids": self.order_ids, "trade_ids": self.trade_ids}
        return Exchange([BTC_USDT], ledger, fees=self.fees, limits=LIMITS, **ids)

    # --- funding -------------------------------------------------------------------------------
    @rule(account=accounts, ccy=currencies, amount=st.integers(1, 3000))
    def deposit(self, account: int, ccy: str, amount: int) -> None:
        units = amt(amount) // (100 if ccy == "BTC" else 1)
        result = self.x.ledger.deposit(account, ccy, units, self.refs.next_id())
        assert isinstance(result, list)
        self.external[ccy] += units
        self._audit(result)

    @rule(account=accounts, ccy=currencies, amount=st.integers(1, 2000))
    def withdraw(self, account: int, ccy: str, amount: int) -> None:
        units = amt(amount) // (100 if ccy == "BTC" else 1)
        result = self.x.ledger.withdraw(account, ccy, units, self.refs.next_id())
        if isinstance(result, list):
            self.external[ccy] -= units
            self._audit(result)

    @rule(src=accounts, dst=accounts, ccy=currencies, amount=st.integers(1, 500))
    def transfer(self, src: int, dst: int, ccy: str, amount: int) -> None:
        result = self.x.ledger.transfer(src, dst, ccy, amt(amount) // 100, self.refs.next_id())
        if isinstance(result, list):
            self._audit(result)

    # --- trading -------------------------------------------------------------------------------
    @rule(
        target=orders,
        account=accounts,
        side=st.sampled_from(Side),
        ord_type=st.sampled_from(LIMIT_TYPES),
        px=ticks,
        sz=lots,
        stp=st.sampled_from([StpMode.CANCEL_MAKER, StpMode.CANCEL_TAKER]),
    )
    def place_limit(self, account: int, side: Side, ord_type: OrdType, px: int, sz: int, stp: StpMode) -> Any:
        return self._place(account, OrderSpec("BTC-USDT", side, ord_type, sz * LOT, px * TICK, stp_mode=stp))

    @rule(target=orders, batch=st.lists(st.tuples(accounts, st.sampled_from(Side), ticks, lots), max_size=4))
    def place_many_limits(self, batch: list[tuple[int, Side, int, int]]) -> Any:
        placed = [
            self._place(a, OrderSpec("BTC-USDT", s, OrdType.LIMIT, sz * LOT, px * TICK))
            for a, s, px, sz in batch
        ]
        return multiple(*(p for p in placed if isinstance(p, int)))

    @rule(account=accounts, side=st.sampled_from(Side), tgt=st.sampled_from(TgtCcy), sz=st.integers(2, 400))
    def place_market(self, account: int, side: Side, tgt: TgtCcy, sz: int) -> None:
        size = Decimal(sz) if tgt is TgtCcy.QUOTE_CCY else sz * LOT
        self._place(account, OrderSpec("BTC-USDT", side, OrdType.MARKET, size, tgt_ccy=tgt))

    @rule(
        ord_id=orders,
        new_sz=st.none() | lots,
        new_px=st.none() | ticks,
        cxl=st.booleans(),
        wrong=st.booleans(),
    )
    def amend(self, ord_id: int, new_sz: int | None, new_px: int | None, cxl: bool, wrong: bool) -> None:
        cmd = AmendSpec(
            "BTC-USDT",
            ord_id,
            new_sz=None if new_sz is None else new_sz * LOT,
            new_px=None if new_px is None else new_px * TICK,
            cxl_on_fail=cxl,
        )
        self.ts += 1
        self._check_command(self.x.amend(self._owner(ord_id, wrong), cmd, self.ts))

    @rule(ord_id=orders, wrong=st.booleans())
    def cancel(self, ord_id: int, wrong: bool) -> None:
        self.ts += 1
        self._check_command(
            self.x.cancel(self._owner(ord_id, wrong), CancelSpec("BTC-USDT", ord_id), self.ts)
        )

    @rule()
    def restart(self) -> None:
        """Rebuild from what storage holds (balances, pending orders) and carry on with the copy."""
        engine = self.x.engine("BTC-USDT")
        assert engine is not None
        restored = self._exchange(Ledger())
        restored.restore(engine.resting_orders(), self.x.ledger.rows())
        assert list(restored.ledger.rows()) == list(self.x.ledger.rows())
        assert restored.reserved() == self.x.reserved()
        assert restored.engine("BTC-USDT").depth(50) == engine.depth(50)  # type: ignore[union-attr]
        self.x = restored

    # --- checks --------------------------------------------------------------------------------
    def _owner(self, ord_id: int, wrong: bool) -> int:
        engine = self.x.engine("BTC-USDT")
        order = None if engine is None else engine.order(ord_id)
        owner = 1 if order is None else order.account_id
        return owner % 3 + 1 if wrong else owner

    def _place(self, account: int, cmd: OrderSpec) -> Any:
        self.ts += 1
        events = self.x.place(account, cmd, self.ts)
        self._check_command(events)
        return multiple() if isinstance(events[0], OrderRejected) else events[0].order.ord_id

    def _check_command(self, events: list[Any]) -> None:
        postings = [e for e in events if isinstance(e, Posting)]
        for ccy in ("BTC", "USDT"):
            assert sum(p.delta_available + p.delta_frozen for p in postings if p.ccy == ccy) == 0
        assert all(p.reason in (PostingReason.FEE,) for p in postings if p.account_id == FEE_ACCOUNT)
        for e in events:
            if isinstance(e, OrderAccepted | OrderFilled | OrderAmended | OrderCanceled):
                snap = e.order
                assert (snap.filled_notional if snap.tgt_ccy is TgtCcy.QUOTE_CCY else snap.filled) <= snap.sz
            if isinstance(e, Trade):
                assert e.fill.maker_account_id != e.fill.taker_account_id
                received = (
                    e.fill.sz * 10**16 if e.fill.taker_side is Side.BUY else e.fill.px * e.fill.sz * 10**15
                )
                assert 0 <= e.taker_fee <= received
        self._audit(postings)

    def _audit(self, postings: list[Posting]) -> None:
        for p in postings:
            slot = self.audit[(p.account_id, p.ccy)]
            slot[0] += p.delta_available
            slot[1] += p.delta_frozen

    @invariant()
    def money_is_conserved_and_never_negative(self) -> None:
        rows = list(self.x.ledger.rows())
        assert all(r.available >= 0 and r.frozen >= 0 for r in rows)
        for ccy in ("BTC", "USDT"):
            assert self.x.ledger.total(ccy) == self.external[ccy]

    @invariant()
    def postings_rebuild_every_balance(self) -> None:
        replayed = {k: tuple(v) for k, v in self.audit.items() if v != [0, 0]}
        assert {
            (r.account_id, r.ccy): (r.available, r.frozen)
            for r in self.x.ledger.rows()
            if r.available or r.frozen
        } == replayed

    @invariant()
    def frozen_is_exactly_what_resting_orders_need(self) -> None:
        frozen = {(r.account_id, r.ccy): r.frozen for r in self.x.ledger.rows() if r.frozen}
        assert frozen == self.x.reserved()

    @invariant()
    def book_is_not_crossed(self) -> None:
        engine = self.x.engine("BTC-USDT")
        assert engine is not None
        bid, ask = engine.best_bid(), engine.best_ask()
        assert bid is None or ask is None or bid < ask


ExchangeMachine.TestCase.settings = settings(max_examples=120, stateful_step_count=40, deadline=None)
TestExchangeMachine = ExchangeMachine.TestCase
