"""ORM models, one module per feature; importing this package registers every table."""

from sandex.storage.orm import accounts, base, keys, meta

Base = base.Base

__all__ = ["Base", "accounts", "base", "keys", "meta"]
