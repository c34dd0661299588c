"""The random swap streams of `test_swap_stateful`, with marks walking far enough to liquidate,
funding settlements at random rates and forced liquidations: after every step, per currency all
accounts (clearing, insurance fund and fee account included) still add up to the deposits, no
user balance is negative, frozen is what resting orders need, and longs equal shorts (the
insurance fund holds what it took over)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from sandex.domain.trading.swap_funding import settle_funding
from sandex.domain.trading.swap_liquidation import (
    LiquidationRun,
    force_liquidate,
    liquidate_breaches,
    position_risk,
)
from sandex.domain.trading.swap_listing import SwapListing
from tests.unit.domain.trading.test_swap_stateful import ACCOUNTS, BTC, SwapMachine

rates = st.integers(-75, 75).map(lambda n: Decimal(n) / 10_000)  # ±0.75 %


class LiquidationMachine(SwapMachine):
    @rule(mark=st.integers(400_000, 600_000))
    def walk_mark_and_liquidate(self, mark: int) -> None:
        run = self.liquidate_at(mark)
        event(f"liquidated {len(run.liquidated)}")

    def liquidate_at(self, mark: int) -> LiquidationRun:
        """The rule's step (also driven by hand in the regression tests, where `event` is refused)."""
        self.x.swaps.set_mark(BTC, mark, Decimal(mark) / 10)
        self.ts += 1
        run = liquidate_breaches(self.x, [BTC], self.ts)
        for pos in self.x.swaps.book.positions.values():  # what breached is gone (or partly)
            risk = position_risk(self.x, pos) if pos.mgn_mode.value == "isolated" else None
            assert risk is None or not risk.breached or pos.account_id == self.x.insurance_account
        return run

    @rule(rate=rates)
    def settle(self, rate: Decimal) -> None:
        marks = self.x.swaps.marks.get(BTC)
        m = self.x.listing(BTC)
        if marks is None or type(m) is not SwapListing:
            return
        held = [p for p in self.x.swaps.book.positions.values() if p.account_id != self.x.insurance_account]
        self.ts += 1
        settle_funding(
            self.x.ledger, held, self.x.clearing_account, "USDT", marks.mark, m.per_notional, rate, self.ts
        )

    @rule(account=st.sampled_from(ACCOUNTS))
    def force(self, account: int) -> None:
        self.ts += 1
        force_liquidate(self.x, account, BTC, self.ts)

    @invariant()
    def margins_never_go_negative(self) -> None:
        for pos in self.x.swaps.book.positions.values():
            assert pos.margin >= 0
            if pos.account_id != self.x.insurance_account and self.x.swaps.marks.get(BTC) is not None:
                position_risk(self.x, pos)  # computable for every live position


LiquidationMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=50, deadline=None)
TestLiquidationMachine = LiquidationMachine.TestCase
