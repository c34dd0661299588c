"""Commands as positional JSON arrays, with an encoder and a decoder compiled once per type.

The inbox codec (`services/exchange/inbox.py`) reads each value's type hints as it goes: ~35 µs to
decode one order, paid by the sequencer and again by every API process's replica for every order.
This one walks the same hints once per class and keeps closures: a dataclass is the list of its
init fields in order, a Decimal its exact text, an enum its value, `X | None` either, a tuple or
list its items. Types it has no plan for (a field that is a union of several classes) raise
`UnplannedError`, and the caller falls back to the inbox codec for that command.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import Any

from sandex.services.exchange.inbox import field_hints

Encode = Callable[[Any], Any]
Decode = Callable[[Any], Any]


class UnplannedError(TypeError):
    """A type this codec does not compile."""


_PLANS: dict[Any, tuple[Encode, Decode]] = {}


def plan(tp: Any) -> tuple[Encode, Decode]:
    """(encode, decode) for values of `tp`; decode raises ValueError, TypeError or KeyError on
    input that does not fit."""
    found = _PLANS.get(tp)
    if found is None:
        found = _PLANS[tp] = _compile(tp)
    return found


def _compile(tp: Any) -> tuple[Encode, Decode]:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp in (str, int, bool):
        return _same, _exactly(tp)
    if tp is Decimal:
        return _decimal_text, _decimal
    if isinstance(tp, type) and issubclass(tp, Enum):
        return _enum_value, _enum_of(tp)
    if origin is typing.Union or origin is types.UnionType:
        members = [arg for arg in args if arg is not type(None)]
        if len(members) != 1:
            raise UnplannedError(f"a union of several types: {tp!r}")
        return _optional(*plan(members[0]))
    if origin in (tuple, list):
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            raise UnplannedError(f"a fixed-length tuple: {tp!r}")
        return _items(*plan(args[0]), tuple if origin is tuple else list)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _dataclass(tp)
    raise UnplannedError(f"no plan for {tp!r}")


def _same(value: Any) -> Any:
    return value


def _exactly(tp: type[Any]) -> Decode:
    def decode(raw: Any) -> Any:
        if type(raw) is not tp:  # bool is not int here, nor int bool
            raise TypeError(f"expected {tp.__name__}")
        return raw

    return decode


def _decimal_text(value: Decimal) -> str:
    return format(value, "f")  # exact, never rounded to a context's precision


def _decimal(raw: Any) -> Decimal:
    if type(raw) is not str:
        raise TypeError("expected a decimal as text")
    return Decimal(raw)


def _enum_value(value: Enum) -> Any:
    return value.value


def _enum_of(tp: type[Enum]) -> Decode:
    members = tp._value2member_map_

    def decode(raw: Any) -> Any:
        return members[raw]

    return decode


def _optional(encode: Encode, decode: Decode) -> tuple[Encode, Decode]:
    return (lambda value: None if value is None else encode(value)), (
        lambda raw: None if raw is None else decode(raw)
    )


def _items(encode: Encode, decode: Decode, kind: type[Any]) -> tuple[Encode, Decode]:
    def decode_items(raw: Any) -> Any:
        if type(raw) is not list:
            raise TypeError("expected a list")
        return kind(decode(item) for item in raw)

    return (lambda value: [encode(item) for item in value]), decode_items


def _dataclass(cls: type[Any]) -> tuple[Encode, Decode]:
    hints = field_hints(cls)
    names = tuple(hints)
    plans = [plan(hints[name]) for name in names]
    encoders = tuple(zip(names, (encode for encode, _ in plans), strict=True))
    decoders = tuple(decode for _, decode in plans)
    width = len(names)

    def encode(value: Any) -> list[Any]:
        return [enc(getattr(value, name)) for name, enc in encoders]

    def decode(raw: Any) -> Any:
        if type(raw) is not list or len(raw) != width:
            raise TypeError(f"expected {width} fields of {cls.__name__}")
        return cls(*[dec(item) for dec, item in zip(decoders, raw, strict=True)])

    return encode, decode
