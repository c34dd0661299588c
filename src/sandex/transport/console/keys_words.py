"""A key's audit trail and recent requests in words a person reads: dates instead of epoch
milliseconds, "IP not allowed" instead of `ip_not_allowed`, with OKX's code beside a refusal (the
code a bot's log shows)."""

from __future__ import annotations

import re

from sandex.domain.errors import Reason
from sandex.services.keys.ports import AuditEntry, AuditEvent, UsageEntry
from sandex.transport.console.render import when
from sandex.transport.okx.errors import ERRORS

_REFUSALS: dict[Reason, str] = {
    Reason.IP_NOT_ALLOWED: "IP not allowed",
    Reason.SIGNATURE_INVALID: "Wrong signature",
    Reason.PASSPHRASE_INCORRECT: "Wrong passphrase",
    Reason.TIMESTAMP_EXPIRED: "Timestamp too old",
    Reason.TIMESTAMP_INVALID: "Timestamp not readable",
    Reason.PERMISSION_DENIED: "Permission missing",
    Reason.ENVIRONMENT_MISMATCH: "Wrong environment (live or demo)",
    Reason.KEY_FROZEN: "Key frozen",
    Reason.KEY_INVALID: "Key not active",
    Reason.KEY_NOT_FOUND: "Key unknown",
    Reason.IP_BINDING_REQUIRED: "Needs an IP allow-list",
    Reason.USER_BLOCKED: "Account frozen",
}
_EVENTS = {AuditEvent.AUTH_FAILURE: "Request refused"}
_EPOCH_MS = re.compile(r"\b1\d{12}\b")  # an instant in ms (2001-2286), as the audit text stores it
OK = "OK"


def refusal(reason: str) -> str:
    """`ip_not_allowed` -> "IP not allowed (50110)"; an unknown value is shown as written."""
    try:
        known = Reason(reason)
    except ValueError:
        return reason.replace("_", " ").capitalize()
    words = _REFUSALS.get(known) or known.value.replace("_", " ").capitalize()
    wire = ERRORS.get(known)
    return f"{words} ({wire.code})" if wire is not None else words


def outcome(use: UsageEntry) -> str:
    """A usage line's result: OK, or why it was refused."""
    return OK if use.code == "0" else refusal(use.code)


def event_name(entry: AuditEntry) -> str:
    return _EVENTS.get(entry.event) or entry.event.value.replace("_", " ").capitalize()


def audit_detail(entry: AuditEntry) -> str:
    if entry.event is AuditEvent.AUTH_FAILURE:
        return refusal(entry.detail)
    return _EPOCH_MS.sub(lambda found: when(int(found.group(0))), entry.detail)
