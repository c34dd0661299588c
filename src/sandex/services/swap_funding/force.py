"""Control: liquidate a user's swap positions now (`ForceLiquidation`), as if their margin had
breached: the same orders, bills and insurance-fund takeover as a liquidation on a mark."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.swap_commands import ForceLiquidation


class LiquidationBus(Protocol):
    def submit(self, command: ForceLiquidation) -> Awaitable[object]: ...


class AccountIds(Protocol):
    def find(self, user_id: int, environment: Environment, kind: LedgerAccountKind) -> int | None: ...


class ForcedLiquidations:
    def __init__(self, bus: LiquidationBus, accounts: AccountIds) -> None:
        self._bus = bus
        self._accounts = accounts

    async def liquidate(self, user_id: int, environment: Environment, inst_id: str = "") -> object:
        """Liquidate the user's positions (of `inst_id`, or all); what the core answered."""
        account = self._accounts.find(user_id, environment, LedgerAccountKind.TRADING)
        if account is None:
            return Rejected(Reason.SWAP_POSITION_NOT_FOUND)
        return await self._bus.submit(ForceLiquidation(environment, account, inst_id))
