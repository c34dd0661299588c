"""Random swap order streams between a few accounts, with mark moves, checking after every step:

* per currency, all accounts (clearing, insurance fund and fee account included) add up to the
  deposits
* what is frozen equals exactly what resting swap orders still need
* no balance but the clearing account's and the insurance fund's is ever negative
* the contracts held long equal those held short (every fill has two sides)
* pending close orders never add up to more than their position holds
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from sandex.domain.derivatives.contracts import MgnMode, PosMode, PosSide
from sandex.domain.derivatives.positions import PosKey
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import CancelSpec
from sandex.domain.trading.exchange import CLEARING_ACCOUNT, INSURANCE_ACCOUNT
from sandex.domain.trading.swap_listing import SwapListing
from tests.support.swaps import fund, futures, order, swap_exchange

BTC = "BTC-USDT-SWAP"
ACCOUNTS = (1, 2, 3, 4)
accounts = st.sampled_from(ACCOUNTS)
prices = st.integers(480, 520).map(lambda p: str(p * 100))  # 48,000 .. 52,000
sizes = st.integers(1, 300).map(lambda n: str(Decimal(n) / 100))  # 0.01 .. 3 contracts
kinds = st.sampled_from([OrdType.LIMIT, OrdType.LIMIT, OrdType.POST_ONLY, OrdType.IOC, OrdType.MARKET])


class SwapMachine(RuleBasedStateMachine):
    @initialize(long_short=st.booleans())
    def start(self, long_short: bool) -> None:
        self.x = swap_exchange()
        self.mode = PosMode.LONG_SHORT if long_short else PosMode.NET
        futures(self.x, *ACCOUNTS, pos_mode=self.mode)
        for account in ACCOUNTS:
            fund(self.x, account, "3000")
        self.ts = 1

    @rule(
        account=accounts,
        side=st.sampled_from(Side),
        kind=kinds,
        sz=sizes,
        px=prices,
        isolated=st.booleans(),
        reduce=st.booleans(),
        long_side=st.booleans(),
    )
    def place(
        self,
        account: int,
        side: Side,
        kind: OrdType,
        sz: str,
        px: str,
        isolated: bool,
        reduce: bool,
        long_side: bool,
    ) -> None:
        pos_side = None if self.mode is PosMode.NET else (PosSide.LONG if long_side else PosSide.SHORT)
        spec = order(
            BTC,
            side,
            sz,
            None if kind is OrdType.MARKET else px,
            td_mode=(MgnMode.ISOLATED if isolated else MgnMode.CROSS).value,
            pos_side=pos_side,
            reduce_only=reduce and self.mode is PosMode.NET,
            ord_type=kind,
        )
        self.ts += 1
        self.x.place(account, spec, self.ts)

    @rule(account=accounts)
    def cancel_oldest(self, account: int) -> None:
        pending = self.x.pending_orders(account, BTC)
        if pending:
            self.x.cancel(account, CancelSpec(BTC, pending[0].ord_id), self.ts)

    @rule(mark=st.integers(470_000, 530_000))
    def move_mark(self, mark: int) -> None:
        self.x.swaps.set_mark(BTC, mark, Decimal(mark) / 10)

    @invariant()
    def money_is_conserved(self) -> None:
        ledger = self.x.ledger
        assert ledger.total("USDT") == ledger.net_external("USDT")

    @invariant()
    def frozen_is_what_resting_orders_need(self) -> None:
        ledger = self.x.ledger
        frozen = {(a, "USDT"): ledger.balance(a, "USDT").frozen for a in ACCOUNTS}
        assert {k: v for k, v in frozen.items() if v} == self.x.reserved()

    @invariant()
    def only_system_accounts_go_negative(self) -> None:
        ledger = self.x.ledger
        for account in (*ACCOUNTS, ledger.fee_account):
            assert ledger.available(account, "USDT") >= 0
        assert CLEARING_ACCOUNT in ledger.overdraft and INSURANCE_ACCOUNT in ledger.overdraft

    @invariant()
    def close_orders_never_exceed_their_position(self) -> None:
        m = self.x.listing(BTC)
        assert isinstance(m, SwapListing)
        for account in ACCOUNTS:
            for o in self.x.pending_orders(account, BTC):
                terms = m.terms[o.ord_id]
                if terms.closing:
                    key = PosKey(account, BTC, terms.mgn_mode, terms.pos_side)
                    assert self.x.swaps.excess_closes(m, key) == []

    @invariant()
    def longs_equal_shorts(self) -> None:
        longs = shorts = 0
        for pos in self.x.swaps.book.positions.values():
            if pos.long:
                longs += pos.size
            else:
                shorts += pos.size
        assert longs == shorts


SwapMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
TestSwapMachine = SwapMachine.TestCase
