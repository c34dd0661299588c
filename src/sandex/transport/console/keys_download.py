"""The "Download" of a new key's details at the reveal step: a plain-text file the user keeps, as
OKX's guides tell them to (the secret and passphrase are shown only this once)."""

from __future__ import annotations

import re
from urllib.parse import quote

from sandex.services.keys.views import CreatedKey
from sandex.transport.console.render import when

_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def key_file_text(created: CreatedKey, owner: str) -> str:
    info = created.info
    lines = (
        ("API key name", info.label),
        ("API key", info.api_key),
        ("Secret key", created.secret),
        ("Passphrase", created.passphrase),
        ("Permissions", info.perm_text),
        ("IP allow-list", info.ip_text or "any IP"),
        ("Environment", info.environment.value),
        ("Account", owner),
        ("Description", info.description or "-"),
        ("Created", when(info.created_ms)),
    )
    return "".join(f"{name}: {value}\n" for name, value in lines)


def key_file_name(created: CreatedKey) -> str:
    safe = _UNSAFE_IN_NAME.sub("-", created.info.label).strip("-") or "key"
    return f"sandex-api-key-{safe}.txt"


def key_file_href(created: CreatedKey, owner: str) -> str:
    """A data: URL, so the file never travels again: the page that shows the secret carries it."""
    return "data:text/plain;charset=utf-8," + quote(key_file_text(created, owner), safe="")
