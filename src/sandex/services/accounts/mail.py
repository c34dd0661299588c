"""The mails sandex sends, as values: what they say is decided here, how they travel is a port.

Codes go in the body only, never in the subject: subjects end up in mail-server logs and in our own
log line for each message sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sandex.domain.accounts.email_codes import CODE_TTL_MS, CodePurpose
from sandex.domain.clock import MINUTE_MS

SENDER_NAME = "sandex"

_ACTIONS: dict[CodePurpose, str] = {
    CodePurpose.LOGIN: "sign in",
    CodePurpose.API_KEY_CREATE: "create an API key",
    CodePurpose.API_KEY_ACTIVATE: "activate your new API key",
    CodePurpose.API_KEY_EDIT: "change an API key",
    CodePurpose.API_KEY_DELETE: "delete an API key",
    CodePurpose.API_KEY_REVOKE: "revoke an API key",
    CodePurpose.WITHDRAW_ADDRESS: "change your withdrawal addresses",
    CodePurpose.WITHDRAW: "confirm a withdrawal",
    CodePurpose.TOTP_DISABLE: "turn off two-factor authentication",
}
_CODE_LINE = re.compile(r"^Verification code: (\d{6})$", re.MULTILINE)
SPENT_CODE_LINE = "Verification code: ****** (no longer valid: used, expired or replaced by a newer code)"


@dataclass(frozen=True, slots=True)
class MailMessage:
    to: str
    subject: str
    body: str = field(repr=False)  # may hold a code: keep it out of reprs that land in logs
    code_id: int | None = None  # the stored email code it carries: the dev outbox blanks it once spent


@dataclass(frozen=True, slots=True)
class MailView:
    """One mail from the embedded outbox (newest first when listed)."""

    id: int
    to: str
    subject: str
    body: str = field(repr=False)
    created_ms: int = 0

    @property
    def code(self) -> str | None:
        """The verification code this mail carries, if any: lets scripts and tests finish a flow."""
        return extract_code(self.body)


def extract_code(body: str) -> str | None:
    found = _CODE_LINE.search(body)
    return found.group(1) if found else None


def redact_code(body: str) -> str:
    """The body with its code blanked: what the mail still says once the code is spent."""
    return _CODE_LINE.sub(SPENT_CODE_LINE, body)


def email_code_mail(
    to: str, purpose: CodePurpose, code: str, reference: str = "", code_id: int | None = None
) -> MailMessage:
    """The mail carrying a one-time code for `purpose` (`code_id`: the stored code's id)."""
    action = _ACTIONS.get(purpose, purpose.value.replace("_", " "))
    minutes = CODE_TTL_MS // MINUTE_MS
    about = f" ({reference})" if reference else ""
    body = (
        f"Someone (hopefully you) asked to {action}{about} on {SENDER_NAME}.\n\n"
        f"Verification code: {code}\n\n"
        f"The code is valid for {minutes} minutes and can be used once.\n"
        "If this was not you, ignore this mail and consider changing your password.\n"
    )
    return MailMessage(to=to, subject=f"{SENDER_NAME}: your verification code", body=body, code_id=code_id)


def totp_enabled_mail(to: str) -> MailMessage:
    body = "Two-factor authentication is now on for your sandex account.\n"
    return MailMessage(to=to, subject=f"{SENDER_NAME}: two-factor authentication enabled", body=body)


def totp_disabled_mail(to: str) -> MailMessage:
    body = (
        "Two-factor authentication was turned off for your sandex account.\n"
        "If this was not you, change your password at once.\n"
    )
    return MailMessage(to=to, subject=f"{SENDER_NAME}: two-factor authentication disabled", body=body)
