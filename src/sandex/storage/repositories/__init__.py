"""Repositories: SQL implementations of the services' storage ports, one module per feature.

Each repository works inside a session it is handed by the unit of work (`sandex.storage.uow`) and
never commits; the unit of work does. Records cross the boundary as the services' dataclasses, never
as ORM rows.
"""

from sandex.storage.repositories.accounts import (
    SqlEmailCodeRepository,
    SqlLoginRepository,
    SqlMailOutbox,
    SqlUserRepository,
)
from sandex.storage.repositories.counters import SqlChangeCounters

__all__ = [
    "SqlChangeCounters",
    "SqlEmailCodeRepository",
    "SqlLoginRepository",
    "SqlMailOutbox",
    "SqlUserRepository",
]
