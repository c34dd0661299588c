"""API keys as the console shows them, and which keys a signed-in user may manage."""

from __future__ import annotations

from dataclasses import dataclass

from sandex.domain.clock import DAY_MS, HOUR_MS
from sandex.domain.keys.expiry import inactivity_applies
from sandex.domain.keys.model import PERMISSION_ORDER, KeyState, Permission
from sandex.services.keys.views import KeyInfo
from sandex.transport.console.context import ConsoleContext
from sandex.transport.console.session import Viewer

PERM_NAMES = {Permission.READ_ONLY: "Read", Permission.TRADE: "Trade", Permission.WITHDRAW: "Withdraw"}
WARN_WITHIN_MS = 7 * DAY_MS
_WORKING = (KeyState.ACTIVE, KeyState.PENDING)


@dataclass(frozen=True, slots=True)
class ExpiryNote:
    text: str
    level: str  # "" (plain) | "warn" | "danger"
    detail: str = ""


@dataclass(frozen=True, slots=True)
class KeyRow:
    info: KeyInfo
    owner: str  # "Main account" or the sub-account's name
    expiry: ExpiryNote

    @property
    def perms(self) -> list[tuple[str, str]]:
        """(css class, name) per granted permission, in OKX's order."""
        return [(perm.value, PERM_NAMES[perm]) for perm in PERMISSION_ORDER if perm in self.info.perms]

    @property
    def state(self) -> str:
        return self.info.state.value

    @property
    def can_activate(self) -> bool:
        return self.info.state is KeyState.PENDING

    @property
    def can_edit(self) -> bool:
        return self.info.state is not KeyState.REVOKED

    @property
    def can_revoke(self) -> bool:
        return self.info.state is not KeyState.REVOKED


def key_row(info: KeyInfo, now_ms: int, owner: str = "Main account") -> KeyRow:
    return KeyRow(info, owner, expiry_note(info, now_ms))


def expiry_note(info: KeyInfo, now_ms: int) -> ExpiryNote:
    idle = inactivity_applies(info)  # KeyInfo carries the freshest known last use
    detail = "14 days after its last use: trade without an IP allow-list" if idle else ""
    if info.state is KeyState.EXPIRED:
        return ExpiryNote("Expired", "danger", detail)
    deadline = info.effective_expiry_ms
    if deadline is None or info.state not in _WORKING:
        return ExpiryNote("Never" if deadline is None else "—", "")
    left = deadline - now_ms
    if left <= 0:
        return ExpiryNote("Expired", "danger", detail)
    if left <= WARN_WITHIN_MS:
        return ExpiryNote(f"Expires in {_span(left)}", "warn", detail)
    return ExpiryNote(f"In {left // DAY_MS} days", "", detail)


def _span(ms: int) -> str:
    days, hours = ms // DAY_MS, (ms % DAY_MS) // HOUR_MS
    return f"{days}d {hours}h" if days else f"{max(hours, 1)}h"


@dataclass(frozen=True, slots=True)
class OwnedKey:
    """A key the viewer may manage: their own, or one of their sub-accounts'."""

    info: KeyInfo
    owner_id: int
    sub_name: str | None

    @property
    def owner(self) -> str:
        return self.sub_name or "Main account"


def owned_key(console: ConsoleContext, viewer: Viewer, api_key: str) -> OwnedKey | None:
    info = console.keys.get(api_key)
    if info is None or info.state is KeyState.DELETED:
        return None
    if info.user_id == viewer.id:
        return OwnedKey(info, viewer.id, None)
    owner = console.accounts.get_user(info.user_id)
    if owner is not None and owner.master_id == viewer.id:
        return OwnedKey(info, owner.id, owner.sub_name)
    return None
