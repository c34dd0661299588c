"""The warning `sandex serve` prints when it listens beyond this machine (`--host` not loopback)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandex.config import Settings


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to any interface


def exposure_warning(settings: Settings) -> str | None:
    """What anyone who can reach `--host` may use, or None when sandex listens on loopback only."""
    if is_loopback(settings.host):
        return None
    names = ", ".join(settings.allowed_hosts) or "none"
    listen = "any IP address" if settings.host.strip("[]") in ("0.0.0.0", "::") else settings.host  # noqa: S104
    return "\n".join(
        [
            f"WARNING: sandex listens on {settings.host}: anyone who can reach it can use",
            "  - the OKX API (/api/v5, /ws/v5) with keys made here, and the web console: sign-up is open",
            "    and the demo faucet credits demo funds to any account made there;",
            "  - the API docs pages (/sandex/docs, /sandex/openapi.json, /sandex/v1/docs);",
            "  - the control API (/sandex/v1: users, money, clock, reset) to anyone holding the admin token",
            f"    (`sandex admin-token`, data dir {settings.data_dir.resolve()}).",
            f"  Host names served besides localhost and {listen}: {names} (--allowed-host; others refused).",
            "  It is a sandbox: no real money, but do not expose it to networks you do not trust.",
        ]
    )
