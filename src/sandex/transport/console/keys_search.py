"""The API Management list at up to 50 keys: a search over name, description and key string, and
counts per state, so a long list stays usable."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sandex.domain.keys.model import KeyState
from sandex.domain.keys.rules import MAX_KEYS_PER_ACCOUNT
from sandex.services.keys.views import KeyInfo

QUERY_MAX = 100  # longer than any name, description or key: a longer query cannot match
_STATE_ORDER = (KeyState.ACTIVE, KeyState.PENDING, KeyState.EXPIRED, KeyState.REVOKED)


@dataclass(frozen=True, slots=True)
class KeyCounts:
    total: int
    by_state: tuple[tuple[str, int], ...]  # ("active", 12), … in a fixed order, only non-zero
    limit: int = MAX_KEYS_PER_ACCOUNT

    @property
    def full(self) -> bool:
        return self.total >= self.limit


def count_keys(keys: list[KeyInfo]) -> KeyCounts:
    held = Counter(info.state for info in keys)
    return KeyCounts(len(keys), tuple((state.value, held[state]) for state in _STATE_ORDER if held[state]))


def matching(keys: list[KeyInfo], query: str) -> list[KeyInfo]:
    """The keys whose name, description or API key contains `query` (any case); all when empty."""
    wanted = query.strip().casefold()[:QUERY_MAX]
    if not wanted:
        return keys
    return [
        info
        for info in keys
        if wanted in info.label.casefold()
        or wanted in info.description.casefold()
        or wanted in info.api_key.casefold()
    ]
