"""`sandex funding-rate …`: steer swaps' funding on a running server (its control API).

    sandex funding-rate show
    sandex funding-rate set BTC-USDT-SWAP 0.001 [--freeze]
    sandex funding-rate freeze BTC-USDT-SWAP | unfreeze BTC-USDT-SWAP
    sandex funding-rate settle BTC-USDT-SWAP        settle now, at the rate shown

Funding rates live in the server's memory: without a running server (its `server.json` in the
data dir) there is nothing to steer, and the command says so and exits 1.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sandex.cli.common import DataDirOption, JsonOption, fail_with, settings_from
from sandex.cli.ready import running_server_url

if TYPE_CHECKING:
    from sandex.client.sync import ControlClient

funding_rate_app = typer.Typer(help="Steer swaps' funding rates on a running server.", no_args_is_help=True)
InstArg = Annotated[str, typer.Argument(help="Swap, e.g. BTC-USDT-SWAP.", show_default=False)]


def _client(data_dir: Any) -> ControlClient:
    from sandex.client.sync import ControlClient
    from sandex.runtime.admin_token import load_admin_token

    settings = settings_from(data_dir=data_dir)
    url = running_server_url(settings.data_dir)
    if url is None:
        fail_with(f"no server is running on {settings.data_dir} (funding rates live in its memory)")
    return ControlClient(url, load_admin_token(settings.data_dir, settings.admin_token))


def _run(data_dir: Any, as_json: bool, call: Any) -> None:
    from sandex.client.errors import ControlError

    with _client(data_dir) as control:
        try:
            answer = call(control)
        except ControlError as exc:
            fail_with(str(exc))
    if as_json:
        typer.echo(json.dumps(answer))
        return
    for row in answer if isinstance(answer, list) else [answer]:
        typer.echo(" ".join(f"{k}={v}" for k, v in row.items() if not isinstance(v, dict)))


@funding_rate_app.command("show")
def show(data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """Every swap's coming settlement: rate, time, premium."""
    _run(data_dir, as_json, lambda c: c.funding_rates())


@funding_rate_app.command("set", context_settings={"ignore_unknown_options": True})
def set_rate(
    inst_id: InstArg,
    rate: Annotated[str, typer.Argument(help="e.g. 0.001 or -0.0005", show_default=False)],
    freeze: Annotated[bool, typer.Option("--freeze", help="Samples no longer move it.")] = False,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set the coming settlement's rate (within the swap's floor and cap)."""
    _run(data_dir, as_json, lambda c: c.set_funding_rate(inst_id, rate, frozen=True if freeze else None))


@funding_rate_app.command("freeze")
def freeze(inst_id: InstArg, data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """Keep the current rate until unfrozen."""
    _run(data_dir, as_json, lambda c: c.set_funding_rate(inst_id, frozen=True))


@funding_rate_app.command("unfreeze")
def unfreeze(inst_id: InstArg, data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """Let the minute samples move the rate again."""
    _run(data_dir, as_json, lambda c: c.set_funding_rate(inst_id, frozen=False))


@funding_rate_app.command("settle")
def settle(inst_id: InstArg, data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """Settle funding now at the current rate (the schedule stays)."""
    _run(data_dir, as_json, lambda c: c.settle_funding(inst_id))
