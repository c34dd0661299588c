"""Validation of what a person types: email, password, sub-account name.

Each function answers with the normalised value or `None` for "fine", or a `Rejected` whose params
name the field (and, for passwords, the rule) so the transport can say exactly what is wrong.
"""

from __future__ import annotations

import re

from sandex.domain.errors import Reason, Rejected

# --- email ---------------------------------------------------------------------------------------
# Deliberately simpler than RFC 5322: what real mail providers accept. No quoted local parts, no IP
# literals, no single-label domains (use e.g. `example.test` in a sandbox), ASCII only (IDNs must be
# given in punycode, `xn--...`).
_LOCAL_RE = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL_RE = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_TLD_RE = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")
EMAIL_MAX_LENGTH = 254  # RFC 5321 path limit
LOCAL_MAX_LENGTH = 64


def normalise_email(text: str) -> str | Rejected:
    """`text` trimmed and lower-cased if it is a plausible address, else EMAIL_INVALID."""
    email = text.strip().lower()
    if not _is_plausible_email(email):
        return Rejected.of(Reason.EMAIL_INVALID, field="email")
    return email


def _is_plausible_email(email: str) -> bool:
    if len(email) > EMAIL_MAX_LENGTH or not email.isascii() or email.count("@") != 1:
        return False
    local, domain = email.split("@")
    if not 0 < len(local) <= LOCAL_MAX_LENGTH or _LOCAL_RE.fullmatch(local) is None:
        return False
    labels = domain.split(".")
    if len(labels) < 2 or _TLD_RE.fullmatch(labels[-1]) is None:
        return False
    return all(_LABEL_RE.fullmatch(label) for label in labels)


# --- password ------------------------------------------------------------------------------------
PASSWORD_MIN = 8
PASSWORD_MAX = 128  # argon2 would take more, but a bound keeps hashing cost predictable
# A local part this short ("al") appears in too many good passwords to be worth refusing.
_MIN_LOCAL_PART_CHECKED = 3

PASSWORD_RULE = (
    f"{PASSWORD_MIN}-{PASSWORD_MAX} characters with at least one lowercase letter, one uppercase letter "
    "and one digit, no control characters, and not containing the part of your email before the @"
)
RULE_LENGTH = f"{PASSWORD_MIN}-{PASSWORD_MAX} characters"
RULE_LOWER = "at least one lowercase letter"
RULE_UPPER = "at least one uppercase letter"
RULE_DIGIT = "at least one digit"
RULE_CONTROL = "no control characters"
RULE_EMAIL = "must not contain the part of your email before the @"


def check_password(password: str, email: str | None = None) -> Rejected | None:
    """PASSWORD_WEAK naming the first rule broken (params: field, rule), or None."""
    broken = _first_broken_rule(password, email)
    if broken is None:
        return None
    return Rejected.of(Reason.PASSWORD_WEAK, field="password", rule=broken)


def _first_broken_rule(password: str, email: str | None) -> str | None:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return RULE_LENGTH
    if not any(ch.islower() for ch in password):
        return RULE_LOWER
    if not any(ch.isupper() for ch in password):
        return RULE_UPPER
    if not any(ch.isdigit() for ch in password):
        return RULE_DIGIT
    if not password.isprintable():
        return RULE_CONTROL
    if email is not None and _contains_local_part(password, email):
        return RULE_EMAIL
    return None


def _contains_local_part(password: str, email: str) -> bool:
    local = email.partition("@")[0].casefold()
    return len(local) >= _MIN_LOCAL_PART_CHECKED and local in password.casefold()


# --- sub-account name ----------------------------------------------------------------------------
# OKX: 6-20 characters, letters and digits only, case-sensitive, no spaces.
_SUBACCOUNT_NAME_RE = re.compile(r"[A-Za-z0-9]{6,20}")


def check_subaccount_name(name: str) -> Rejected | None:
    if _SUBACCOUNT_NAME_RE.fullmatch(name) is None:
        return Rejected.of(Reason.SUBACCOUNT_NAME_INVALID, field="sub_account")
    return None
