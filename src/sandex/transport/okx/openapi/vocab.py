"""The words the OKX route table is written in, and how each becomes OpenAPI.

A route is described by a `Doc`: its query parameters and JSON body fields (`Param`), whether the
body is a batch, extra headers. Everything travels as OKX sends it: query values and body numbers
are strings, flags in a body are JSON booleans. Authentication is not part of a `Doc`: the document
reads it from the route itself (its permission mark), so it cannot disagree with what is enforced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, Literal

Kind = Literal["string", "boolean", "objects"]
DIGITS = "^[0-9]+$"


@dataclass(frozen=True, slots=True)
class Param:
    """One query parameter, body field or header, under its wire name."""

    name: str
    description: str = ""
    required: bool = False
    enum: tuple[str, ...] = ()
    pattern: str | None = None
    kind: Kind = "string"
    example: str | None = None  # also what fuzzers try first: a value that reaches the handler's core

    def schema(self, *, in_query: bool) -> dict[str, Any]:
        if self.kind == "boolean":  # a query string can only carry its text
            return {"type": "string", "enum": ["true", "false"]} if in_query else {"type": "boolean"}
        if self.kind == "objects":
            return {"type": "array", "items": {"type": "object"}}
        schema: dict[str, Any] = {"type": "string"}
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.pattern:
            schema["pattern"] = self.pattern
        if self.example is not None:
            schema["examples"] = [self.example]
        return schema


@dataclass(frozen=True, slots=True)
class Doc:
    """What a route takes and answers. `batch`: the body is an array of 1 to `max_items` such objects;
    `order_results`: it answers one result per order (`sCode`/`sMsg`) and `inTime`/`outTime`."""

    summary: str
    query: tuple[Param, ...] = ()
    body: tuple[Param, ...] = ()
    batch: bool = False
    max_items: int = 20
    headers: tuple[Param, ...] = ()
    order_results: bool = False


# --- shorthands the table uses -------------------------------------------------------------------
def text(name: str, description: str = "", *, required: bool = False, example: str | None = None) -> Param:
    return Param(name, description, required, example=example)


def digits(name: str, description: str = "", *, required: bool = False) -> Param:
    """A non-negative integer as a string: ids, ms timestamps, page sizes."""
    return Param(name, description, required, pattern=DIGITS)


def limit(maximum: int, default: int = 100) -> Param:
    return digits("limit", f"page size, 1-{maximum} (default {default})")


def one_of(
    name: str,
    values: Iterable[str | Enum],
    description: str = "",
    *,
    required: bool = False,
    example: str | None = None,
) -> Param:
    wire = tuple(str(v.value) if isinstance(v, Enum) else v for v in values)
    return Param(name, description, required, enum=tuple(sorted(wire)), example=example)


def flag(name: str, description: str = "") -> Param:
    return Param(name, description, kind="boolean")


def objects(name: str, description: str = "") -> Param:
    return Param(name, description, kind="objects")


def required(*params: Param) -> tuple[Param, ...]:
    """The same parameters, each required."""
    return tuple(replace(p, required=True) for p in params)


# --- rendering -----------------------------------------------------------------------------------
def parameters(doc: Doc, shared_headers: Iterable[Param]) -> list[dict[str, Any]]:
    query = [_parameter(p, "query") for p in doc.query]
    return query + [_parameter(p, "header") for p in (*shared_headers, *doc.headers)]


def _parameter(param: Param, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {"name": param.name, "in": where, "required": param.required}
    if param.description:
        out["description"] = param.description
    out["schema"] = param.schema(in_query=True)
    return out


def request_body(doc: Doc) -> dict[str, Any] | None:
    if not doc.body:
        return None
    item: dict[str, Any] = {
        "type": "object",
        "properties": {p.name: _field(p) for p in doc.body},
    }
    names = [p.name for p in doc.body if p.required]
    if names:
        item["required"] = names
    schema = {"type": "array", "items": item, "minItems": 1, "maxItems": doc.max_items} if doc.batch else item
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _field(param: Param) -> dict[str, Any]:
    schema = param.schema(in_query=False)
    if param.description:
        schema["description"] = param.description
    return schema
