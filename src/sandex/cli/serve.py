"""`sandex serve`: run the exchange (REST + WS + console) with uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sandex.cli.common import DatabaseUrlOption, DataDirOption, fail_with, settings_from


def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on.", show_default="127.0.0.1")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="TCP port (0 picks a free one).", show_default="8000")
    ] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    catalogue: Annotated[
        Path | None, typer.Option(help="Instrument catalogue JSON replacing the bundled one.")
    ] = None,
    redis_url: Annotated[
        str | None, typer.Option("--redis-url", help="Redis URL for rate limits shared by several processes.")
    ] = None,
    smtp_url: Annotated[
        str | None,
        typer.Option(
            "--smtp-url",
            help="Send mail via SMTP: smtp[s|+starttls]://user:pass@host:port?from=addr. "
            "Default: the embedded outbox (`sandex mail list`).",
        ),
    ] = None,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option("--trusted-proxy", help="Proxy address whose X-Forwarded-For is honoured (repeatable)."),
    ] = None,
    rate_limits: Annotated[
        str | None,
        typer.Option(help="off | okx | xN (scale OKX's published limits by N).", show_default="okx"),
    ] = None,
    log_level: Annotated[
        str | None, typer.Option(help="debug, info, warning or error.", show_default="info")
    ] = None,
) -> None:
    """Start the sandex server: OKX v5 REST API at http://HOST:PORT/api/v5."""
    import uvicorn

    from sandex.app import create_app

    settings = settings_from(
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        catalogue=catalogue,
        redis_url=redis_url,
        smtp_url=smtp_url,
        trusted_proxies=tuple(trusted_proxy) if trusted_proxy else None,
        rate_limits=rate_limits,
        log_level=log_level,
    )
    try:
        application = create_app(settings)
    except Exception as exc:  # cannot start: say why in one line, exit non-zero
        fail_with(f"cannot start: {exc}")
    uvicorn.run(application, host=settings.host, port=settings.port, log_level=settings.log_level)
