"""`sandex deposit EMAIL CCY AMOUNT`: credit a user's account from scripts and CI.

The deposit goes through the sequencer like every change of balances: the command is written to
the inbox table; a server running on the same data dir or database applies it within 200 ms (in
the transaction that marks it done), and the command waits for that. When no server holds the
sequencer lease, the command applies the inbox itself (same code path: rebuild from the
database, apply, commit). Bad input exits 1 with a one-line reason and changes nothing.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sandex.cli.common import (
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    fail_with,
    open_cli_exchange,
    open_cli_runtime,
)
from sandex.cli.inbox import await_applied, enqueue
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.money import format_decimal, parse_decimal

if TYPE_CHECKING:
    from sandex.cli.exchange_tables import UsersAndTables
    from sandex.process import Runtime
    from sandex.services.exchange.commands import DepositView
    from sandex.services.exchange.records import LedgerAccountKind

EmailArg = Annotated[str, typer.Argument(help="Email of the user to credit.", show_default=False)]
CcyArg = Annotated[str, typer.Argument(help="Currency, e.g. USDT.", show_default=False)]
AmountArg = Annotated[str, typer.Argument(help="Amount, e.g. 1000 or 0.5.", show_default=False)]
ToOption = Annotated[
    str, typer.Option("--to", help="Account to credit: trading (18) or funding (6).", show_default=True)
]
DemoOption = Annotated[bool, typer.Option("--demo", help="Credit the demo-trading environment.")]
ChainOption = Annotated[
    str | None,
    typer.Option(
        "--chain",
        help="A chain deposit (e.g. USDT-TRC20) to the funding account, credited after confirmations.",
        show_default=False,
    ),
]


def deposit(
    email: EmailArg,
    ccy: CcyArg,
    amount: AmountArg,
    to: ToOption = "trading",
    demo: DemoOption = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    json_output: JsonOption = False,
    chain: ChainOption = None,
) -> None:
    """Deposit AMOUNT of CCY into the user's trading (default) or funding account; with --chain, a
    chain deposit that moves through OKX's states (0 waiting, 1 credited, 2 successful)."""
    kind = _kind(to)
    value = parse_decimal(amount)
    if value is None:
        fail_with(f"invalid amount {amount!r}: expected a decimal number such as 1000 or 0.5")
    if chain is not None:  # `--to` does not apply: chain deposits land in the funding account
        with open_cli_runtime(data_dir, database_url) as runtime:  # its sequencer may run here
            _print_chain(_chain(runtime, email, ccy, value, chain, demo), json_output)
        return
    with open_cli_exchange(data_dir, database_url) as tables:
        result = _deposit(tables, email, ccy.strip().upper(), value, kind, Environment.from_demo_flag(demo))
    _print(result, json_output)


def _chain(runtime: Runtime, email: str, ccy: str, value: Any, chain: str, demo: bool) -> dict[str, Any]:
    from sandex.cli.chain_deposit import chain_deposit

    environment = Environment.from_demo_flag(demo)
    return chain_deposit(runtime, email, ccy.strip().upper(), value, chain.strip(), environment)


def _print_chain(result: dict[str, Any], json_output: bool) -> None:
    if json_output:
        typer.echo(json.dumps(result))
        return
    typer.echo(
        f"chain deposit {result['amount']} {result['ccy']} on {result['chain']} ({result['environment']}): "
        f"depId {result['depId']}, state {result['state']} (txId {result['txId']})"
    )


def _kind(to: str) -> LedgerAccountKind:
    from sandex.services.exchange.records import LedgerAccountKind  # deferred: other commands start faster

    if to not in (LedgerAccountKind.TRADING.value, LedgerAccountKind.FUNDING.value):
        fail_with(f"invalid --to {to!r}: expected trading or funding")
    return LedgerAccountKind(to)


def _deposit(
    runtime: UsersAndTables,
    email: str,
    ccy: str,
    value: Any,
    kind: LedgerAccountKind,
    environment: Environment,
) -> dict[str, Any]:
    from sandex.services.exchange.commands import Deposit, DepositView
    from sandex.services.exchange.core import check_deposit

    user = runtime.accounts.get_user_by_email(email)
    if user is None:
        fail_with(f"no user with email {email.strip().lower()}")
    units = check_deposit(runtime.catalogue, ccy, value, kind)
    if isinstance(units, Rejected):
        fail_with(_reason(units, ccy, value))
    account = runtime.trading.store.ensure_account(user.id, environment, kind, runtime.clock.now_ms())
    item = enqueue(runtime, Deposit(environment, account, user.id, kind, ccy, units))
    return _deposit_json(await_applied(runtime, item, "deposit", DepositView))


def _deposit_json(view: DepositView) -> dict[str, Any]:
    return {
        "depId": view.dep_id,
        "userId": view.user_id,
        "environment": view.environment.value,
        "ccy": view.ccy,
        "amount": format_decimal(view.amount),
        "to": view.account.value,
        "available": format_decimal(view.available),
        "ts": view.ts,
    }


def _reason(refused: Rejected, ccy: str, value: Any) -> str:
    field = refused.params.get("field")
    if field == "ccy":
        return f"unknown currency {ccy!r}"
    if field == "amt":
        return f"invalid amount {format_decimal(value)}: must be positive and fit {ccy}'s smallest unit"
    return f"deposit refused: {refused.reason.value}"


def _print(result: dict[str, Any], json_output: bool) -> None:
    if json_output:
        typer.echo(json.dumps(result))
        return
    ccy = result["ccy"]
    typer.echo(
        f"deposited {result['amount']} {ccy} to the {result['to']} account ({result['environment']}); "
        f"available {result['available']} {ccy} (depId {result['depId']})"
    )
