"""Rules for creating and editing API keys, with OKX's refusals (59501-59505 and friends).

Label: 1-50 characters of ASCII letters, digits, `_`, `-` and inner spaces, case-sensitive, unique
per account (59502). OKX documents "letters or numbers" only, but its own guides show labels such
as "TradingBot_2024", and a refusal there would break scripts that work on OKX; spaces are allowed
inside (not at the ends) because people type "Grid bot".
Passphrase: 8-32 printable ASCII characters (no spaces) with at least one digit, one upper-case and
one lower-case letter and one special character. OKX documents this for keys of sub-accounts made
by API (59505); sandex applies it to every key so one rule holds everywhere. ASCII only because
the passphrase travels in an HTTP header.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass

from sandex.domain.clock import LATEST_MS
from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys.ips import UNBOUND, IpAllowList, parse_ip_list
from sandex.domain.keys.model import KeyState, Permission

MAX_KEYS_PER_ACCOUNT = 50
LABEL_MAX = 50
DESCRIPTION_MAX = 200  # a note for the owner (seeds 002/003); OKX's API never shows it
PASSPHRASE_MIN = 8
PASSPHRASE_MAX = 32
_LABEL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_- ")
_PERMS_BY_NAME = {perm.value: perm for perm in Permission}


class Unchanged(enum.Enum):
    """Marks an edit field left as it is (None already means "perpetual" for the expiry)."""

    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED


@dataclass(frozen=True, slots=True)
class KeySpec:
    """The validated, editable settings of a key."""

    label: str
    perms: frozenset[Permission]
    ips: IpAllowList = UNBOUND
    expires_at_ms: int | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class CreateKeyRequest:
    """A create request as typed: `perm` like "read_only,trade", `ip` comma/space separated."""

    label: str
    passphrase: str
    perm: str = ""
    ip: str = ""
    expires_at_ms: int | None = None  # None: perpetual
    description: str = ""


@dataclass(frozen=True, slots=True)
class EditKeyRequest:
    """Fields left None keep their value; `ip=""` removes every IP; perm and ip replace."""

    label: str | None = None
    perm: str | None = None
    ip: str | None = None
    expires_at_ms: int | Unchanged | None = UNCHANGED
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Owner:
    """What the rules need to know about the account a key belongs to."""

    is_sub_account: bool
    labels_in_use: Collection[str]  # labels of the account's other keys (excluding deleted ones)
    key_count: int  # keys the account holds now (excluding deleted ones)


# --- single rules --------------------------------------------------------------------------------
def check_key_count(key_count: int, limit: int = MAX_KEYS_PER_ACCOUNT) -> Rejected | None:
    if key_count >= limit:
        return Rejected.of(Reason.KEY_LIMIT_REACHED, limit=str(limit))
    return None


def check_description(description: str) -> Rejected | None:
    """Free text for the owner: one line (it is shown in lists), at most DESCRIPTION_MAX characters."""
    if len(description) > DESCRIPTION_MAX or not description.isprintable():
        return Rejected.of(Reason.KEY_DESCRIPTION_INVALID, field="description", limit=str(DESCRIPTION_MAX))
    return None


def check_label(label: str, labels_in_use: Collection[str]) -> Rejected | None:
    well_formed = 0 < len(label) <= LABEL_MAX and label == label.strip(" ")
    if not well_formed or not _LABEL_CHARS.issuperset(label):
        return Rejected.of(Reason.KEY_LABEL_INVALID, field="label")
    if label in labels_in_use:
        return Rejected.of(Reason.KEY_LABEL_TAKEN, field="label")
    return None


def check_passphrase(passphrase: str) -> Rejected | None:
    if not _passphrase_ok(passphrase):
        return Rejected.of(Reason.PASSPHRASE_FORMAT, field="passphrase")
    return None


def _passphrase_ok(passphrase: str) -> bool:
    if not PASSPHRASE_MIN <= len(passphrase) <= PASSPHRASE_MAX:
        return False
    if not all("!" <= ch <= "~" for ch in passphrase):  # printable ASCII, no space
        return False
    kinds = (str.isdigit, str.isupper, str.islower, _is_special)
    return all(any(kind(ch) for ch in passphrase) for kind in kinds)


def _is_special(ch: str) -> bool:
    return not ch.isalnum()


def parse_perms(text: str) -> frozenset[Permission] | Rejected:
    """Permissions from "read_only,trade" (spaces tolerated); read_only is always included.

    An empty text gives read_only alone. KEY_PERMISSION_INVALID names the unknown entry (perm).
    """
    perms = {Permission.READ_ONLY}
    for name in filter(None, (part.strip() for part in text.split(","))):
        perm = _PERMS_BY_NAME.get(name)
        if perm is None:
            return Rejected.of(Reason.KEY_PERMISSION_INVALID, field="perm", perm=name)
        perms.add(perm)
    return frozenset(perms)


def check_withdraw(perms: frozenset[Permission], ips: IpAllowList, is_sub_account: bool) -> Rejected | None:
    """Withdraw is for master accounts only (59504), and only with a real IP binding."""
    if Permission.WITHDRAW not in perms:
        return None
    if is_sub_account:
        return Rejected.of(Reason.SUBACCOUNT_CANNOT_WITHDRAW, field="perm")
    if ips.unbound:
        return Rejected.of(Reason.WITHDRAW_NEEDS_IP_BINDING, field="ip")
    return None


def check_expiry(expires_at_ms: int | None, now_ms: int) -> Rejected | None:
    """Perpetual (None) or an instant still in the future, and one a timestamp can hold."""
    if expires_at_ms is not None and not now_ms < expires_at_ms <= LATEST_MS:
        return Rejected.of(Reason.KEY_EXPIRY_INVALID, field="expires_at")
    return None


def check_activatable(state: KeyState) -> Rejected | None:
    """Only a key waiting for its email confirmation can be activated."""
    if state is not KeyState.PENDING:
        return Rejected.of(Reason.KEY_NOT_PENDING)
    return None


# --- whole requests ------------------------------------------------------------------------------
def validate_create(request: CreateKeyRequest, owner: Owner, now_ms: int) -> KeySpec | Rejected:
    """The spec to store, or the first refusal in this order: count, label, passphrase, perm, ip,
    withdraw (sub-account, then binding), expiry."""
    refusal = (
        check_key_count(owner.key_count)
        or check_label(request.label, owner.labels_in_use)
        or check_passphrase(request.passphrase)
        or check_description(request.description)
    )
    if refusal is not None:
        return refusal
    perms = parse_perms(request.perm)
    if isinstance(perms, Rejected):
        return perms
    ips = parse_ip_list(request.ip)
    if isinstance(ips, Rejected):
        return ips
    refusal = check_withdraw(perms, ips, owner.is_sub_account) or check_expiry(request.expires_at_ms, now_ms)
    return refusal or KeySpec(request.label, perms, ips, request.expires_at_ms, request.description)


def validate_edit(current: KeySpec, request: EditKeyRequest, owner: Owner, now_ms: int) -> KeySpec | Rejected:
    """The key's spec after the edit, or the first refusal (same order as creation).

    The result as a whole must satisfy the creation rules, so e.g. removing every IP of a withdraw
    key is refused (WITHDRAW_NEEDS_IP_BINDING). Only a changed expiry date must be in the future.
    """
    label = current.label if request.label is None else request.label
    refusal = None if label == current.label else check_label(label, owner.labels_in_use)
    description = current.description if request.description is None else request.description
    refusal = refusal or check_description(description)
    if refusal is not None:
        return refusal
    perms = current.perms if request.perm is None else parse_perms(request.perm)
    if isinstance(perms, Rejected):
        return perms
    ips = current.ips if request.ip is None else parse_ip_list(request.ip)
    if isinstance(ips, Rejected):
        return ips
    expiry = current.expires_at_ms if request.expires_at_ms is UNCHANGED else request.expires_at_ms
    refusal = check_withdraw(perms, ips, owner.is_sub_account)
    if refusal is None and expiry != current.expires_at_ms:
        refusal = check_expiry(expiry, now_ms)
    return refusal or KeySpec(label, perms, ips, expiry, description)
