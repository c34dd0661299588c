"""`sandex admin-token`: the control API's bearer token, for scripts and the pytest plugin's users."""

from __future__ import annotations

from typing import Annotated

import typer

from sandex.cli.common import DataDirOption, fail_with, settings_from


def admin_token(
    data_dir: DataDirOption = None,
    path: Annotated[bool, typer.Option("--path", help="Print the token file's path instead.")] = False,
) -> None:
    """Print the admin token of the control API (/sandex/v1), making it if the data dir has none.

    Use it as `Authorization: Bearer <token>`. SANDEX_ADMIN_TOKEN, when set, is the token instead."""
    from sandex.runtime.admin_token import admin_token_path, load_admin_token
    from sandex.storage.files import private_dir

    settings = settings_from(data_dir=data_dir)
    if path:
        if settings.admin_token:
            fail_with("the admin token comes from the settings (SANDEX_ADMIN_TOKEN), not from a file")
        typer.echo(str(admin_token_path(settings.data_dir).resolve()))
        return
    try:
        private_dir(settings.data_dir)
        typer.echo(load_admin_token(settings.data_dir, settings.admin_token))
    except (OSError, ValueError) as exc:
        fail_with(str(exc))
