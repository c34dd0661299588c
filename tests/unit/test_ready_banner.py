"""What `sandex serve` prints once ready: addresses clients on this machine can use, TLS schemes,
and no database password."""

from __future__ import annotations

from pathlib import Path

from sandex.cli.ready import Bound, banner, running_server_url, write_server_file
from sandex.config import Settings


def _entries(lines: list[str]) -> dict[str, str]:
    return {line[:16].strip(): line[16:] for line in lines[1:]}


def test_a_server_on_every_interface_is_shown_at_the_loopback_address_with_tls(tmp_path: Path) -> None:
    shown = _entries(banner(Bound("0.0.0.0", 8443, tls=True), Settings(data_dir=tmp_path), seed=7))  # noqa: S104

    assert shown["REST API"] == "https://127.0.0.1:8443/api/v5"
    assert shown["public WS"] == "wss://127.0.0.1:8443/ws/v5/public"
    assert shown["private WS"].startswith("wss://127.0.0.1:8443/ws/v5/private")
    assert shown["TLS"] == f"clients must trust `sandex tls ca-path --data-dir {tmp_path.resolve()}`"


def test_ipv6_hosts_are_bracketed() -> None:
    assert Bound("::1", 8000, tls=False).url == "http://[::1]:8000"


def test_the_database_password_is_not_printed(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, database_url="postgresql+psycopg://bob:s3cret@db/sandex", market=False
    )

    lines = banner(Bound("127.0.0.1", 8000, tls=False), settings, seed=None)

    assert not any("s3cret" in line for line in lines)
    shown = _entries(lines)
    assert shown["database"] == "postgresql+psycopg://bob:***@db/sandex"
    assert shown["market"].startswith("off")
    assert "--database-url" in shown["reset"]


def test_the_server_file_gives_reset_the_servers_url(tmp_path: Path) -> None:
    assert running_server_url(tmp_path) is None
    write_server_file(tmp_path, Bound("127.0.0.1", 8123, tls=False))
    assert running_server_url(tmp_path) == "http://127.0.0.1:8123"
