"""What the console's swap pages read (the Positions page): open positions with their mark-based
numbers, closed positions, leverage per instrument, and funding fees. The composition root hands
an implementation over (`transport/console/positions_source.py`, over swap-core's `PositionReader`
and store reads); the pages never touch storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sandex.domain.accounts.model import Environment
from sandex.services.exchange.swap_records import LeverageRecord, PositionRecord, PositionView

HISTORY_ROWS = 100  # closed positions and funding fees shown per page


@dataclass(frozen=True, slots=True)
class FundingFee:
    """One funding settlement booked to the account (`account/bills` type 8): + income, - expense."""

    bill_id: str
    inst_id: str
    ccy: str
    amount: Decimal
    ts: int


class SwapReads(Protocol):
    def positions(self, user_id: int, environment: Environment) -> list[PositionView]:
        """Open positions, marked at the current mark price."""
        ...

    def closed_positions(self, user_id: int, environment: Environment, limit: int) -> list[PositionRecord]:
        """Closed (and liquidated) positions, newest first (`positions-history`)."""
        ...

    def leverages(self, user_id: int, environment: Environment) -> list[LeverageRecord]:
        """Leverage rows for every swap instrument and margin mode (defaults where none is set)."""
        ...

    def funding_fees(self, user_id: int, environment: Environment, limit: int) -> list[FundingFee]:
        """Funding fees booked to the account, newest first."""
        ...


# positions-history `type` (OKX): how a position ended.
CLOSE_TYPES = {
    1: "Closed partially",
    2: "Closed",
    3: "Liquidated",
    4: "Partially liquidated",
    5: "ADL",
}


def close_type_text(close_type: int | None) -> str:
    return CLOSE_TYPES.get(close_type or 0, "Open" if close_type is None else str(close_type))


def is_liquidation(close_type: int | None) -> bool:
    return close_type in (3, 4)
