"""The control API's admin token: from the settings, or a 0600 `admin-token` file in the data dir.

The file is made on first start with 256 random bits and read on every later start, so the CLI, the
pytest plugin and scripts on the same machine find it (`sandex admin-token`). The token itself is
never logged.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ADMIN_TOKEN_FILE = "admin-token"  # noqa: S105 - a file name
MIN_LENGTH = 16


def admin_token_path(data_dir: Path) -> Path:
    return data_dir / ADMIN_TOKEN_FILE


def load_admin_token(data_dir: Path, configured: str | None = None) -> str:
    """The configured token if any, else the data dir's token file (created now if absent)."""
    if configured:
        if len(configured) < MIN_LENGTH:
            raise ValueError(f"the admin token must be at least {MIN_LENGTH} characters long")
        return configured
    path = admin_token_path(data_dir)
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    token = secrets.token_urlsafe(32)
    # Written aside, then linked into place: a concurrent reader sees no file or a whole one, and of
    # two processes starting at once the first link wins and both use its token.
    staging = path.with_name(f".{ADMIN_TOKEN_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(token + "\n")
        os.link(staging, path)
    except FileExistsError:
        return _read(path)
    finally:
        staging.unlink(missing_ok=True)
    return token


def _read(path: Path) -> str:
    token = path.read_text(encoding="ascii").strip()
    if len(token) < MIN_LENGTH:
        raise ValueError(f"{path} holds no usable admin token (delete it to make a new one)")
    return token
