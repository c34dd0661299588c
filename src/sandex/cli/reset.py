"""`sandex reset`: back to a fresh start (no users, keys, orders or balances) for a data dir or
database, whether or not a server runs on it.

With a server holding the sequencer lease the reset goes through its control API
(`POST /sandex/v1/reset`, at the address `sandex serve` left in the data dir), so the server's
in-memory state is dropped with the database's; without one, the command wipes the database the
same way (`StateStore.wipe`: the seeded reference data stays).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from sandex.cli.common import DatabaseUrlOption, DataDirOption, fail_with, open_cli_tables, settings_from
from sandex.cli.ready import running_server_url, shown_database_url

if TYPE_CHECKING:
    from sandex.cli.exchange_tables import ExchangeTables

RESET_TIMEOUT_S = 60.0  # a reset pauses the server's writers; a large database takes a while


def reset(
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete every user, key, order and balance (a running server on the same data dir or
    database is reset through its control API). Asks first unless --yes."""
    settings = settings_from(data_dir=data_dir, database_url=database_url)
    given_url = settings.database_url
    where = shown_database_url(given_url) if given_url else settings.data_dir.resolve()
    if not yes:
        typer.confirm(f"Delete every user, key, order and balance in {where}?", abort=True)
    with open_cli_tables(data_dir, database_url) as runtime:
        if _server_running(runtime):
            url = running_server_url(settings.data_dir)
            if url is None:
                fail_with(
                    f"a server is running on this database but left no address in {settings.data_dir}: "
                    "reset it through its control API (POST /sandex/v1/reset)"
                )
            took_ms = _reset_server(url, runtime)
            done = f"reset the running server at {url} ({took_ms:g} ms)"
            typer.echo(f"{done}: no users, keys, orders or balances")
            return
        _reset_database(runtime)
    typer.echo(f"reset {where} (no server running): no users, keys, orders or balances")


def _server_running(runtime: ExchangeTables) -> bool:
    from sandex.runtime.sequencer import lease_alive

    return lease_alive(runtime.trading.store)


def _reset_database(runtime: ExchangeTables) -> None:
    from sandex.storage.repositories.control import SqlStateStore

    SqlStateStore(runtime.engine, runtime.sessions).wipe()


def _reset_server(url: str, runtime: ExchangeTables) -> float:
    """POST /sandex/v1/reset on the server at `url`; how long it took, as the server measured."""
    import httpx

    from sandex.runtime.admin_token import load_admin_token

    settings = runtime.settings
    try:
        token = load_admin_token(settings.data_dir, settings.admin_token)
    except (OSError, ValueError) as exc:
        fail_with(f"cannot read the admin token: {exc}")
    verify: bool | str = True
    if url.startswith("https://"):
        from sandex.runtime.tls import CA_CERT, tls_dir  # the server's CA: no file is made or renewed

        verify = str(tls_dir(settings.data_dir) / CA_CERT)
    try:
        response = httpx.post(
            f"{url}/sandex/v1/reset",
            headers={"Authorization": f"Bearer {token}"},
            json={},
            verify=verify,
            timeout=RESET_TIMEOUT_S,
        )
    except httpx.HTTPError as exc:
        fail_with(f"cannot reach the running server at {url}: {exc}")
    if response.status_code != 200:
        fail_with(f"the server at {url} refused the reset: HTTP {response.status_code} {response.text[:200]}")
    took: float = response.json().get("took_ms", 0.0)
    return took
