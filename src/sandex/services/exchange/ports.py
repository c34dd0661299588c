"""What the exchange core applies through a server's parts: the simulated market and chain deposits.

The core sits below every feature package, so it cannot call them; they implement these ports and
the wiring hands them to `ExchangeCore.serve` (a process without a server, such as the CLI draining
the inbox, has none: their commands then wait for the next server).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from sandex.services.exchange.commands import MarketCommand, SimulateChainDeposit


class MarketControls(Protocol):
    """The simulated market (`services.simulation.board.MarketControl`)."""

    def control(self, command: MarketCommand) -> object:
        """Apply `command` at once: every instrument it touched as it is now, or `Rejected`."""
        ...


class ChainDeposits(Protocol):
    """Chain deposits the funding service simulates (`services.funding.chain_inbox.ChainDepositInbox`)."""

    def accept(self, command: SimulateChainDeposit) -> object:
        """Check the deposit and start it (it runs as a command of its own); what to answer, or `Rejected`."""
        ...


class MarkSource(Protocol):
    """The simulated market's current derivatives prices (`services.simulation`), for reads that
    mark positions (the sequencer itself holds the marks of the last `UpdateMarks`)."""

    def mark_px(self, inst_id: str) -> Decimal | None:
        """A swap's mark price now (None: not a swap, or no price yet)."""
        ...

    def index_px(self, inst_id: str) -> Decimal | None:
        """The index a swap follows (its `index_id`'s reference price), or an index id's own."""
        ...
