"""The hooks swap funding and liquidation fill in (swap-funding-liq): one function each.

The core calls them inside the sequencer with the environment's `Exchange` (ledger, positions in
`x.swaps.book`, marks in `x.swaps.marks`, clearing/insurance accounts on `x`). They return the
events they caused (postings, `PositionChanged`, order events: the commit writes them like any
other) or a refusal. Until they are implemented the commands are refused and marks change nothing.
"""

from __future__ import annotations

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.trading import Exchange
from sandex.domain.trading.events import Event
from sandex.services.exchange.swap_commands import ForceLiquidation, SettleFundingFee


def on_marks(x: Exchange, environment: Environment, inst_ids: tuple[str, ...], ts: int) -> list[Event]:
    """After new marks of `inst_ids` are in `x.swaps.marks`: liquidate what breached (none yet)."""
    return []


def settle_funding(
    x: Exchange, environment: Environment, cmd: SettleFundingFee, ts: int
) -> list[Event] | Rejected:
    """Book one funding settlement of `cmd.inst_id` on every open position of this environment."""
    return Rejected.of(Reason.PARAM_ERROR, field="kind")


def force_liquidation(x: Exchange, cmd: ForceLiquidation, ts: int) -> list[Event] | Rejected:
    """Liquidate `cmd.account_id`'s position(s) now, as if its margin had breached."""
    return Rejected.of(Reason.PARAM_ERROR, field="kind")
