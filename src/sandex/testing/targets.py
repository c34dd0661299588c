"""Where an `okx_verified` test runs: sandex (always, by default) or OKX's demo trading.

A test marked `@pytest.mark.okx_verified` runs against OKX demo trading when all three of
`OKX_DEMO_API_KEY`, `OKX_DEMO_SECRET` and `OKX_DEMO_PASSPHRASE` are set (a demo-trading API key made
on okx.com), and against sandex otherwise. `OKX_DEMO_BASE_URL` overrides `https://www.okx.com`.
Unmarked tests always use sandex.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sandex.client.models import Credentials

DEMO_ENV = ("OKX_DEMO_API_KEY", "OKX_DEMO_SECRET", "OKX_DEMO_PASSPHRASE")
BASE_URL_ENV = "OKX_DEMO_BASE_URL"
OKX_URL = "https://www.okx.com"
MARKER = "okx_verified"


@dataclass(frozen=True, slots=True)
class OkxDemo:
    """OKX demo trading: the base URL and the demo key (sent with `x-simulated-trading: 1`)."""

    base_url: str
    credentials: Credentials


def okx_demo_from_env(environ: Mapping[str, str]) -> OkxDemo | None:
    """The OKX demo target when every credential is set; None when none is."""
    values = [environ.get(name, "").strip() for name in DEMO_ENV]
    if not all(values):
        return None
    api_key, secret, passphrase = values
    base_url = (environ.get(BASE_URL_ENV, "").strip() or OKX_URL).rstrip("/")
    return OkxDemo(base_url, Credentials(api_key, secret, passphrase, demo=True))


def partial_demo_env(environ: Mapping[str, str]) -> list[str]:
    """The missing names when some, but not all, OKX demo credentials are set (a likely mistake)."""
    missing = [name for name in DEMO_ENV if not environ.get(name, "").strip()]
    return missing if 0 < len(missing) < len(DEMO_ENV) else []


def okx_demo_for(marked: bool, environ: Mapping[str, str]) -> OkxDemo | None:
    """The OKX target for a test, or None for sandex."""
    return okx_demo_from_env(environ) if marked else None
