"""Change counters: a number per topic bumped in the writer's transaction, polled by caches."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandex.storage.orm.meta import ChangeCounter
from sandex.storage.repositories._sql import dialect_insert


class SqlChangeCounters:
    def __init__(self, session: Session) -> None:
        self._session = session

    def bump(self, topic: str) -> None:
        table: Any = ChangeCounter.__table__
        # One atomic statement (no read-modify-write): two processes bumping at once both count.
        statement = dialect_insert(self._session, table).values(topic=topic, version=1)
        self._session.execute(
            statement.on_conflict_do_update(index_elements=["topic"], set_={"version": table.c.version + 1})
        )

    def version(self, topic: str) -> int:
        found = self._session.scalar(select(ChangeCounter.version).where(ChangeCounter.topic == topic))
        return found or 0
