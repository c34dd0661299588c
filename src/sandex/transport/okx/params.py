"""Generic OKX request-value readers: JSON bodies and query strings into typed values.

Rules every OKX client relies on (reference §4.4, §7):

* `""` and `null` mean "not given" (python-okx sends every unset optional field as `""`, and
  `attachAlgoOrds` as `null`); unknown extra fields are ignored.
* Numbers travel as strings; JSON numbers are accepted too and mean exactly what the same digits
  in a string mean (`exact_json`, `sandex.domain.money.parse_decimal`); booleans as `true`/`false`
  or `"true"`/`"false"`.
* A bad value refuses the request with 51000 naming the wire field; a missing required one with 50014.

Readers raise `OkxRejection`; a handler that must answer per item (batches) catches it around one item.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from starlette.requests import Request

from sandex.domain.errors import Reason, Rejected
from sandex.domain.money import bounded, parse_decimal
from sandex.transport.okx import exact_json
from sandex.transport.okx.envelope import OkxRejection

E = TypeVar("E", bound=StrEnum)

DEFAULT_LIMIT = 100


def bad(name: str) -> OkxRejection:
    """51000 "Parameter {name} error"."""
    return OkxRejection(Rejected.of(Reason.PARAM_ERROR, field=name))


def missing(name: str) -> OkxRejection:
    """50014 "Parameter {name} can not be empty."."""
    return OkxRejection(Rejected.of(Reason.PARAM_EMPTY, field=name))


def is_absent(value: Any) -> bool:
    return value is None or value == ""


# --- bodies --------------------------------------------------------------------------------------
async def json_body(request: Request) -> Any:
    """The parsed JSON body (already read, and signed over, by the auth dependency)."""
    raw = await request.body()
    if not raw.strip():
        raise OkxRejection(Rejected.of(Reason.BODY_EMPTY))
    try:
        return exact_json.loads(raw)
    except exact_json.JsonSyntaxError:
        raise OkxRejection(Rejected.of(Reason.JSON_SYNTAX)) from None


def text(body: Mapping[str, Any], name: str) -> str | None:
    """A string field, None when absent. Numbers are read as their text (e.g. an ordId sent as 123)."""
    value = body.get(name)
    if is_absent(value):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise bad(name)
    return str(value)


def required_text(body: Mapping[str, Any], name: str) -> str:
    value = text(body, name)
    if value is None:
        raise missing(name)
    return value


def token(body: Mapping[str, Any], name: str, max_len: int) -> str:
    """An OKX client id (`algoClOrdId`, `tag`, `reqId`): up to `max_len` ASCII letters and digits;
    `""` when absent."""
    value = text(body, name)
    if value is None:
        return ""
    if len(value) > max_len or not (value.isascii() and value.isalnum()):
        raise bad(name)
    return value


def decimal(body: Mapping[str, Any], name: str) -> Decimal | None:
    """A number by the one rule (`parse_decimal`) from a string or a JSON number (read exactly:
    `exact_json`); None when absent."""
    value = body.get(name)
    if is_absent(value):
        return None
    if isinstance(value, str):
        parsed = parse_decimal(value)
    elif isinstance(value, Decimal):
        parsed = bounded(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        parsed = bounded(Decimal(value))
    elif isinstance(value, float):  # not from a request body (exact_json reads those as Decimals)
        parsed = parse_decimal(repr(value))
    else:  # a bool, an object, a list
        parsed = None
    if parsed is None:
        raise bad(name)
    return parsed


def required_decimal(body: Mapping[str, Any], name: str) -> Decimal:
    value = decimal(body, name)
    if value is None:
        raise missing(name)
    return value


def boolean(body: Mapping[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if is_absent(value):
        return None
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    raise bad(name)


def choice(body: Mapping[str, Any], name: str, kind: type[E]) -> E | None:
    """One value of an enum (its wire values are the enum's values)."""
    value = text(body, name)
    return None if value is None else enum_value(value, name, kind)


def required_choice(body: Mapping[str, Any], name: str, kind: type[E]) -> E:
    return enum_value(required_text(body, name), name, kind)


def enum_value(value: str, name: str, kind: type[E]) -> E:
    member = kind._value2member_map_.get(value)  # a dict lookup: calling the enum costs ~1 µs
    if member is None:
        raise bad(name)
    return member  # type: ignore[return-value]


# --- query strings -------------------------------------------------------------------------------
MAX_INT64 = 2**63 - 1  # ids, timestamps and cursors are compared with BIGINT columns


def query_int(value: str | None, name: str) -> int | None:
    """A non-negative integer (ids, ms timestamps, cursors) from a query value, at most 2**63-1
    (what the database compares it with); None when absent."""
    if not value:
        return None
    parsed = int64_or_none(value)
    if parsed is None:
        raise bad(name)
    return parsed


def int64_or_none(text: str) -> int | None:
    """Decimal digits of a number from 0 to 2**63-1 (19 digits at most: no 5,000-digit int())."""
    if not (text.isascii() and text.isdigit() and len(text) <= 19):
        return None
    value = int(text)
    return value if value <= MAX_INT64 else None


def query_limit(value: str | None, maximum: int = DEFAULT_LIMIT, default: int = DEFAULT_LIMIT) -> int:
    """OKX page size: 1..maximum, `default` when absent."""
    parsed = query_int(value, "limit")
    if parsed is None:
        return default
    if not 1 <= parsed <= maximum:
        raise bad("limit")
    return parsed


def query_list(value: str | None, name: str, maximum: int) -> list[str]:
    """A comma-separated list (`ccy=BTC,ETH`), blanks dropped; more than `maximum` items is 51000."""
    items = [item.strip() for item in (value or "").split(",") if item.strip()]
    if len(items) > maximum:
        raise bad(name)
    return items


# --- refusals from the services, in wire words ---------------------------------------------------
def wire_name(name: str) -> str:
    """Domain field names are snake_case (`new_px`, `cl_ord_id`); OKX names are camelCase."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


_FIELD_PARAMS = ("field", "other")


def in_wire_words(rejected: Rejected) -> Rejected:
    """The same refusal with any field names it carries spelled as OKX spells them."""
    if not any(key in rejected.params for key in _FIELD_PARAMS):
        return rejected
    params = {
        key: wire_name(value) if key in _FIELD_PARAMS else value for key, value in rejected.params.items()
    }
    return Rejected(rejected.reason, params)
