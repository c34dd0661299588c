"""Request authentication: small checks run in OKX's order; the first refusal wins.

Order (reference §1.5; only the first three steps were observed on OKX, the rest is our choice):
  1. headers present, in the order of OKX's header table: key (50103), sign (50106),
     timestamp (50107), passphrase (50104). A header that is empty counts as missing.
  2. timestamp format (50112), then window ±30 s (50102)   -- before any lookup, as observed
  3. key: malformed -> KEY_INVALID (50111) without a lookup; unknown -> KEY_NOT_FOUND (50119)
  4. KEY_CHECKS below: state (frozen 50100; pending/revoked/expired/deleted 50111), expiry incl. the
     14-day inactivity rule (50111), owner blocked, environment (50101), IP allow-list (50110),
     signature (50113), passphrase (50105), permission (50120), IP binding if the endpoint needs
     one (50035).
Cheap, secret-free checks come first. The signature (one HMAC) comes before the passphrase
(argon2, cached by the service): a caller without the key's secret always gets 50113 and never
reaches argon2, so it can neither burn the server's memory on hashing nor learn from 50105 vs 50113
whether a passphrase guess was right. The passphrase check may also answer 50011 when the service
refuses to run argon2 again for this key so soon (`PassphraseCheck` returns that refusal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from sandex.domain.accounts.model import Environment, UserStatus
from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys import signing
from sandex.domain.keys.expiry import is_expired
from sandex.domain.keys.formats import is_api_key_format
from sandex.domain.keys.model import ApiKeyPolicyView, KeyState, Permission
from sandex.domain.keys.timestamps import parse_rest_timestamp, parse_ws_timestamp, within_window

KeyLookup = Callable[[str], ApiKeyPolicyView | None]
# (verifier stored in the view, passphrase received) -> matches, or a refusal to check it now
PassphraseCheck = Callable[[str, str], bool | Rejected]


class TimestampFormat(Enum):
    ISO = "iso"  # REST: 2020-12-08T09:08:57.715Z
    EPOCH_SECONDS = "epoch_seconds"  # WS login: "1538054050" or "1538054050.123"


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """What the transport read off one request. Missing headers are None (or "")."""

    api_key: str | None
    sign: str | None
    timestamp: str | None
    passphrase: str | None
    method: str
    raw_target: bytes | str  # path + "?" + query exactly as received
    body: bytes
    client_ip: str
    demo: bool  # x-simulated-trading: 1
    required_perm: Permission = Permission.READ_ONLY
    needs_ip_binding: bool = False  # e.g. sub-account key management
    timestamp_format: TimestampFormat = TimestampFormat.ISO


def ws_login_request(
    api_key: str, sign: str, timestamp: str, passphrase: str, client_ip: str, demo: bool
) -> SignedRequest:
    """A WS `login` op as a signed request: it signs `timestamp + GET + /users/self/verify`."""
    return SignedRequest(
        api_key,
        sign,
        timestamp,
        passphrase,
        signing.WS_LOGIN_METHOD,
        signing.WS_LOGIN_PATH,
        b"",
        client_ip,
        demo,
        timestamp_format=TimestampFormat.EPOCH_SECONDS,
    )


@dataclass(frozen=True, slots=True)
class Attempt:
    """One request meeting the key it names: the input of every key check."""

    request: SignedRequest
    key: ApiKeyPolicyView
    now_ms: int
    verify_passphrase: PassphraseCheck


KeyCheck = Callable[[Attempt], Rejected | None]


# --- before the lookup ---------------------------------------------------------------------------
def check_headers(request: SignedRequest) -> Rejected | None:
    if not request.api_key:
        return Rejected.of(Reason.KEY_HEADER_MISSING, field="api_key")
    if not request.sign:
        return Rejected.of(Reason.SIGN_HEADER_MISSING, field="sign")
    if not request.timestamp:
        return Rejected.of(Reason.TIMESTAMP_HEADER_MISSING, field="timestamp")
    if not request.passphrase:
        return Rejected.of(Reason.PASSPHRASE_HEADER_MISSING, field="passphrase")
    return None


def check_timestamp(request: SignedRequest, now_ms: int) -> Rejected | None:
    text = request.timestamp or ""
    if request.timestamp_format is TimestampFormat.ISO:
        timestamp_ms = parse_rest_timestamp(text)
    else:
        timestamp_ms = parse_ws_timestamp(text)
    if timestamp_ms is None:
        return Rejected.of(Reason.TIMESTAMP_INVALID, field="timestamp")
    if not within_window(timestamp_ms, now_ms):
        return Rejected.of(Reason.TIMESTAMP_EXPIRED, field="timestamp")
    return None


def find_key(api_key: str, lookup: KeyLookup) -> ApiKeyPolicyView | Rejected:
    if not is_api_key_format(api_key):
        return Rejected.of(Reason.KEY_INVALID, field="api_key")
    key = lookup(api_key)
    if key is None:
        return Rejected.of(Reason.KEY_NOT_FOUND, field="api_key")
    return key


# --- with the key --------------------------------------------------------------------------------
def check_state(attempt: Attempt) -> Rejected | None:
    state = attempt.key.state
    if state is KeyState.ACTIVE:
        return None
    if state is KeyState.FROZEN:
        return Rejected.of(Reason.KEY_FROZEN)
    return Rejected.of(Reason.KEY_INVALID, field="api_key", state=state.value)


def check_expiry(attempt: Attempt) -> Rejected | None:
    if is_expired(attempt.key, attempt.now_ms):
        return Rejected.of(Reason.KEY_INVALID, field="api_key", state=KeyState.EXPIRED.value)
    return None


def check_owner(attempt: Attempt) -> Rejected | None:
    if attempt.key.owner_status is UserStatus.FROZEN:
        return Rejected.of(Reason.USER_BLOCKED)
    return None


def check_environment(attempt: Attempt) -> Rejected | None:
    if (attempt.key.environment is Environment.DEMO) != attempt.request.demo:
        return Rejected.of(Reason.ENVIRONMENT_MISMATCH)
    return None


def check_ip(attempt: Attempt) -> Rejected | None:
    ip = attempt.request.client_ip
    if not attempt.key.ips.allows(ip):
        return Rejected.of(Reason.IP_NOT_ALLOWED, ip=ip, api_key=attempt.key.api_key)
    return None


def check_passphrase(attempt: Attempt) -> Rejected | None:
    verdict = attempt.verify_passphrase(attempt.key.passphrase_verifier, attempt.request.passphrase or "")
    if isinstance(verdict, Rejected):
        return verdict
    if not verdict:
        return Rejected.of(Reason.PASSPHRASE_INCORRECT, field="passphrase")
    return None


def check_signature(attempt: Attempt) -> Rejected | None:
    request = attempt.request
    message = signing.prehash(request.timestamp or "", request.method, request.raw_target, request.body)
    if not signing.verify(attempt.key.secret, message, request.sign or ""):
        return Rejected.of(Reason.SIGNATURE_INVALID, field="sign")
    return None


def check_permission(attempt: Attempt) -> Rejected | None:
    perm = attempt.request.required_perm
    if perm not in attempt.key.perms:
        return Rejected.of(Reason.PERMISSION_DENIED, perm=perm.value)
    return None


def check_ip_binding(attempt: Attempt) -> Rejected | None:
    if attempt.request.needs_ip_binding and attempt.key.ips.unbound:
        return Rejected.of(Reason.IP_BINDING_REQUIRED)
    return None


KEY_CHECKS: tuple[KeyCheck, ...] = (
    check_state,
    check_expiry,
    check_owner,
    check_environment,
    check_ip,
    check_signature,  # before the passphrase: see the module docstring
    check_passphrase,
    check_permission,
    check_ip_binding,
)


# --- the pipeline --------------------------------------------------------------------------------
def authenticate(
    request: SignedRequest, now_ms: int, lookup: KeyLookup, verify_passphrase: PassphraseCheck
) -> ApiKeyPolicyView | Rejected:
    """The key that signed `request`, or the first refusal. On success the service records the
    use (`last_used_ms`) — that is what keeps an unbound key alive under the 14-day rule."""
    refusal = check_headers(request) or check_timestamp(request, now_ms)
    if refusal is not None:
        return refusal
    key = find_key(request.api_key or "", lookup)
    if isinstance(key, Rejected):
        return key
    attempt = Attempt(request, key, now_ms, verify_passphrase)
    for check in KEY_CHECKS:
        refusal = check(attempt)
        if refusal is not None:
            return refusal
    return key
