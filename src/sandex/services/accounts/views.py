"""What the accounts service answers with: immutable views, never storage records."""

from __future__ import annotations

from dataclasses import dataclass

from sandex.domain.accounts.model import UserStatus
from sandex.services.accounts.ports import UserRecord


@dataclass(frozen=True, slots=True)
class UserView:
    """A user as callers see it. `status` is the *effective* status: a frozen master freezes its subs."""

    id: int
    uid: str
    email: str | None
    sub_name: str | None
    master_id: int | None
    label: str
    status: UserStatus
    totp_enabled: bool
    created_ms: int
    can_transfer_out: bool = True

    @property
    def is_sub_account(self) -> bool:
        return self.master_id is not None


@dataclass(frozen=True, slots=True)
class SubAccountView:
    """One row of OKX's `GET /api/v5/users/subaccount/list`."""

    uid: str
    name: str
    label: str
    enabled: bool
    totp_enabled: bool
    can_transfer_out: bool
    created_ms: int


def user_view(user: UserRecord, status: UserStatus) -> UserView:
    return UserView(
        id=user.id,
        uid=user.uid,
        email=user.email,
        sub_name=user.sub_name,
        master_id=user.master_id,
        label=user.label,
        status=status,
        totp_enabled=user.totp_enabled,
        created_ms=user.created_ms,
        can_transfer_out=user.can_transfer_out,
    )


def sub_account_view(sub: UserRecord) -> SubAccountView:
    return SubAccountView(
        uid=sub.uid,
        name=sub.sub_name or "",
        label=sub.label,
        enabled=sub.status is UserStatus.ACTIVE,
        totp_enabled=sub.totp_enabled,
        can_transfer_out=sub.can_transfer_out,
        created_ms=sub.created_ms,
    )
