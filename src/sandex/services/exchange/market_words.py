"""Market controls given as words, as the control API (`POST /sandex/v1/market`) takes them:

    {"command": "set", "inst_id": "BTC-USDT", "value": "95000"}
    {"command": "shift", "inst_id": "BTC-USDT", "value": "-5", "over_ms": 60000}
    {"command": "freeze"} / {"command": "unfreeze"} / {"command": "show", "inst_id": ""}
    {"command": "widen", "inst_id": "BTC-USDT", "value": "3"}
    {"command": "drain", "inst_id": "BTC-USDT", "side": "bids" | "asks" | "none"}
    {"command": "halt" | "resume", "inst_id": "BTC-USDT"}
    {"command": "import", "inst_id": "BTC-USDT", "points": [[0, "95000"], [60000, "95100.5"], ...]}
    {"command": "set-mark", "inst_id": "BTC-USDT-SWAP", "value": "90000"}
    {"command": "shift-mark", "inst_id": "BTC-USDT-SWAP", "value": "-5", "over_ms": 60000}
    {"command": "freeze-mark" | "unfreeze-mark", "inst_id": "BTC-USDT-SWAP"}

A swap's index is its spot pair's reference: `set`/`shift` on `BTC-USDT` move it (the swap's book
and mark follow); `set`/`shift` on `BTC-USDT-SWAP` move the swap's premium over its index.

`market_command` turns them into the `MarketCommand` the market applies, or refuses them naming
the field they got wrong (51000); the market itself then checks the instrument and the ranges.
(`sandex market …` once sent these words through the inbox: such items still decode with it.)
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sandex.domain.errors import Reason, Rejected
from sandex.domain.matching.order import Side
from sandex.domain.money import parse_decimal
from sandex.services.exchange.commands import (
    DrainQuotes,
    FollowPrices,
    FreezeMark,
    FreezeMarket,
    HaltInstrument,
    MarketCommand,
    ResumeInstrument,
    SetMark,
    SetPrice,
    ShiftMark,
    ShiftPrice,
    ShowMarket,
    WidenSpread,
)

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


def market_command(args: Mapping[str, Any]) -> MarketCommand | Rejected:
    command, inst_id = str(args.get("command", "")), str(args.get("inst_id", ""))
    if command in ("freeze", "unfreeze"):
        return FreezeMarket(command == "freeze")
    if command == "show":
        return ShowMarket(inst_id)
    if command in ("freeze-mark", "unfreeze-mark"):
        return FreezeMark(inst_id, command == "freeze-mark")
    if command in ("halt", "resume"):
        return HaltInstrument(inst_id) if command == "halt" else ResumeInstrument(inst_id)
    if command == "drain":
        side = str(args.get("side", "")).lower()
        return DrainQuotes(inst_id, SIDE_WORDS[side]) if side in SIDE_WORDS else _bad("side")
    if command == "import":
        points = _points(args.get("points"))
        return FollowPrices(inst_id, points) if points is not None else _bad("points")
    return _valued(command, inst_id, args)


def _valued(command: str, inst_id: str, args: Mapping[str, Any]) -> MarketCommand | Rejected:
    """The commands that carry a number (`value`)."""
    if command not in ("set", "shift", "widen", "set-mark", "shift-mark"):
        return _bad("command")
    value = parse_decimal(str(args.get("value", "")))
    if value is None:
        return _bad("value")
    if command == "set":
        return SetPrice(inst_id, value)
    if command == "set-mark":
        return SetMark(inst_id, value)
    if command == "widen":
        return WidenSpread(inst_id, value)
    over = args.get("over_ms", 0)
    if not _is_int(over):
        return _bad("over_ms")
    return ShiftPrice(inst_id, value, over) if command == "shift" else ShiftMark(inst_id, value, over)


def _points(raw: object) -> tuple[tuple[int, Decimal], ...] | None:
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
    return tuple(out)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bad(field: str) -> Rejected:
    return Rejected.of(Reason.PARAM_ERROR, field=field)
