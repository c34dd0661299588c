"""What every CLI command shares: settings from flags, one-line failures, common options."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError

from sandex.config import Settings

# Options default to None so that SANDEX_* environment variables (read by Settings) still apply.
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="Where sandex keeps its database and key files.", show_default="./sandex-data"
    ),
]
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL, e.g. postgresql+psycopg://user@127.0.0.1/sandex.",
        show_default="SQLite in the data dir",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]


def fail_with(message: str, code: int = 1) -> NoReturn:
    """Exit non-zero with one line on stderr: scripts and CI read the reason, not a traceback."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def settings_from(**flags: Any) -> Settings:
    """Settings from SANDEX_* env vars with the given flags on top (None means "not given")."""
    given = {name: value for name, value in flags.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        fail_with(f"invalid {field}: {first['msg']}")
