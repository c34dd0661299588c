"""Refusals as people read them: which form field is wrong, and a precise, friendly sentence.

Reasons without a text here fall back to the OKX message of `transport/okx/errors.py`, so every
refusal says something exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sandex.domain.errors import Reason, Rejected
from sandex.transport.okx.errors import wire_error

R = Reason

KEY_PHRASE_RULE = (
    "8–32 characters with at least one digit, one uppercase letter, one lowercase letter and one "
    "special character (such as # or !); no spaces"
)
LABEL_RULE = "1–50 letters, digits, spaces (not at either end), _ or -"

_TEXTS: Mapping[Reason, str] = {
    R.EMAIL_INVALID: "Enter a valid email address, like name@example.com.",
    R.EMAIL_TAKEN: "This email is already registered. Log in instead.",
    R.PASSWORD_WEAK: "Password too weak: {rule}.",
    R.LOGIN_FAILED: "User not found or password invalid",
    R.LOGIN_LOCKED: "Too many failed attempts. Try again in {retry_after} seconds.",
    R.ACCOUNT_FROZEN: "This account is frozen.",
    R.TOTP_REQUIRED: "Enter the 6-digit code from your authenticator app.",
    R.TOTP_INVALID: "That 2FA code is incorrect or was already used. Wait for the next code.",
    R.TOTP_ALREADY_ENABLED: "Two-factor authentication is already on.",
    R.TOTP_NOT_ENABLED: "Two-factor authentication is not on.",
    R.EMAIL_CODE_REQUIRED: "Enter the code we emailed you (press “Send code” to get one).",
    R.EMAIL_CODE_EXPIRED: "That email code has expired or was already used. Send a new one.",
    R.EMAIL_CODE_EXHAUSTED: "Too many wrong codes. Send a new one.",
    R.EMAIL_CODE_TOO_FREQUENT: "Too many codes asked for. Ask for a new one in {retry_after} seconds.",
    R.SUBACCOUNT_NAME_INVALID: "Use 6–20 letters or digits, no spaces.",
    R.SUBACCOUNT_NAME_TAKEN: "That sub-account name is already taken.",
    R.SUBACCOUNT_NOT_FOUND: "This sub-account does not exist.",
    R.KEY_LIMIT_REACHED: "This account already has 50 API keys. Delete one first.",
    R.KEY_LABEL_TAKEN: "You already have an API key named “{label}”.",
    R.KEY_LABEL_INVALID: f"Use {LABEL_RULE}.",
    R.PASSPHRASE_FORMAT: f"The passphrase needs {KEY_PHRASE_RULE}.",
    R.KEY_IP_INVALID: "“{ip}” is not an IPv4 or IPv6 address or a CIDR network.",
    R.KEY_IP_LIMIT: "Bind at most {limit} IP addresses or networks.",
    R.KEY_PERMISSION_INVALID: "Unknown permission “{perm}”.",
    R.SUBACCOUNT_CANNOT_WITHDRAW: "Sub-account keys cannot have the withdraw permission.",
    R.WITHDRAW_NEEDS_IP_BINDING: "Withdraw needs an IP allow-list (0.0.0.0/0 does not count).",
    R.KEY_EXPIRY_INVALID: "Choose an expiry date in the future.",
    R.KEY_DOES_NOT_EXIST: "This API key does not exist.",
    R.KEY_NOT_PENDING: "This API key is not waiting for activation.",
    R.KEY_DESCRIPTION_INVALID: "Keep the description to {limit} characters on one line.",
    R.SERVICE_UNAVAILABLE: "The mail could not be sent. Try again in a moment.",
}

# Service field names → the console's form field names.
_FIELDS: Mapping[str, str] = {
    "email": "email",
    "password": "password",
    "totp": "totp_code",
    "recovery_code": "totp_code",
    "code": "email_code",
    "sub_account": "name",
    "label": "label",
    "passphrase": "passphrase",
    "perm": "perm",
    "ip": "ip",
    "expires_at": "expiry",
    "environment": "environment",
}


@dataclass(frozen=True, slots=True)
class Problem:
    field: str | None  # the form field to flag, or None for the whole form
    message: str


class _Lenient(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def describe(rejected: Rejected) -> Problem:
    field = _FIELDS.get(rejected.params.get("field", ""))
    if rejected.reason is R.EMAIL_CODE_INVALID:
        return Problem("email_code", _wrong_email_code(rejected.params))
    template = _TEXTS.get(rejected.reason)
    if template is None:
        return Problem(field, wire_error(rejected)[1])
    return Problem(field, template.format_map(_Lenient(rejected.params)))


def _wrong_email_code(params: Mapping[str, str]) -> str:
    left = params.get("attempts_left")
    if left is None:
        return "That email code is incorrect. Press “Send code” for a new one."
    return f"That email code is incorrect ({left} attempts left)."


def errors_of(rejected: Rejected) -> dict[str, str]:
    """The refusal as a form's error map: {field: message}, "" for the form as a whole."""
    problem = describe(rejected)
    return {problem.field or "": problem.message}


def password_problem(rejected: Rejected) -> str:
    """A refused password re-entry by someone already signed in: no need to be vague about who."""
    if rejected.reason is R.LOGIN_FAILED:
        return "The password is incorrect."
    return describe(rejected).message
