"""Column types for exact money: ledger units beyond 64 bits, and decimals that never become floats.

* `BigUnits`: a Python int of any size (ledger amounts are 10**-18 units: 1 BTC = 10**18, so a
  large balance exceeds 64-bit integers). PostgreSQL stores NUMERIC(78, 0) (exact, summable in
  SQL); SQLite stores TEXT, because its INTEGER is 64-bit and its NUMERIC affinity would turn big
  values into REAL. Never compare or sum these columns in SQL on SQLite (text order).
* `DecimalText`: a `Decimal` price or size kept as its exact plain-notation string ("0.00001",
  never "1E-5") on both backends: prices and sizes are only ever read back, never computed in SQL.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

BIG_UNITS_PRECISION = 78  # digits: any 256-bit integer fits


class BigUnits(TypeDecorator[int]):
    impl = Numeric(BIG_UNITS_PRECISION, 0)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(Numeric(BIG_UNITS_PRECISION, 0, asdecimal=True))

    def process_bind_param(self, value: int | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"BigUnits takes int, got {type(value).__name__}")
        return str(value) if dialect.name == "sqlite" else Decimal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int(value)  # exact from both str and Decimal


class DecimalText(TypeDecorator[Decimal]):
    impl = String(48)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise TypeError(f"DecimalText takes a finite Decimal, got {value!r}")
        return format(value, "f")

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)
