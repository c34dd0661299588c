"""JSON bodies with numbers kept exact: a JSON number means the same as the same digits in a string.

orjson (fast, on every request) reads a number with a fraction or an exponent as a float, so
`0.0100000000000000000000000000000000000001` would become 0.01 and `1e400` a syntax error, while the
same digits as a string are read exactly (and refused). Only when a body holds such a number is it
read again by the standard library with every fraction a `Decimal`: bodies of strings and integers
(what OKX clients send) pay for a walk over their few values, nothing more. Integers beyond 64
bits come back exact too (orjson made them floats).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson


class JsonSyntaxError(ValueError):
    """Not one well-formed JSON document (NaN and Infinity included: JSON has no such numbers)."""


def loads(raw: bytes | str) -> Any:
    """The document in `raw`, with every number that is not a plain integer as a `Decimal`."""
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _exact(raw)  # e.g. a number too large for a double: still a number to refuse by name
    return _exact(raw) if _has_float(parsed) else parsed


def _exact(raw: bytes | str) -> Any:
    try:
        return json.loads(raw, parse_float=Decimal, parse_int=_exact_int, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise JsonSyntaxError from None


def _exact_int(text: str) -> int | Decimal:
    """Integers as ints, but one of thousands of digits as a Decimal (int() refuses those)."""
    return int(text) if len(text) <= 4000 else Decimal(text)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _has_float(value: Any) -> bool:
    """Whether a float is anywhere in `value`: one C-level pass over each container's value types
    (a typical order is one flat object: well under a microsecond)."""
    if type(value) is dict:
        values: Any = value.values()
    elif type(value) is list:
        values = value
    else:
        return type(value) is float
    kinds = set(map(type, values))
    if float in kinds:
        return True
    if dict in kinds or list in kinds:
        return any(_has_float(item) for item in values if type(item) is dict or type(item) is list)
    return False


def default(value: Any) -> Any:
    """For `orjson.dumps(default=...)`: a Decimal read from a request and echoed back, as text."""
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
