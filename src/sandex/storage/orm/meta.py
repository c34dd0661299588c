"""Bookkeeping tables that belong to no single feature."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from sandex.storage.orm.base import Base


class ChangeCounter(Base):
    """A counter per topic ("keys", "users"…) bumped in the same transaction as a change.

    Another process (the CLI writing while a server runs) bumps it; servers poll it to drop caches.
    """

    __tablename__ = "change_counters"

    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
