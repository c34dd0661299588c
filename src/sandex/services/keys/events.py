"""events."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KeyChanged:
    """Published after a key's change commits: caches drop it, WS sessions on it close (4007)."""

    api_key: str
    user_id: int
    change: str  # "created" | "activated" | "edited" | "revoked" | "deleted" | "expired"
