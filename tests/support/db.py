"""One migrated template database per test session, copied for every test that needs a database.

Migrating a fresh database runs every Alembic revision (a few hundred ms per test, about 30 % of the
suite's time when each test did it); copying a migrated one costs a few ms. SQLite: the template is a
file, copied into the test's data dir, where `Settings` looks for it. PostgreSQL: the template is a
database, cloned on the server with `CREATE DATABASE ... TEMPLATE ...`.

`open_runtime` still runs `migrate` on the copy; Alembic finds it at head and leaves it alone, so what a
test sees is exactly what a first start leaves behind.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sandex.storage.db import create_db_engine, migrate

SQLITE_NAME = "sandex.db"  # where `Settings.resolved_database_url` puts the database in a data dir
OWNER_ONLY = 0o600  # what sandex gives its database file


@functools.cache
def _sqlite_template() -> Path:
    """Migrated once per process (pytest-xdist workers each build their own)."""
    directory = Path(tempfile.mkdtemp(prefix="sandex-template-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    path = directory / SQLITE_NAME
    engine = create_db_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # the last connection checkpoints the WAL: the file alone holds the schema
    return path


def migrated_sqlite_file(path: Path) -> Path:
    """A migrated, empty SQLite database at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite_template(), path)
    os.chmod(path, OWNER_ONLY)
    return path


def migrated_data_dir(data_dir: Path) -> Path:
    """`data_dir` with a migrated, empty database in it: a data dir as a first start leaves it, minus the
    keys and tokens, which the runtime still creates itself. A data dir that has a database already
    (a test reopening it, as a restart would) keeps it."""
    if not (data_dir / SQLITE_NAME).exists():
        migrated_sqlite_file(data_dir / SQLITE_NAME)
    return data_dir


def migrated_sqlite_in(directory: Path, name: str = "storage.db") -> Path:
    """A migrated, empty SQLite database named `name` in `directory`."""
    return migrated_sqlite_file(directory / name)


def migrated_sqlite_url(directory: Path, name: str = "storage.db") -> str:
    return f"sqlite:///{migrated_sqlite_in(directory, name)}"


class PostgresDatabases:
    """Creates and drops the per-test databases of one PostgreSQL server; clones a migrated template."""

    def __init__(self, admin_url: str) -> None:
        self._admin_url = admin_url
        self._admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self._template: str | None = None

    def url_of(self, name: str) -> str:
        return make_url(self._admin_url).set(database=name).render_as_string(hide_password=False)

    def create_empty(self) -> str:
        return self._create("")

    def create_migrated(self) -> str:
        return self._create(f' TEMPLATE "{self._migrated_template()}"')

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        if self._template is not None:
            self.drop(self.url_of(self._template))
        self._admin.dispose()

    def _create(self, clause: str) -> str:
        name = f"sandex_t_{uuid.uuid4().hex[:12]}"
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        return self.url_of(name)

    def _migrated_template(self) -> str:
        if self._template is None:
            url = self.create_empty()
            engine = create_db_engine(url)
            migrate(engine)
            engine.dispose()  # a template must have no connections while it is cloned
            self._template = make_url(url).database
        assert self._template is not None
        return self._template
