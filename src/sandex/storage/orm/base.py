"""The declarative base shared by every table, with constraint names Alembic can rely on."""

from __future__ import annotations

from sqlalchemy import BigInteger, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Millisecond timestamps and ids outgrow 32 bits; SQLite's INTEGER is 64-bit anyway.
Millis = BigInteger


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
