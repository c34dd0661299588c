"""Swap settings an operator (control API, CLI) or the user (console) chooses for an account: its
account mode (OKX asks for the first choice on the web, so sandex takes it here and on the console),
position mode and leverage, and a forced liquidation for tests.

Every change is a swap command (`services/exchange/swap_commands.py`) applied by the exchange's
writer, so it is ordered with the orders around it and refused exactly as the OKX endpoints refuse
it (59000 with positions or pending orders, 51010 in Spot mode…). Words are checked here first: a
bad one is a 51000 naming the field, and nothing is submitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, cast

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv, MgnMode, PosMode, PosSide
from sandex.domain.errors import Reason, Rejected
from sandex.domain.money import parse_decimal
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.commands import Command, CommandBus, CommandError
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.swap_commands import (
    ForceLiquidation,
    SetAccountLevel,
    SetLeverage,
    SetPositionMode,
    SwapCommand,
)
from sandex.services.exchange.swap_records import AccountSettingsRecord

# The words people type (CLI, control API) for the two account modes sandex runs.
ACCOUNT_MODES: dict[str, AcctLv] = {
    "spot": AcctLv.SPOT,
    "1": AcctLv.SPOT,
    "futures": AcctLv.FUTURES,
    "2": AcctLv.FUTURES,
}
POSITION_MODES: dict[str, PosMode] = {
    "net": PosMode.NET,
    "net_mode": PosMode.NET,
    "long_short": PosMode.LONG_SHORT,
    "long_short_mode": PosMode.LONG_SHORT,
}


class SettingsReader(Protocol):
    """An account's stored swap settings, defaults when none are stored (swap-core's store)."""

    def account_settings(self, environment: Environment, account_id: int) -> AccountSettingsRecord: ...


@dataclass(frozen=True, slots=True)
class SwapSettingsView:
    environment: Environment
    acct_lv: AcctLv
    pos_mode: PosMode


def account_mode(word: str) -> AcctLv | Rejected:
    found = ACCOUNT_MODES.get(word.strip().lower())
    return Rejected.of(Reason.PARAM_ERROR, field="acctLv") if found is None else found


def position_mode(word: str) -> PosMode | Rejected:
    found = POSITION_MODES.get(word.strip().lower())
    return Rejected.of(Reason.PARAM_ERROR, field="posMode") if found is None else found


def environment_of(demo: bool) -> Environment:
    return Environment.DEMO if demo else Environment.LIVE


class SwapControls:
    def __init__(self, bus: CommandBus, accounts: LedgerAccounts, settings: SettingsReader) -> None:
        self._bus = bus
        self._accounts = accounts
        self._settings = settings

    def settings(self, user_id: int, environment: Environment) -> SwapSettingsView:
        record = self._settings.account_settings(environment, self._account(user_id, environment))
        return SwapSettingsView(environment, record.acct_lv, record.pos_mode)

    async def set_account_mode(
        self, user_id: int, environment: Environment, word: str
    ) -> SwapSettingsView | Rejected:
        acct_lv = account_mode(word)
        if isinstance(acct_lv, Rejected):
            return acct_lv
        account = self._account(user_id, environment)
        refused = await self._submit(SetAccountLevel(environment, account, acct_lv))
        return refused if refused is not None else self.settings(user_id, environment)

    async def set_position_mode(
        self, user_id: int, environment: Environment, word: str
    ) -> SwapSettingsView | Rejected:
        pos_mode = position_mode(word)
        if isinstance(pos_mode, Rejected):
            return pos_mode
        account = self._account(user_id, environment)
        refused = await self._submit(SetPositionMode(environment, account, pos_mode))
        return refused if refused is not None else self.settings(user_id, environment)

    async def set_leverage(
        self,
        user_id: int,
        environment: Environment,
        inst_id: str,
        mgn_mode: str,
        lever: str,
        pos_side: str = "",
    ) -> Rejected | None:
        """One instrument's leverage for a margin mode (and side, isolated in long/short mode)."""
        command = _leverage_command(
            environment, self._account(user_id, environment), inst_id, mgn_mode, lever, pos_side
        )
        if isinstance(command, Rejected):
            return command
        return await self._submit(command)

    async def force_liquidation(
        self, user_id: int, environment: Environment, inst_id: str = ""
    ) -> Rejected | None:
        """Liquidate the account's position on `inst_id` (every position: "") now, as if its margin
        had breached: the same liquidation orders, bills and history as a real one."""
        account = self._account(user_id, environment)
        return await self._submit(ForceLiquidation(environment, account, inst_id.strip()))

    async def _submit(self, command: SwapCommand) -> Rejected | None:
        try:
            outcome = await self._bus.submit(cast("Command", command))
        except CommandError:  # the writer is stopped (a reset is under way) or its batch failed
            return Rejected(Reason.SYSTEM_ERROR)
        return outcome if isinstance(outcome, Rejected) else None

    def _account(self, user_id: int, environment: Environment) -> int:
        return self._accounts.ensure(user_id, environment, LedgerAccountKind.TRADING)


def _leverage_command(
    environment: Environment, account: int, inst_id: str, mgn_mode: str, lever: str, pos_side: str
) -> SetLeverage | Rejected:
    if not inst_id.strip():
        return Rejected.of(Reason.PARAM_ERROR, field="instId")
    if mgn_mode not in {MgnMode.CROSS.value, MgnMode.ISOLATED.value}:
        return Rejected.of(Reason.PARAM_ERROR, field="mgnMode")
    value = parse_decimal(lever)
    if value is None or value <= 0:
        return Rejected.of(Reason.PARAM_ERROR, field="lever")
    side: PosSide | None = None
    if pos_side:
        if pos_side not in {PosSide.LONG.value, PosSide.SHORT.value}:
            return Rejected.of(Reason.PARAM_ERROR, field="posSide")
        side = PosSide(pos_side)
    return SetLeverage(environment, account, inst_id.strip(), MgnMode(mgn_mode), side, Decimal(value))
