"""What the accounts layer's users put on the hub."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class UserStatusChanged:
    """Published after an operator froze or unfroze a user: caches of key owners drop what they hold."""

    user_id: int
