"""Step sequences on which `test_swap_liquidation_stateful`'s machine once failed, replayed by hand
with every invariant checked after each step, as Hypothesis does: CI runs them every time, where a
random run finds them only by luck (the example database is not in a clean clone)."""

from __future__ import annotations

from typing import Any

from sandex.domain.matching.order import OrdType, Side
from tests.unit.domain.trading.test_swap_liquidation_stateful import LiquidationMachine

Step = tuple[str, dict[str, Any]]


def _walk(mark: int) -> Step:
    return ("liquidate_at", {"mark": mark})  # the `walk_mark_and_liquidate` rule without its event()


def _limit(account: int, side: Side, *, isolated: bool, long_side: bool) -> Step:
    spec = {"kind": OrdType.LIMIT, "px": "48000", "sz": "0.01", "reduce": False}
    return ("place", {"account": account, "side": side, "isolated": isolated, "long_side": long_side, **spec})


def _replay(long_short: bool, steps: list[Step]) -> None:
    machine = LiquidationMachine()
    machine.start(long_short=long_short)
    for name, args in steps:
        getattr(machine, name)(**args)
        for invariant in machine.invariants:
            invariant.function(machine)


def test_close_orders_of_a_liquidated_position_do_not_outlive_it() -> None:
    """Long/short mode: account 1's isolated long (0.01 at 48,000) has a close order for all of it
    when the mark at 40,000 liquidates it; the close order was left pending on no position."""
    _replay(
        True,
        [
            _walk(470_589),  # marks near 47,000: the buy at 48,000 is inside the price limit
            _limit(1, Side.BUY, isolated=False, long_side=False),  # closes a short it lacks: refused
            _limit(1, Side.BUY, isolated=True, long_side=True),
            *[_walk(400_000)] * 11,
            _limit(2, Side.SELL, isolated=False, long_side=False),  # fills account 1's buy
            _limit(1, Side.SELL, isolated=True, long_side=True),  # close long, rests
            _walk(400_000),
        ],
    )


def test_a_position_the_liquidation_itself_puts_under_water_is_liquidated_in_the_same_run() -> None:
    """Net mode: account 2's isolated short is liquidated at mark 52,563.5; its market buy fills
    account 1's isolated sell resting at 48,000, whose new short is under water at once and was
    left standing after the run."""
    _replay(
        False,
        [
            _walk(470_589),
            _limit(1, Side.BUY, isolated=False, long_side=False),
            *[_walk(400_000)] * 12,
            _limit(2, Side.SELL, isolated=True, long_side=False),  # fills account 1's buy
            _limit(1, Side.SELL, isolated=True, long_side=False),  # rests at 48,000
            _walk(525_635),
        ],
    )
