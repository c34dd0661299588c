"""`sandex tls …`: the local certificate authority behind `sandex serve --tls`."""

from __future__ import annotations

import typer

from sandex.cli.common import DataDirOption, fail_with, settings_from

tls_app = typer.Typer(
    help="TLS for https:// and wss:// on this machine (sandex's own local CA).", no_args_is_help=True
)


@tls_app.command("ca-path")
def ca_path(data_dir: DataDirOption = None) -> None:
    """Print the path of the CA certificate clients must trust (created on first use)."""
    from sandex.runtime.tls import ensure_tls  # deferred: `sandex --help` stays fast

    settings = settings_from(data_dir=data_dir)
    try:
        files = ensure_tls(settings.data_dir, [settings.host])
    except OSError as exc:
        fail_with(f"cannot create the TLS files in {settings.data_dir}: {exc}")
    typer.echo(str(files.ca_cert.resolve()))
