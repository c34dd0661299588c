"""Owner-only files: the data dir holds the database, secrets' keys, the admin token and TLS keys.

Created 0700 (directories) and 0600 (files) whatever the umask, and tightened on every start, so a
data dir made by an older sandex (0755, database 0644) is closed too. SQLite creates a database's
`-wal` and `-shm` with the database file's own mode, so creating that file 0600 covers them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger("sandex.files")

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    tighten([path])  # mkdir's mode is cut by the umask, and an existing dir keeps its own
    return path


def private_file(path: Path) -> Path:
    """`path` exists (empty if it did not) and only its owner can read or write it."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    tighten([path])
    return path


def tighten(paths: Iterable[Path]) -> None:
    """Owner-only modes for those of `paths` that exist (symbolic links are left alone)."""
    for path in paths:
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue
        wanted = PRIVATE_DIR if stat.S_ISDIR(mode) else PRIVATE_FILE if stat.S_ISREG(mode) else None
        if wanted is None or stat.S_IMODE(mode) == wanted:
            continue
        try:
            path.chmod(wanted)
        except PermissionError:  # someone else's file: sandex can still use it, so say so and go on
            log.warning("cannot make %s owner-only (mode %o): it is not ours", path, stat.S_IMODE(mode))


def sqlite_files(database: Path) -> list[Path]:
    """The database file and the companions SQLite keeps beside it."""
    return [database, *(database.with_name(database.name + suffix) for suffix in SQLITE_COMPANIONS)]
