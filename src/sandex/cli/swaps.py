"""`sandex user account-mode EMAIL futures|spot` and `sandex user position-mode EMAIL net|long_short`.

OKX takes an account's first account-mode choice on its web site, never through the API; sandex
takes it here, on the control API (`PUT /sandex/v1/users/{uid}/account-mode`) and on the console's
Account page. Like `sandex deposit`, the change is an inbox command the running server's writer
applies (or this command, when no server holds the lease), refused as OKX refuses it: 59000 while
the account holds positions or pending swap orders.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from sandex.cli.common import (
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    emit,
    fail_with,
    open_cli_exchange,
    user_by_email,
)
from sandex.cli.inbox import await_done, enqueue
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected

if TYPE_CHECKING:
    from sandex.cli.exchange_tables import UsersAndTables
    from sandex.services.accounts.service import UserView
    from sandex.services.exchange.commands import Command
    from sandex.services.exchange.swap_commands import SwapCommand

EmailArg = Annotated[str, typer.Argument(help="The user's email address.", show_default=False)]
AccountModeArg = Annotated[
    str, typer.Argument(help="futures (acctLv 2: swaps) or spot (acctLv 1, the default).", show_default=False)
]
PositionModeArg = Annotated[str, typer.Argument(help="net or long_short.", show_default=False)]
DemoOption = Annotated[bool, typer.Option("--demo", help="The user's demo-trading account.")]
MODE_NAMES = {"1": "Spot", "2": "Futures"}


def account_mode(
    email: EmailArg,
    mode: AccountModeArg,
    demo: DemoOption = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Put a user's account in Futures mode (swaps allowed) or back in Spot mode."""
    from sandex.services.control.swaps import account_mode as parse
    from sandex.services.exchange.swap_commands import SetAccountLevel

    acct_lv = parse(mode)
    if isinstance(acct_lv, Rejected):
        fail_with(f"invalid mode {mode!r}: expected futures or spot")
    environment = Environment.DEMO if demo else Environment.LIVE
    user = _apply(
        email, environment, data_dir, database_url, "account mode",
        lambda account: SetAccountLevel(environment, account, acct_lv),
    )  # fmt: skip
    shown = {"email": user.email, "uid": user.uid, "environment": environment.value, "acct_lv": acct_lv.value}
    name = MODE_NAMES[acct_lv.value]
    emit(
        as_json,
        shown,
        [f"account mode of {user.email} ({environment.value}): {name} (acctLv {acct_lv.value})"],
    )


def position_mode(
    email: EmailArg,
    mode: PositionModeArg,
    demo: DemoOption = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set a user's position mode: net (one position per swap) or long_short (a long and a short)."""
    from sandex.services.control.swaps import position_mode as parse
    from sandex.services.exchange.swap_commands import SetPositionMode

    pos_mode = parse(mode)
    if isinstance(pos_mode, Rejected):
        fail_with(f"invalid mode {mode!r}: expected net or long_short")
    environment = Environment.DEMO if demo else Environment.LIVE
    user = _apply(
        email, environment, data_dir, database_url, "position mode",
        lambda account: SetPositionMode(environment, account, pos_mode),
    )  # fmt: skip
    shown = {
        "email": user.email,
        "uid": user.uid,
        "environment": environment.value,
        "pos_mode": pos_mode.value,
    }
    emit(as_json, shown, [f"position mode of {user.email} ({environment.value}): {pos_mode.value}"])


def _apply(
    email: str,
    environment: Environment,
    data_dir: Path | None,
    database_url: str | None,
    what: str,
    command_for: Callable[[int], SwapCommand],
) -> UserView:
    """Apply the swap command `command_for(trading account)` of the user through the inbox (the
    running server's writer, or this process when none holds the lease); the user it was for."""
    with open_cli_exchange(data_dir, database_url) as runtime:
        user = user_by_email(runtime, email)
        account = _trading_account(runtime, user.id, environment)
        await_done(runtime, enqueue(runtime, _command(command_for(account))), what)
    return user


def _trading_account(runtime: UsersAndTables, user_id: int, environment: Environment) -> int:
    from sandex.services.exchange.records import LedgerAccountKind

    now = runtime.clock.now_ms()
    return runtime.trading.store.ensure_account(user_id, environment, LedgerAccountKind.TRADING, now)


def _command(command: SwapCommand) -> Command:
    return cast("Command", command)  # every swap command is a `Command` (swap-core wires them in)
