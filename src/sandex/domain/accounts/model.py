"""Identity values shared by accounts and API keys."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class UserStatus(StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"  # set by an operator; every login and API call is refused


class Environment(StrEnum):
    """Live and demo trading are separate worlds: a key belongs to exactly one of them."""

    LIVE = "live"
    DEMO = "demo"

    @classmethod
    def from_demo_flag(cls, demo: bool) -> Environment:
        """The environment a request asks for (`x-simulated-trading: 1` means demo)."""
        return cls.DEMO if demo else cls.LIVE


@dataclass(frozen=True, slots=True)
class User:
    """A master account (parent_id None) or one of its sub-accounts (named, with a parent)."""

    id: int
    status: UserStatus
    created_ms: int
    email: str | None = None  # normalised (rules.normalise_email); None for sub-accounts
    parent_id: int | None = None
    sub_name: str | None = None  # rules.check_subaccount_name; unique per master
    totp_enabled: bool = False

    @property
    def is_sub_account(self) -> bool:
        return self.parent_id is not None

    @property
    def is_frozen(self) -> bool:
        return self.status is UserStatus.FROZEN
