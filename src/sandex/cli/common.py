"""What every CLI command shares: settings from flags, one-line failures, common options."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from sandex.domain.errors import Rejected

if TYPE_CHECKING:
    from sandex.cli.exchange_tables import ExchangeTables, UsersAndTables
    from sandex.config import Settings
    from sandex.process import AccountsRuntime, Runtime
    from sandex.services.accounts.service import UserView

T = TypeVar("T")
R = TypeVar("R", "Runtime", "AccountsRuntime", "ExchangeTables", "UsersAndTables")

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
    from pydantic import ValidationError  # deferred: pydantic-settings is slow to import; `--help` skips it

    from sandex.config import Settings

    given = {name: value for name, value in flags.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        fail_with(f"invalid {field}: {first['msg']}")


@contextmanager
def open_cli_runtime(data_dir: Path | None, database_url: str | None) -> Iterator[Runtime]:
    """The same services a server runs, opened on the data dir or database (migrated if needed)."""
    from sandex.process import open_runtime  # deferred: `sandex --help` stays fast

    with _opened(open_runtime, data_dir, database_url, _dispose) as runtime:
        yield runtime


@contextmanager
def open_cli_accounts(data_dir: Path | None, database_url: str | None) -> Iterator[AccountsRuntime]:
    """Users and API keys alone (same database, files and checks): `sandex user …`/`sandex keys …`
    do not import the exchange, the market or funding."""
    from sandex.process import open_accounts  # deferred: `sandex --help` stays fast

    with _opened(open_accounts, data_dir, database_url, _dispose) as runtime:
        yield runtime


@contextmanager
def open_cli_exchange(data_dir: Path | None, database_url: str | None) -> Iterator[UsersAndTables]:
    """Users and the exchange's tables: a command for the exchange's writer (a deposit, a fee tier)
    is handed to a running server without building the exchange here (it is built only when no
    server runs and this process applies the command itself)."""
    from sandex.cli.exchange_tables import UsersAndTables, open_users_and_tables

    with _opened(open_users_and_tables, data_dir, database_url, UsersAndTables.close) as runtime:
        yield runtime


@contextmanager
def open_cli_tables(data_dir: Path | None, database_url: str | None) -> Iterator[ExchangeTables]:
    """The database and the exchange's tables alone (`sandex market …`, `sandex reset`)."""
    from sandex.cli.exchange_tables import ExchangeTables, open_tables

    with _opened(open_tables, data_dir, database_url, ExchangeTables.close) as runtime:
        yield runtime


def _dispose(runtime: Runtime | AccountsRuntime) -> None:
    runtime.engine.dispose()


@contextmanager
def _opened(
    opener: Callable[[Settings], R],
    data_dir: Path | None,
    database_url: str | None,
    close: Callable[[R], None],
) -> Iterator[R]:
    settings = settings_from(data_dir=data_dir, database_url=database_url)
    try:
        runtime = opener(settings)
    except Exception as exc:  # cannot open the database or key file: one line, exit 1
        fail_with(f"cannot open {settings.resolved_database_url()}: {exc}")
    try:
        yield runtime
    finally:
        close(runtime)


def require(outcome: T | Rejected) -> T:
    """The value, or exit 1 with the refusal's OKX message, reason and code on one line."""
    if isinstance(outcome, Rejected):
        from sandex.transport.okx.errors import wire_error

        entry, message = wire_error(outcome)
        fail_with(f"{message} ({outcome.reason.value}, code {entry.code})")
    return outcome


def user_by_email(runtime: Runtime | AccountsRuntime | UsersAndTables, email: str) -> UserView:
    user = runtime.accounts.get_user_by_email(email)
    if user is None:
        fail_with(f"no user with email {email.strip().lower()}")
    return user


def iso(ms: int | None) -> str:
    """A UTC instant for humans: 2026-11-21T08:20:00Z ("-" for never)."""
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def emit(as_json: bool, payload: dict[str, Any], lines: list[str]) -> None:
    """One JSON object for scripts, or readable lines for people."""
    if as_json:
        typer.echo(json.dumps(payload))
    else:
        for line in lines:
            typer.echo(line)
