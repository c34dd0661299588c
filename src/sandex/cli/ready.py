"""What `sandex serve` tells a newcomer once it accepts connections, and the address it leaves in
the data dir so that `sandex reset` can reach the running server's control API."""

from __future__ import annotations

import json
import os
import shlex
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandex.config import Settings

SERVER_FILE = "server.json"  # {"url": ..., "pid": ...} while `sandex serve` runs on the data dir
# a server bound to every interface is reached from this machine at the loopback address
WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104 - names, not binds


@dataclass(frozen=True, slots=True)
class Bound:
    """Where the server listens, as clients on this machine reach it."""

    host: str
    port: int
    tls: bool

    @property
    def url(self) -> str:
        host = WILDCARDS.get(self.host, self.host)
        netloc = f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"
        return f"{'https' if self.tls else 'http'}://{netloc}"

    @property
    def ws_url(self) -> str:
        return "ws" + self.url.removeprefix("http")


def bound_address(sockets: Iterable[socket.socket], tls: bool) -> Bound:
    """The first listening socket's real address (`--port 0` picks the port only when binding)."""
    first = next(iter(sockets))
    host, port = first.getsockname()[:2]
    return Bound(str(host), int(port), tls)


def banner(bound: Bound, settings: Settings, seed: int | None, *, control: Bound | None = None) -> list[str]:
    """The "where is everything" block printed once the server is ready (`control`: where the
    control API is when not on `bound`, the sequencer's port under `--workers`)."""
    data_dir = settings.data_dir.resolve()
    dir_flag = f" --data-dir {shlex.quote(str(data_dir))}"
    token = "SANDEX_ADMIN_TOKEN" if settings.admin_token else f"`sandex admin-token{dir_flag}`"
    database = shown_database_url(settings.resolved_database_url())
    db_flag = f" --database-url {shlex.quote(database)}" if settings.database_url else ""
    market = f"on, seed {seed} (`--seed {seed}` replays it)" if seed is not None else "off (--market off)"
    lines = [
        "sandex is ready:",
        f"  REST API      {bound.url}/api/v5",
        f"  public WS     {bound.ws_url}/ws/v5/public",
        f"  private WS    {bound.ws_url}/ws/v5/private   (business: {bound.ws_url}/ws/v5/business)",
        f"  console       {bound.url}/   (sign up, fund with `sandex deposit`, make an API key)",
        f"  control API   {(control or bound).url}/sandex/v1   (bearer token: {token})",
        f"  data dir      {data_dir}",
        f"  database      {database}",
        f"  market        {market}",
        f"  reset         `sandex reset{dir_flag}{db_flag}`",
    ]
    if bound.tls:
        lines.append(f"  TLS           clients must trust `sandex tls ca-path{dir_flag}`")
    return lines


def shown_database_url(database_url: str) -> str:
    """The database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).render_as_string(hide_password=True)


# --- the server file ---------------------------------------------------------------------------
def write_server_file(data_dir: Path, bound: Bound) -> Path:
    path = data_dir / SERVER_FILE
    path.write_text(json.dumps({"url": bound.url, "pid": os.getpid()}))
    return path


def remove_server_file(data_dir: Path) -> None:
    """Remove the file this process wrote (not one a later server on the same data dir wrote)."""
    path = data_dir / SERVER_FILE
    if _read(path).get("pid") == os.getpid():
        path.unlink(missing_ok=True)


def running_server_url(data_dir: Path) -> str | None:
    """The base URL a running `sandex serve` left in the data dir, if any."""
    url = _read(data_dir / SERVER_FILE).get("url")
    return url if isinstance(url, str) else None


def _read(path: Path) -> dict[str, object]:
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}
