"""The command inbox's codec: a `Command` as the (kind, JSON) another process leaves for the writer.

    kind, payload = encode(Deposit(Environment.LIVE, 7, 3, LedgerAccountKind.TRADING, "USDT", 10**20))
    decode(kind, payload)  # the same Deposit, or Rejected(51000, field="kind" | "payload")

The CLI (`sandex deposit`, `sandex market …`) writes commands to the inbox table; the sequencer
decodes them and applies them like any command from the bus, then stores each one's outcome
(`outcome`) for the waiting CLI, which reads it back with `decode_result`.

Everything is derived from the dataclasses' fields, so a new command needs no code here: its kind
is its class name (`KINDS`), its payload an object of its fields. Decimals travel as exact plain
text, enums as their values, tuples as lists, nested dataclasses as objects.

Kinds written before this codec ("deposit", "fee_tier", "chain_deposit", "market") still decode
(`_LEGACY`): a user's database may hold pending ones. Renaming a command class or a field changes
its kind or payload: keep the old form decoding there too.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.ledger.amounts import to_amount
from sandex.services.exchange.commands import (
    MARKET_COMMANDS,
    Command,
    Deposit,
    SetFeeTier,
    SimulateChainDeposit,
)
from sandex.services.exchange.core import check_fee_tier
from sandex.services.exchange.market_words import market_command
from sandex.services.exchange.records import InboxOutcome, LedgerAccountKind

T = TypeVar("T")

COMMANDS: tuple[type[Any], ...] = typing.get_args(Command)
KINDS: dict[str, type[Any]] = {cls.__name__: cls for cls in COMMANDS}  # the one table


class _DecodeError(ValueError):
    """The JSON does not fit the type asked for."""


# --- commands ------------------------------------------------------------------------------------
def encode(command: Command) -> tuple[str, str]:
    """The inbox kind and JSON payload of `command`."""
    return type(command).__name__, json.dumps(to_json(command))


def decode(kind: str, payload: str) -> Command | Rejected:
    """The command an inbox item carries, or why it cannot be applied (51000 naming `kind` or `payload`)."""
    legacy = _LEGACY.get(kind)
    cls = KINDS.get(kind)
    if legacy is None and cls is None:
        return Rejected.of(Reason.PARAM_ERROR, field="kind")
    try:
        raw = json.loads(payload)
        command: Command | Rejected = legacy[1](raw) if legacy is not None else from_json(cls, raw)
    except (ValueError, TypeError, KeyError, InvalidOperation, RecursionError):
        return Rejected.of(Reason.PARAM_ERROR, field="payload")
    return command


def kinds_of(classes: Iterable[type[Any]]) -> frozenset[str]:
    """Every inbox kind (current and legacy) that decodes to one of `classes`."""
    wanted = set(classes)
    legacy = {kind for kind, (made, _) in _LEGACY.items() if wanted.intersection(made)}
    return frozenset(cls.__name__ for cls in wanted) | legacy


# --- outcomes ------------------------------------------------------------------------------------
def outcome(item_id: int, result: object, ts: int) -> InboxOutcome:
    """How an inbox command ended ("rejected" when `result` is a `Rejected`), for the waiting sender."""
    state = "rejected" if isinstance(result, Rejected) else "done"
    return InboxOutcome(item_id, state, json.dumps(to_json(result)), ts)


def decode_result(tp: Any, text: str) -> Any:
    """An outcome's result as `tp` (e.g. `DepositView`, `list[InstrumentMarket]`, `Rejected`);
    raises ValueError when it is not one."""
    return from_json(tp, json.loads(text))


# --- the rules -----------------------------------------------------------------------------------
def to_json(value: object) -> Any:
    """`value` as JSON-ready data: exact decimals as text, enums as values, dataclasses as objects."""
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")  # exact, never rounded to a context's precision
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    raise TypeError(f"no JSON form for {type(value).__name__}")


def from_json(tp: Any, raw: Any) -> Any:
    """`raw` (from `to_json`) back as a value of type `tp`; raises ValueError when it does not fit."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is None:
        return _plain(tp, raw)
    if origin is typing.Union or origin is types.UnionType:
        return _one_of(args, raw)
    if origin is tuple:
        items = _expect(raw, list)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_json(args[0], item) for item in items)
        if len(items) != len(args):
            raise _DecodeError(f"expected {len(args)} items")
        return tuple(from_json(arg, item) for arg, item in zip(args, items, strict=True))
    if origin is list:
        return [from_json(args[0], item) for item in _expect(raw, list)]
    if issubclass(origin, Mapping):
        return {_expect(key, str): from_json(args[1], item) for key, item in _expect(raw, dict).items()}
    raise TypeError(f"cannot decode {tp!r}")


def _plain(tp: Any, raw: Any) -> Any:
    """A value of a type without parameters: a scalar, an enum or a dataclass."""
    if tp is type(None):
        if raw is not None:
            raise _DecodeError("expected null")
        return None
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(raw)
    if tp is Decimal:
        return Decimal(_expect(raw, str))
    if tp is int and isinstance(raw, bool):
        raise _DecodeError("expected an integer")
    if tp in (bool, int, str):
        return _expect(raw, tp)
    if dataclasses.is_dataclass(tp):
        return _dataclass(tp, _expect(raw, dict))
    raise TypeError(f"cannot decode {tp!r}")


def _one_of(args: tuple[Any, ...], raw: Any) -> Any:
    if raw is None and type(None) in args:
        return None
    for arg in args:
        if arg is type(None):
            continue
        try:
            return from_json(arg, raw)
        except (ValueError, TypeError, KeyError, InvalidOperation):
            continue
    raise _DecodeError("fits none of the types")


def _dataclass(cls: Any, raw: dict[str, Any]) -> Any:
    fields = _fields(cls)
    unknown = set(raw) - set(fields)
    if unknown:
        raise _DecodeError(f"unknown fields {sorted(unknown)}")
    return cls(**{name: from_json(fields[name], value) for name, value in raw.items()})  # missing: defaults


def field_hints(cls: Any) -> dict[str, Any]:
    """A dataclass's init fields in order, with their resolved type hints (the codec's view)."""
    return _fields(cls)


@functools.cache
def _fields(cls: Any) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.init}


def _expect(raw: Any, tp: type[T]) -> T:
    if not isinstance(raw, tp):
        raise _DecodeError(f"expected {tp.__name__}")
    return raw


# --- kinds written before the codec ------------------------------------------------------------------
def _legacy_deposit(raw: Any) -> Deposit | Rejected:
    """{"account_id", "user_id", "environment", "kind", "ccy", "amount": "250"} (a decimal, not units)."""
    amount = Decimal(str(raw["amount"]))
    kind, environment = LedgerAccountKind(raw["kind"]), Environment(raw["environment"])
    account_id, user_id, ccy = int(raw["account_id"]), int(raw["user_id"]), str(raw["ccy"])
    units = to_amount(amount)  # the core checks the currency and its smallest unit when it applies it
    if units is None:
        return Rejected.of(Reason.PARAM_ERROR, field="amt")
    return Deposit(environment, account_id, user_id, kind, ccy, units)


def _legacy_fee_tier(raw: Any) -> SetFeeTier | Rejected:
    """{"environment", "account_id", "maker", "taker", "level"} (each of the last three may be null)."""
    environment, account_id = Environment(raw["environment"]), int(raw["account_id"])
    maker, taker = (None if raw.get(k) is None else Decimal(str(raw[k])) for k in ("maker", "taker"))
    level = raw.get("level")
    tier = check_fee_tier(maker, taker, None if level is None else str(level))
    return tier if isinstance(tier, Rejected) else SetFeeTier(environment, account_id, tier)


def _legacy_market(raw: Any) -> Command | Rejected:
    """The words of `sandex market …`: {"command": "set", "inst_id": "BTC-USDT", "value": "95000"}."""
    return market_command(raw) if isinstance(raw, dict) else Rejected.of(Reason.PARAM_ERROR, field="payload")


# legacy kind -> (the command classes it decodes to, its decoder)
_LEGACY: dict[str, tuple[tuple[type[Any], ...], Callable[[Any], Command | Rejected]]] = {
    "deposit": ((Deposit,), _legacy_deposit),
    "fee_tier": ((SetFeeTier,), _legacy_fee_tier),
    "chain_deposit": ((SimulateChainDeposit,), lambda raw: from_json(SimulateChainDeposit, raw)),
    "market": (MARKET_COMMANDS, _legacy_market),
}
