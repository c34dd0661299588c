"""`sandex market …`: steer the simulated market of a running server, from scripts and CI.

    sandex market set BTC-USDT 95000
    sandex market shift BTC-USDT -5 --over 60s
    sandex market freeze | unfreeze
    sandex market widen BTC-USDT 3
    sandex market drain BTC-USDT bids|asks|none
    sandex market halt BTC-USDT | resume BTC-USDT
    sandex market import prices.csv --inst BTC-USDT [--speed 60]
    sandex market show [BTC-USDT]

Like `sandex deposit`, a command (a `MarketCommand`) goes through the command inbox of the data
dir's (or database's) running server, which applies it within 200 ms and answers; the command
waits for that answer.
The market lives in the server's memory, so without a running server there is nothing to steer:
the command says so and exits 1. Bad input exits 1 with a one-line reason and changes nothing.

`import` reads a CSV of trades (`ts,px[,sz]`) or candles (`ts,open,high,low,close[,…]`, OKX's
column order; closes are used), with or without a header; `ts` in ms (or s) since the epoch.
The reference price then follows those prices from now on, `--speed` times faster than they
happened, and walks on from the last one.
"""

from __future__ import annotations

import csv
import json
import re
import time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sandex.cli.common import DatabaseUrlOption, DataDirOption, JsonOption, fail_with, open_cli_tables
from sandex.cli.inbox import enqueue, refusal
from sandex.domain.money import format_decimal, parse_decimal

# The services behind each command load when it runs, not with every `sandex` command.
if TYPE_CHECKING:
    from sandex.cli.exchange_tables import ExchangeTables
    from sandex.services.exchange.commands import MarketCommand
    from sandex.services.simulation.board import InstrumentMarket

WAIT_S = 10.0
POLL_S = 0.05
MAX_ROWS = 200_000

market_app = typer.Typer(
    help="Steer the simulated market of a running server (prices, liquidity, halts).", no_args_is_help=True
)

_NUMBERS = {"ignore_unknown_options": True}  # "-5" is a number here, not an option
InstArg = Annotated[str, typer.Argument(help="Instrument, e.g. BTC-USDT.", show_default=False)]
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)?$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, None: 1000}


@market_app.command("set", context_settings=_NUMBERS)
def set_price(
    inst_id: InstArg,
    price: Annotated[str, typer.Argument(help="The new reference price.", show_default=False)],
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Move INST's reference price to PRICE at once; the book re-centres within a second."""
    from sandex.services.exchange.commands import SetPrice

    _send(SetPrice(inst_id, _number(price, "price")), data_dir, database_url, json_output)


@market_app.command("shift", context_settings=_NUMBERS)
def shift(
    inst_id: InstArg,
    pct: Annotated[str, typer.Argument(help="Percent to move, e.g. -5 or 2.5.", show_default=False)],
    over: Annotated[
        str, typer.Option("--over", help="Spread the move over this long: 500ms, 90s, 5m, 1h.")
    ] = "0",
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Move INST's reference price by PCT percent, at once or linearly over a duration."""
    from sandex.services.exchange.commands import ShiftPrice

    command = ShiftPrice(inst_id, _number(pct, "percent"), _ms(over))
    _send(command, data_dir, database_url, json_output)


@market_app.command("set-mark", context_settings=_NUMBERS)
def set_mark(
    inst_id: InstArg,
    price: Annotated[str, typer.Argument(help="The mark price to hold.", show_default=False)],
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Hold swap INST's mark price at PRICE (positions are marked and checked on the next step)."""
    from sandex.services.exchange.commands import SetMark

    _send(SetMark(inst_id, _number(price, "price")), data_dir, database_url, json_output)


@market_app.command("shift-mark", context_settings=_NUMBERS)
def shift_mark(
    inst_id: InstArg,
    pct: Annotated[str, typer.Argument(help="Percent to move, e.g. -5 or 2.5.", show_default=False)],
    over: Annotated[
        str, typer.Option("--over", help="Spread the move over this long: 500ms, 90s, 5m, 1h.")
    ] = "0",
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Move swap INST's mark by PCT percent (at once or over a duration); it then holds there."""
    from sandex.services.exchange.commands import ShiftMark

    _send(ShiftMark(inst_id, _number(pct, "percent"), _ms(over)), data_dir, database_url, json_output)


@market_app.command("freeze-mark")
def freeze_mark(
    inst_id: InstArg,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Hold swap INST's mark price where it is."""
    from sandex.services.exchange.commands import FreezeMark

    _send(FreezeMark(inst_id, True), data_dir, database_url, json_output)


@market_app.command("unfreeze-mark")
def unfreeze_mark(
    inst_id: InstArg,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Let swap INST's mark follow its index and book again (after set-mark, shift-mark, freeze-mark)."""
    from sandex.services.exchange.commands import FreezeMark

    _send(FreezeMark(inst_id, False), data_dir, database_url, json_output)


@market_app.command("freeze")
def freeze(
    data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None, json_output: JsonOption = False
) -> None:
    """Stop every random move and the simulated takers (quotes stay, shifts finish)."""
    from sandex.services.exchange.commands import FreezeMarket

    _send(FreezeMarket(True), data_dir, database_url, json_output)


@market_app.command("unfreeze")
def unfreeze(
    data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None, json_output: JsonOption = False
) -> None:
    """Let prices walk and takers trade again."""
    from sandex.services.exchange.commands import FreezeMarket

    _send(FreezeMarket(False), data_dir, database_url, json_output)


@market_app.command("widen", context_settings=_NUMBERS)
def widen(
    inst_id: InstArg,
    factor: Annotated[str, typer.Argument(help="Spread multiplier (1 = normal).", show_default=False)],
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Widen (or narrow) the market maker's spread and level spacing on INST."""
    from sandex.services.exchange.commands import WidenSpread

    _send(WidenSpread(inst_id, _number(factor, "factor")), data_dir, database_url, json_output)


@market_app.command("drain")
def drain(
    inst_id: InstArg,
    side: Annotated[str, typer.Argument(help="bids, asks, or none to restore both.", show_default=False)],
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Withdraw the market maker's quotes on one side of INST (`none` brings them back)."""
    from sandex.services.exchange.commands import DrainQuotes
    from sandex.services.exchange.market_words import SIDE_WORDS

    if side.lower() not in ("bids", "asks", "buy", "sell", "none"):
        fail_with(f"invalid side {side!r}: expected bids, asks or none")
    _send(DrainQuotes(inst_id, SIDE_WORDS[side.lower()]), data_dir, database_url, json_output)


@market_app.command("halt")
def halt(
    inst_id: InstArg,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Suspend INST: state `suspend`, new orders refused (51155), the market maker withdraws."""
    from sandex.services.exchange.commands import HaltInstrument

    _send(HaltInstrument(inst_id), data_dir, database_url, json_output)


@market_app.command("resume")
def resume(
    inst_id: InstArg,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Let INST trade again."""
    from sandex.services.exchange.commands import ResumeInstrument

    _send(ResumeInstrument(inst_id), data_dir, database_url, json_output)


@market_app.command("show")
def show(
    inst_id: Annotated[str, typer.Argument(help="One instrument (default: all).")] = "",
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Print reference prices and controls."""
    from sandex.services.exchange.commands import ShowMarket

    _send(ShowMarket(inst_id), data_dir, database_url, json_output)


@market_app.command("import")
def import_path(
    file: Annotated[
        Path, typer.Argument(help="CSV of trades (ts,px) or candles (ts,o,h,l,c).", show_default=False)
    ],
    inst_id: Annotated[str, typer.Option("--inst", help="Instrument whose reference follows the file.")],
    speed: Annotated[float, typer.Option(help="Replay this many times faster than the file's clock.")] = 1.0,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Replay real trades or candles as INST's reference path, starting now."""
    from sandex.services.exchange.commands import FollowPrices

    if not speed > 0:
        fail_with("invalid --speed: must be positive")
    points = _read_prices(file)
    t0 = points[0][0]
    command = FollowPrices(inst_id, tuple((round((ts - t0) / speed), Decimal(px)) for ts, px in points))
    _send(command, data_dir, database_url, json_output)


# --- reading the CSV -----------------------------------------------------------------------------
def _read_prices(file: Path) -> list[tuple[int, str]]:
    try:
        with file.open(newline="", encoding="utf-8") as handle:
            rows = [row for row in csv.reader(handle) if row and any(cell.strip() for cell in row)]
    except OSError as exc:
        fail_with(f"cannot read {file}: {exc.strerror or exc}")
    if rows and parse_decimal(rows[0][0]) is None:
        header = [cell.strip().lower() for cell in rows[0]]
        rows = rows[1:]
    else:
        header = []
    if not rows:
        fail_with(f"{file}: no rows")
    if len(rows) > MAX_ROWS:
        fail_with(f"{file}: {len(rows)} rows; at most {MAX_ROWS} can be imported")
    column = _price_column(header, len(rows[0]))
    points = [_point(row, column, n) for n, row in enumerate(rows, 2 if header else 1)]
    points.sort(key=lambda p: p[0])
    return points


def _price_column(header: list[str], width: int) -> int:
    for names in (("close", "c"), ("px", "price")):
        for name in names:
            if name in header:
                return header.index(name)
    if width >= 5:
        return 4  # ts, o, h, l, c: OKX's candle order
    if width >= 2:
        return 1  # ts, px
    fail_with("expected columns ts,px (trades) or ts,open,high,low,close (candles)")


def _point(row: list[str], column: int, line: int) -> tuple[int, str]:
    if len(row) <= column:
        fail_with(f"line {line}: expected at least {column + 1} columns")
    ts, px = parse_decimal(row[0]), parse_decimal(row[column])
    if ts is None or ts < 0:
        fail_with(f"line {line}: invalid timestamp {row[0].strip()!r}")
    if px is None or px <= 0:
        fail_with(f"line {line}: invalid price {row[column].strip()!r}")
    ms = int(ts) if ts >= 100_000_000_000 else int(ts * 1000)  # seconds or milliseconds
    return ms, format_decimal(px)


# --- talking to the server -----------------------------------------------------------------------
def _number(text: str, what: str) -> Decimal:
    value = parse_decimal(text)
    if value is None:
        fail_with(f"invalid {what} {text!r}: expected a decimal number")
    return Decimal(format_decimal(value))


def _ms(text: str) -> int:
    match = _DURATION.match(text.strip())
    if match is None:
        fail_with(f"invalid duration {text!r}: expected e.g. 500ms, 90s, 5m or 1h")
    return round(float(match.group(1)) * _UNIT_MS[match.group(2)])


def _send(command: MarketCommand, data_dir: Path | None, database_url: str | None, json_output: bool) -> None:
    from sandex.services.simulation.views import markets_json

    with open_cli_tables(data_dir, database_url) as tables:  # the market lives in the server
        body = markets_json(_request(tables, command))
    _print(body, json_output)


def _request(runtime: ExchangeTables, command: MarketCommand) -> list[InstrumentMarket]:
    from sandex.runtime.sequencer import lease_alive
    from sandex.services.exchange import inbox as codec
    from sandex.services.simulation.board import InstrumentMarket

    store = runtime.trading.store
    if not lease_alive(store):
        fail_with("no sandex server is running on this data dir or database: start `sandex serve` first")
    item = enqueue(runtime, command)
    deadline = time.monotonic() + WAIT_S
    while (outcome := store.inbox_outcome(item)) is None:
        if time.monotonic() > deadline or not lease_alive(store):
            fail_with(f"the server did not apply the command within {WAIT_S:g} s (inbox item {item})")
        time.sleep(POLL_S)
    if outcome.state != "done":
        body = refusal(outcome)
        field = (body.get("params") or {}).get("field")
        reason = body.get("reason", "refused")
        fail_with(f"refused: {reason}" + (f" ({field})" if field else ""))
    markets: list[InstrumentMarket] = codec.decode_result(list[InstrumentMarket], outcome.result)
    return markets


def _print(body: dict[str, Any], json_output: bool) -> None:
    if json_output:
        typer.echo(json.dumps(body))
        return
    for m in body.get("markets", []):
        flags = [m["state"]]
        if m["frozen"]:
            flags.append("frozen")
        if m["shifting"]:
            flags.append("moving")
        if m["widen"] != "1":
            flags.append(f"spread x{m['widen']}")
        if m["drained"]:
            flags.append("drained " + "+".join("bids" if s == "buy" else "asks" for s in m["drained"]))
        if m.get("markPinned"):
            flags.append("mark held")
        mark = f"  mark {m['markPx'] or '-'}  index {m['indexPx']}" if "indexPx" in m else ""
        typer.echo(f"{m['instId']}  ref {m['refPx']}{mark}  {', '.join(flags)}")
