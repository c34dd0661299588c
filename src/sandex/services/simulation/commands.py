"""Market controls given as words, as `sandex market …` sends them through the command inbox.

    {"command": "set", "inst_id": "BTC-USDT", "value": "95000"}
    {"command": "shift", "inst_id": "BTC-USDT", "value": "-5", "over_ms": 60000}
    {"command": "freeze"} / {"command": "unfreeze"} / {"command": "show", "inst_id": ""}
    {"command": "widen", "inst_id": "BTC-USDT", "value": "3"}
    {"command": "drain", "inst_id": "BTC-USDT", "side": "bids" | "asks" | "none"}
    {"command": "halt" | "resume", "inst_id": "BTC-USDT"}
    {"command": "import", "inst_id": "BTC-USDT", "points": [[0, "95000"], [60000, "95100.5"], ...]}

The running server's sequencer hands each inbox item of kind `market` to `handle_inbox`, which
runs it against the market and answers with JSON (the CLI prints it). A bad command is refused
with the field it got wrong and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sandex.domain.errors import Reason, Rejected
from sandex.domain.matching.order import Side
from sandex.domain.money import format_decimal, parse_decimal
from sandex.services.exchange.records import InboxItem, InboxOutcome
from sandex.services.simulation.board import InstrumentMarket, MarketControl

INBOX_KIND = "market"
SIDE_WORDS: Mapping[str, Side | None] = {
    "buy": Side.BUY,
    "bids": Side.BUY,
    "bid": Side.BUY,
    "sell": Side.SELL,
    "asks": Side.SELL,
    "ask": Side.SELL,
    "none": None,
    "": None,
}

Outcome = InstrumentMarket | list[InstrumentMarket] | Rejected


def run_command(control: MarketControl, args: Mapping[str, Any]) -> Outcome:
    command, inst_id = str(args.get("command", "")), str(args.get("inst_id", ""))
    if command in ("freeze", "unfreeze"):
        return control.freeze(command == "freeze")
    if command == "show":
        return control.markets() if not inst_id else control.market(inst_id)
    if command in ("halt", "resume"):
        return control.halt(inst_id) if command == "halt" else control.resume(inst_id)
    if command == "drain":
        side = str(args.get("side", "")).lower()
        return control.drain(inst_id, SIDE_WORDS[side]) if side in SIDE_WORDS else _bad("side")
    if command == "import":
        points = _points(args.get("points"))
        return control.follow(inst_id, points) if points is not None else _bad("points")
    if command not in ("set", "shift", "widen"):
        return _bad("command")
    value = parse_decimal(str(args.get("value", "")))
    if value is None:
        return _bad("value")
    if command == "set":
        return control.set_price(inst_id, value)
    if command == "widen":
        return control.widen(inst_id, value)
    over = args.get("over_ms", 0)
    return control.shift(inst_id, value, over) if _is_int(over) else _bad("over_ms")


def handle_inbox(control: MarketControl, item: InboxItem, ts: int) -> InboxOutcome:
    """Run one inbox command; the outcome the sequencer commits for the waiting CLI."""
    try:
        args = json.loads(item.payload)
    except ValueError:
        args = None
    outcome = run_command(control, args) if isinstance(args, dict) else _bad("payload")
    if isinstance(outcome, Rejected):
        body = {"reason": outcome.reason.value, "params": dict(outcome.params)}
        return InboxOutcome(item.id, "rejected", json.dumps(body), ts)
    markets = outcome if isinstance(outcome, list) else [outcome]
    return InboxOutcome(item.id, "done", json.dumps({"markets": [market_json(m) for m in markets]}), ts)


def market_json(m: InstrumentMarket) -> dict[str, Any]:
    return {
        "instId": m.inst_id,
        "refPx": format_decimal(m.ref_px),
        "state": m.state.value,
        "widen": format_decimal(m.widen),
        "drained": [s.value for s in m.drained],
        "shifting": m.shifting,
        "frozen": m.frozen,
    }


def _points(raw: object) -> list[tuple[int, Decimal]] | None:
    if not isinstance(raw, list):
        return None
    out: list[tuple[int, Decimal]] = []
    for point in raw:
        if not (isinstance(point, list) and len(point) == 2 and _is_int(point[0])):
            return None
        px = parse_decimal(str(point[1]))
        if px is None:
            return None
        out.append((point[0], px))
    return out


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bad(field: str) -> Rejected:
    return Rejected.of(Reason.PARAM_ERROR, field=field)
